// The e-password device (domain.md §1, §5): a hardware token that shows HOTP (RFC 4226) or
// TOTP (RFC 6238) codes from a seed the bank also holds. Pure computation: the flows keep the
// device's counter or last accepted time step and decide what a match means.
//
// Codes are secrets (domain.md §1): the functions here never put one in an error message,
// and the matchers compare in constant time so that the time taken does not reveal how many
// leading digits of a guess were right.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kunlun {

// The HMAC hash of a device. RFC 4226 defines SHA-1 only; RFC 6238 §1.2 adds SHA-256 and
// SHA-512, and tokens sold for TOTP offer all three.
enum class OtpAlgorithm { sha1, sha256, sha512 };

// "SHA1", "SHA256" or "SHA512" in any case (the names used on token enrolment sheets and in
// otpauth URIs); anything else: Error(Exit::data, "invalid-otp-device").
OtpAlgorithm parse_otp_algorithm(std::string_view name);
// The canonical upper-case name, the inverse of parse_otp_algorithm.
std::string_view otp_algorithm_name(OtpAlgorithm alg) noexcept;

// RFC 4226 §5.3 allows 6 to 8 digits (more would need more than the 31 bits truncated).
inline constexpr int otp_min_digits = 6;
inline constexpr int otp_max_digits = 8;
// RFC 4226 §4 R6 asks for at least 128 bits, but devices in the field (and the fixture
// format's own example, JBSWY3DPEHPK3PXP) carry 80-bit seeds, the minimum of RFC 4226's
// security analysis (§A.1). A shorter seed than that is refused as a bad device record.
inline constexpr std::size_t otp_min_key_bytes = 10;

// Device parameters that cannot be right (digits outside 6..8, a seed shorter than 10 bytes,
// a period that is not positive) come from a bad device record or fixture:
// Error(Exit::data, "invalid-otp-device"). The check runs before any code is computed.

// RFC 4226 §5: HOTP(K, C) = Truncate(HMAC(K, C)) mod 10^digits, zero-padded to `digits`.
std::string hotp(std::span<const unsigned char> key, std::uint64_t counter, int digits, OtpAlgorithm alg);

// The RFC 6238 §4 time step T = floor((unix_seconds - T0) / period) with T0 = 0. A time before
// the epoch has no step: Error(Exit::internal) (a clock that wrong is a bug, not input).
std::int64_t totp_step(std::int64_t unix_seconds, int period);

// RFC 6238 §4: TOTP = HOTP(K, T).
std::string totp(std::span<const unsigned char> key, std::int64_t unix_seconds, int period, int digits,
                 OtpAlgorithm alg);

// Each matcher computes one HMAC per candidate and always tries the whole window, so its
// cost (and time) is set by the window sizes the caller's policy chooses.

// The counter c in [next_counter, next_counter + look_ahead] (both ends included) with
// HOTP(c) == code, the lowest if several match; nothing otherwise. The device may have been
// pressed without the code being used (RFC 4226 §7.4), hence the window; the caller stores
// c + 1 as the next counter so that the code can never be used again. A code that is not
// exactly `digits` decimal digits matches nothing.
std::optional<std::uint64_t> match_hotp(std::span<const unsigned char> key, std::string_view code,
                                        std::uint64_t next_counter, std::uint64_t look_ahead, int digits,
                                        OtpAlgorithm alg);

// The time step T within steps_either_side of the step of `unix_seconds` (RFC 6238 §5.2: the
// device's clock drifts and codes take time to type) with TOTP(T) == code, or nothing. When
// several match, the one nearest the current step wins (earlier first on a tie). The caller
// refuses a T at or before the last step it accepted: a replay (RFC 6238 §5.2).
std::optional<std::int64_t> match_totp(std::span<const unsigned char> key, std::string_view code,
                                        std::int64_t unix_seconds, int period, unsigned steps_either_side,
                                        int digits, OtpAlgorithm alg);

// Resynchronisation (RFC 4226 §7.4, E.4): the counter c in [next_counter,
// next_counter + wide_window] with code1 == HOTP(c) and code2 == HOTP(c + 1), the lowest if
// several; nothing otherwise. Two consecutive codes make a false match over a wide window
// about 10^digits times less likely than one code would. The caller stores c + 2.
std::optional<std::uint64_t> resync_hotp(std::span<const unsigned char> key, std::string_view code1,
                                         std::string_view code2, std::uint64_t next_counter,
                                         std::uint64_t wide_window, int digits, OtpAlgorithm alg);

}  // namespace kunlun
