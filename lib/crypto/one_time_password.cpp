#include "crypto/one_time_password.h"

#include "crypto/openssl_handles.h"
#include "error.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

namespace kunlun {

using namespace crypto_detail;

namespace {

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

void check_device(std::span<const unsigned char> key, int digits) {
    if (digits < otp_min_digits || digits > otp_max_digits) {
        fail(Exit::data, "invalid-otp-device", "an OTP device shows {} to {} digits, not {}", otp_min_digits,
             otp_max_digits, digits);
    }
    // Only the length is named: the seed itself is key material.
    if (key.size() < otp_min_key_bytes) {
        fail(Exit::data, "invalid-otp-device",
             "an OTP device seed must be at least {} bytes; this one has {}", otp_min_key_bytes,
             key.size());
    }
}

void check_period(int period) {
    if (period <= 0) {
        fail(Exit::data, "invalid-otp-device", "a TOTP period must be a positive number of seconds, not {}",
             period);
    }
}

// One code, kept in a fixed buffer that is wiped when it goes: candidate codes are as secret
// as the code the customer typed.
struct Code {
    std::array<char, otp_max_digits> chars{};
    int digits = 0;

    Code() = default;
    Code(const Code&) = delete;
    Code& operator=(const Code&) = delete;
    ~Code() { OPENSSL_cleanse(chars.data(), chars.size()); }

    [[nodiscard]] std::string_view view() const { return {chars.data(), static_cast<std::size_t>(digits)}; }
};

// HMAC under one device's seed, keyed once and re-initialised per counter: a window of
// candidates then costs one key schedule, not one per counter.
class OtpHmac {
public:
    OtpHmac(std::span<const unsigned char> key, OtpAlgorithm alg)
        : ctx_(checked(EVP_MAC_CTX_new(hmac_mac()), "creating an HMAC context")) {
        // OSSL_PARAM wants a mutable string for an input it only reads.
        char* digest = const_cast<char*>(otp_algorithm_name(alg).data());
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_end(),
        };
        check(EVP_MAC_init(ctx_.get(), key.data(), key.size(), params), "HMAC init for an OTP");
    }

    // RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation to 31 bits,
    // then the low `digits` decimal digits, zero-padded.
    void code(std::uint64_t counter, int digits, Code& out) {
        std::array<unsigned char, 8> message{};
        for (std::size_t i = 0; i < message.size(); ++i) {
            message[message.size() - 1 - i] = static_cast<unsigned char>(counter >> (8 * i));
        }
        // A null key re-initialises with the key already set.
        check(EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr), "HMAC re-init for an OTP");
        check(EVP_MAC_update(ctx_.get(), message.data(), message.size()), "HMAC update for an OTP");
        std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
        std::size_t size = 0;
        check(EVP_MAC_final(ctx_.get(), mac.data(), &size, mac.size()), "HMAC final for an OTP");

        const std::size_t offset = mac[size - 1] & 0x0fU;  // at most 15: inside even a SHA-1 MAC
        std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7fU) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
        OPENSSL_cleanse(mac.data(), mac.size());

        out.digits = digits;
        for (int i = digits - 1; i >= 0; --i) {
            out.chars[static_cast<std::size_t>(i)] = static_cast<char>('0' + binary % 10);
            binary /= 10;
        }
    }

private:
    MacCtxPtr ctx_;
};

// What the customer typed can only be one of the device's codes if it has its shape. Telling
// them apart early reveals only the shape of the input, which the customer already knows.
bool well_formed(std::string_view code, int digits) {
    return code.size() == static_cast<std::size_t>(digits) &&
           std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Constant time in where the strings differ; both are `digits` long here.
bool same(const Code& candidate, std::string_view code) {
    return CRYPTO_memcmp(candidate.chars.data(), code.data(), code.size()) == 0;
}

// The last counter of a window, stopping at the top of the counter space instead of wrapping.
std::uint64_t window_end(std::uint64_t first, std::uint64_t width, std::uint64_t top) {
    return width > top - first ? top : first + width;
}

}  // namespace

OtpAlgorithm parse_otp_algorithm(std::string_view name) {
    const std::string canonical = upper(name);
    if (canonical == "SHA1") return OtpAlgorithm::sha1;
    if (canonical == "SHA256") return OtpAlgorithm::sha256;
    if (canonical == "SHA512") return OtpAlgorithm::sha512;
    fail(Exit::data, "invalid-otp-device", "OTP algorithm '{}' is not one of SHA1, SHA256, SHA512", name);
}

