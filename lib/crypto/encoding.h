// Text forms of bytes: hex (digests, key ids), base64 (encrypted fields and salts in text
// formats) and base32 (OTP device seeds, RFC 4648, as printed on token enrolment sheets).
// Decoders throw Error(Exit::data, ...) and never echo the input: it may be key material.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kunlun {

// The bytes of a text, for APIs that take bytes (hash a string, use a label as HKDF info).
inline std::span<const unsigned char> bytes_of(std::string_view text) noexcept {
    return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

// Lower-case hex. from_hex accepts either case; "invalid-hex" on odd length or a non-hex digit.
std::string to_hex(std::span<const unsigned char> bytes);
std::vector<unsigned char> from_hex(std::string_view hex);

// RFC 4648 §4: standard alphabet, '=' padding. The decoder skips whitespace (wrapped lines)
// and refuses, as "invalid-base64", a bad character, bad padding or non-zero spare bits, so
// every byte string has exactly one accepted encoding.
std::string base64_encode(std::span<const unsigned char> bytes);
std::vector<unsigned char> base64_decode(std::string_view text);

// RFC 4648 §6: upper-case alphabet A-Z 2-7 with '=' padding. The decoder takes either case,
// padding or none, and skips whitespace, since seeds are typed in groups ("JBSW Y3DP ...");
// "invalid-base32" on anything else.
std::string base32_encode(std::span<const unsigned char> bytes);
std::vector<unsigned char> base32_decode(std::string_view text);

}  // namespace kunlun
