// Who holds a claim on outbox messages: one deliverer, named "host/pid/start/nonce" so that
// another deliverer on the same host can tell a claim whose process is gone (killed, crashed)
// from a live one, and take its messages over at once instead of waiting for the lease.
#pragma once

#include <string>

namespace kunlun {

// A new claimant name for this process (a fresh nonce each call: two deliverers in one
// process are two claimants).
std::string new_claimant();

// False only when the claimant certainly is gone: it ran on this host and its process no
// longer exists (or the pid now belongs to a process started at another time). A claimant of
// another host, or a name not in our format, counts as alive: only its lease ends its claim.
bool claimant_alive(const std::string& claimant);

}  // namespace kunlun
