#include "crypto/password_hash.h"

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "error.h"

#include <argon2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

namespace kunlun {
namespace {

constexpr std::size_t salt_size = 16;  // RFC 9106 §3.1 recommends 128 bits
constexpr std::size_t tag_size = 32;

// The same ranges as the config keys crypto.argon2.* (config/keys.cpp). Verification refuses
// hashes above them too: an altered store could otherwise ask for terabytes of memory.
constexpr std::uint32_t max_memory_kib = 4194304;  // 4 GiB
constexpr std::uint32_t max_time_cost = 100;
constexpr std::uint32_t max_parallelism = 64;

bool cost_in_range(std::uint32_t m, std::uint32_t t, std::uint32_t p) {
    // libargon2 needs at least 8 KiB per lane (ARGON2_SYNC_POINTS * 2 blocks).
    return t >= 1 && t <= max_time_cost && p >= 1 && p <= max_parallelism && m >= 8ULL * p &&
           m <= max_memory_kib;
}

struct PhcFields {
    std::uint32_t memory_kib = 0;
    std::uint32_t time_cost = 0;
    std::uint32_t parallelism = 0;
};

// Consumes `prefix` from the front of `text`.
bool take(std::string_view& text, std::string_view prefix) {
    if (!text.starts_with(prefix)) return false;
    text.remove_prefix(prefix.size());
    return true;
}

// Consumes a decimal number without sign or leading zeros, as libargon2 writes them.
std::optional<std::uint32_t> take_number(std::string_view& text) {
    std::uint32_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    const std::size_t length = static_cast<std::size_t>(end - text.data());
    if (error != std::errc{} || length == 0 || (text[0] == '0' && length > 1)) {
        return std::nullopt;
    }
    text.remove_prefix(length);
    return value;
}

// The decoded size of canonical unpadded base64 (PHC strings drop the '='), or nothing.
std::optional<std::size_t> unpadded_base64_size(std::string_view text) {
    // Only alphabet characters: base64_decode would also take '=' and skip whitespace.
    const auto in_alphabet = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
    };
    if (text.size() % 4 == 1 || !std::all_of(text.begin(), text.end(), in_alphabet)) {
        return std::nullopt;
    }
    std::string padded(text);
    padded.append((4 - text.size() % 4) % 4, '=');
    try {
        return base64_decode(padded).size();
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::optional<PhcFields> parse_phc(std::string_view text) {
    PhcFields fields;
    std::optional<std::uint32_t> m, t, p;
    // Only version 19 (0x13): the one RFC 9106 specifies and libargon2 writes.
    if (!take(text, "$argon2id$v=19$m=") || !(m = take_number(text)) || !take(text, ",t=") ||
        !(t = take_number(text)) || !take(text, ",p=") || !(p = take_number(text)) ||
        !take(text, "$")) {
        return std::nullopt;
    }
    const std::size_t dollar = text.find('$');
    if (dollar == std::string_view::npos) return std::nullopt;
    const auto salt = unpadded_base64_size(text.substr(0, dollar));
    const auto tag = unpadded_base64_size(text.substr(dollar + 1));
    if (!salt || *salt < ARGON2_MIN_SALT_LENGTH || !tag || *tag < ARGON2_MIN_OUTLEN ||
        !cost_in_range(*m, *t, *p)) {
        return std::nullopt;
    }
    fields.memory_kib = *m;
    fields.time_cost = *t;
    fields.parallelism = *p;
    return fields;
}

PhcFields parse_stored(std::string_view phc) {
    auto fields = parse_phc(phc);
    if (!fields) {
        throw Error(Exit::unavailable, "store-corrupt",
                    "a stored password hash is not an Argon2id PHC string in the accepted cost "
                    "range (altered or damaged store)");
    }
    return *fields;
}

}  // namespace

std::string hash_secret(const Secret& secret, const Argon2Cost& cost) {
    std::array<unsigned char, salt_size> salt{};
    random_bytes(salt);
    return hash_secret_with_salt(secret, cost, salt);
}

std::string hash_secret_with_salt(const Secret& secret, const Argon2Cost& cost,
                                  std::span<const unsigned char, 16> salt) {
    if (!cost_in_range(cost.memory_kib, cost.time_cost, cost.parallelism)) {
        fail(Exit::config, "config",
             "Argon2id cost m={} KiB, t={}, p={} is out of range: crypto.argon2.time_cost 1-{}, "
             "parallelism 1-{}, memory_kib 8 x parallelism to {}",
             cost.memory_kib, cost.time_cost, cost.parallelism, max_time_cost, max_parallelism,
             max_memory_kib);
    }
    std::string encoded(argon2_encodedlen(cost.time_cost, cost.memory_kib, cost.parallelism,
                                          salt_size, tag_size, Argon2_id),
                        '\0');
    const std::string& pwd = secret.reveal();
    const int status = argon2id_hash_encoded(cost.time_cost, cost.memory_kib, cost.parallelism,
                                             pwd.data(), pwd.size(), salt.data(), salt.size(),
                                             tag_size, encoded.data(), encoded.size());
    if (status != ARGON2_OK) {
        fail(Exit::internal, "internal", "Argon2id hashing failed: {} (m={} KiB, t={}, p={})",
             argon2_error_message(status), cost.memory_kib, cost.time_cost, cost.parallelism);
    }
    encoded.resize(encoded.find('\0'));  // the buffer size counts the terminator
    return encoded;
}

bool verify_secret(const Secret& secret, const std::string& phc) {
    static_cast<void>(parse_stored(phc));
    const std::string& pwd = secret.reveal();
    const int status = argon2id_verify(phc.c_str(), pwd.data(), pwd.size());
    switch (status) {
        case ARGON2_OK:
            return true;
        case ARGON2_VERIFY_MISMATCH:
            return false;
        case ARGON2_MEMORY_ALLOCATION_ERROR:
        case ARGON2_THREAD_FAIL:
            fail(Exit::internal, "internal", "Argon2id verification could not run: {}",
                 argon2_error_message(status));
        default:
            fail(Exit::unavailable, "store-corrupt",
                 "a stored password hash could not be decoded: {} (altered or damaged store)",
                 argon2_error_message(status));
    }
}

bool needs_rehash(const std::string& phc, const Argon2Cost& cost) {
    const PhcFields stored = parse_stored(phc);
    return stored.memory_kib != cost.memory_kib || stored.time_cost != cost.time_cost ||
           stored.parallelism != cost.parallelism;
}

bool is_phc_argon2id(std::string_view phc) { return parse_phc(phc).has_value(); }

}  // namespace kunlun