std::string_view otp_algorithm_name(OtpAlgorithm alg) noexcept {
    switch (alg) {
        case OtpAlgorithm::sha1: return "SHA1";
        case OtpAlgorithm::sha256: return "SHA256";
        case OtpAlgorithm::sha512: return "SHA512";
    }
    return "SHA1";  // unreachable: every enumerator is handled above
}

std::string hotp(std::span<const unsigned char> key, std::uint64_t counter, int digits, OtpAlgorithm alg) {
    check_device(key, digits);
    OtpHmac hmac(key, alg);
    Code code;
    hmac.code(counter, digits, code);
    return std::string(code.view());
}

std::int64_t totp_step(std::int64_t unix_seconds, int period) {
    check_period(period);
    if (unix_seconds < 0) {
        fail(Exit::internal, "internal", "a TOTP code was asked for a time before 1970");
    }
    return unix_seconds / period;
}

std::string totp(std::span<const unsigned char> key, std::int64_t unix_seconds, int period, int digits,
                 OtpAlgorithm alg) {
    const std::int64_t step = totp_step(unix_seconds, period);
    return hotp(key, static_cast<std::uint64_t>(step), digits, alg);
}

std::optional<std::uint64_t> match_hotp(std::span<const unsigned char> key, std::string_view code,
                                        std::uint64_t next_counter, std::uint64_t look_ahead, int digits,
                                        OtpAlgorithm alg) {
    check_device(key, digits);
    if (!well_formed(code, digits)) return std::nullopt;
    const std::uint64_t last = window_end(next_counter, look_ahead, std::numeric_limits<std::uint64_t>::max());
    OtpHmac hmac(key, alg);
    Code candidate;
    std::optional<std::uint64_t> found;
    // The whole window is always tried, so the time taken does not tell where a code matched.
    for (std::uint64_t counter = next_counter;; ++counter) {
        hmac.code(counter, digits, candidate);
        if (same(candidate, code) && !found) found = counter;
        if (counter == last) break;
    }
    return found;
}

std::optional<std::int64_t> match_totp(std::span<const unsigned char> key, std::string_view code,
                                       std::int64_t unix_seconds, int period, unsigned steps_either_side,
                                       int digits, OtpAlgorithm alg) {
    check_device(key, digits);
    const std::int64_t now = totp_step(unix_seconds, period);
    if (!well_formed(code, digits)) return std::nullopt;
    const auto spread = static_cast<std::int64_t>(steps_either_side);
    const std::int64_t first = std::max<std::int64_t>(0, now - spread);  // no step before the epoch
    const std::int64_t last = static_cast<std::int64_t>(
        window_end(static_cast<std::uint64_t>(now), static_cast<std::uint64_t>(spread),
                   static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
    const auto distance = [now](std::int64_t step) { return step < now ? now - step : step - now; };
    OtpHmac hmac(key, alg);
    Code candidate;
    std::optional<std::int64_t> found;
    for (std::int64_t step = first;; ++step) {
        hmac.code(static_cast<std::uint64_t>(step), digits, candidate);
        // Ascending order, so on equal distance the earlier step is already kept.
        if (same(candidate, code) && (!found || distance(step) < distance(*found))) found = step;
        if (step == last) break;
    }
    return found;
}

std::optional<std::uint64_t> resync_hotp(std::span<const unsigned char> key, std::string_view code1,
                                         std::string_view code2, std::uint64_t next_counter,
                                         std::uint64_t wide_window, int digits, OtpAlgorithm alg) {
    check_device(key, digits);
    if (!well_formed(code1, digits) || !well_formed(code2, digits)) return std::nullopt;
    // c + 1 must exist as well.
    const std::uint64_t top = std::numeric_limits<std::uint64_t>::max() - 1;
    if (next_counter > top) return std::nullopt;
    const std::uint64_t last = window_end(next_counter, wide_window, top);
    OtpHmac hmac(key, alg);
    Code current;
    Code following;
    std::optional<std::uint64_t> found;
    hmac.code(next_counter, digits, following);
    for (std::uint64_t counter = next_counter;; ++counter) {
        // Slide the pair along: each counter's code is computed once.
        current.chars = following.chars;
        current.digits = following.digits;
        hmac.code(counter + 1, digits, following);
        const bool first_matches = same(current, code1);
        const bool second_matches = same(following, code2);
        if (first_matches && second_matches && !found) found = counter;
        if (counter == last) break;
    }
    return found;
}

}  // namespace kunlun
