// Handing the outbox to the SMS sink: every path that delivers (`notify dispatch`, the
// review batch's delivery, one-time codes) claims what it hands over, so any number of
// deliverers at once, on one SQLite file or on PostgreSQL from several hosts, never hand one
// message over twice in normal operation, and each recipient's messages go in the order they
// were queued. The guarantee, the lease and the one duplicate left are in docs/notify.md.
#pragma once

#include "flows/context.h"
#include "notify/outbox.h"

#include <atomic>
#include <optional>

namespace kunlun {

struct DeliveryReport {
    std::int64_t sent = 0;
    std::int64_t retrying = 0;  // failed, tried again later (back-off)
    std::int64_t dead = 0;      // failed for the last time: a dead letter
    bool interrupted = false;   // stopped on a signal after a page; the rest stays queued
    [[nodiscard]] nlohmann::json to_json() const;
};

// Delivers every due message, a page (`notify.page_size`) at a time: claim the page (one short
// transaction), hand it to the sink (the file sink: one append, one fsync), record the outcome
// (one short transaction). `stop` is read after each page. No role check: the caller made it.
// A sink that fails as a whole (the file sink: a full disk) ends the run with exit 74; the page
// it could not take stays queued, unmarked.
DeliveryReport deliver_outbox(Context& ctx, const std::atomic<bool>* stop = nullptr);

// A message delivered at once by the command that queues it (a one-time code): queued inside
// the caller's transaction already claimed by this process, handed to the sink after that
// transaction commits, marked sent in a second short one. Killed in between, the message is
// pending and the next deliverer sends it (its claim dies with the process).
class ImmediateMessage {
public:
    // Inside the caller's write transaction. Exit 78 when no sink is configured (a code must
    // reach the customer now), before anything is written.
    static ImmediateMessage queue(Context& ctx, const Notification& n);
    ImmediateMessage(ImmediateMessage&&) noexcept = default;
    ImmediateMessage& operator=(ImmediateMessage&&) noexcept = default;
    ~ImmediateMessage();
    // After the commit. A sink failure is exit 74: the message stays queued for `notify dispatch`.
    void deliver(Context& ctx);

private:
    ImmediateMessage() = default;
    OutboxMessage message_;
    std::string claimant_;
};

}  // namespace kunlun
