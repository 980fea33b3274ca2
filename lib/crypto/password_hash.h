// Password, PIN and answer hashing: Argon2id (RFC 9106) in the PHC string format, the only
// form in which a secret is ever stored (domain.md §1), e.g.
//   $argon2id$v=19$m=19456,t=2,p=1$<salt, base64 without padding>$<tag, base64 without padding>
#pragma once

#include "crypto/secret.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kunlun {

// Defaults are OWASP's first Argon2id choice (19 MiB, 2 passes, 1 lane, about 20 ms a hash);
// the config keys crypto.argon2.* override them, within the ranges the config table allows.
struct Argon2Cost {
    std::uint32_t memory_kib = 19456;
    std::uint32_t time_cost = 2;
    std::uint32_t parallelism = 1;
};

// A new PHC string with a fresh 16-byte random salt and a 32-byte tag. A cost libargon2 or
// the config ranges refuse is Error(Exit::config, "config").
std::string hash_secret(const Secret& secret, const Argon2Cost& cost);

// The same with a caller-chosen 16-byte salt: only for public test data that must hash the
// same way in every run (`fixtures generate --seed`), never for a customer's secret.
std::string hash_secret_with_salt(const Secret& secret, const Argon2Cost& cost,
                                  std::span<const unsigned char, 16> salt);

// Whether `secret` matches the stored `phc` string, compared by libargon2 in constant time.
// A stored string that is not a well-formed Argon2id PHC string (or asks for a cost outside
// the config ranges) cannot have come from hash_secret: Error(Exit::unavailable, "store-corrupt").
bool verify_secret(const Secret& secret, const std::string& phc);

// True when `phc` was made with another cost than `cost`: after a successful verification the
// caller re-hashes the secret it now holds, so a policy change reaches every stored hash.
// Throws "store-corrupt" like verify_secret for a malformed string.
bool needs_rehash(const std::string& phc, const Argon2Cost& cost);

// The shape check: `$argon2id$v=19$m=M,t=T,p=P$SALT$HASH` with decimal costs in range, a salt
// of at least 8 bytes and a tag of at least 4, both canonical unpadded base64. Used to accept
// hashes given in fixture files before anything is stored.
bool is_phc_argon2id(std::string_view phc);

}  // namespace kunlun
