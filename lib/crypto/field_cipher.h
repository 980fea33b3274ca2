// Encryption at rest of the sensitive columns (ID numbers, phone numbers, OTP seeds; domain.md
// §1) and the blind index that finds them without decrypting.
//
// Sealed layout: nonce (12 random bytes) || ciphertext || GCM tag (16 bytes). The associated
// data binds a value to where it is stored (e.g. "customer/C000123/phone"), so a ciphertext
// copied into another row or column fails authentication instead of decrypting there.
#pragma once

#include "crypto/secret.h"

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kunlun {

inline constexpr std::size_t gcm_nonce_size = 12;  // the 96-bit IV GCM is designed for
inline constexpr std::size_t gcm_tag_size = 16;    // full-length tag

class FieldCipher {
public:
    explicit FieldCipher(std::span<const unsigned char, SecretKey::size> key) noexcept;

    // A fresh random nonce each call: under one key 2^32 seals keep the chance of a repeated
    // nonce below 2^-32 (NIST SP 800-38D §8.3), far beyond what one bank's store holds.
    [[nodiscard]] std::vector<unsigned char> seal(std::string_view plaintext,
                                                  std::string_view associated_data) const;

    // Throws Error(Exit::unavailable, "store-corrupt") when the value is too short or fails
    // authentication: the key file is wrong or the store was altered.
    [[nodiscard]] std::string open(std::span<const unsigned char> sealed,
                                   std::string_view associated_data) const;

    ~FieldCipher();
    FieldCipher(const FieldCipher&) = delete;
    FieldCipher& operator=(const FieldCipher&) = delete;

private:
    SecretKey key_;
    // Cipher contexts keyed once and reused for every field (a context per field expanded the
    // key again each time); guarded, so one FieldCipher may be shared across threads.
    struct Keyed;
    mutable std::mutex mutex_;
    mutable std::unique_ptr<Keyed> keyed_;
    Keyed& keyed() const;
};

// AES-256-GCM with a caller-chosen nonce, giving the same layout as FieldCipher::seal. Only
// for checking against published test vectors: a nonce used twice under one key reveals the
// XOR of the plaintexts and lets an attacker forge tags.
[[nodiscard]] std::vector<unsigned char> aes256gcm_seal_with_nonce(
    std::span<const unsigned char, SecretKey::size> key,
    std::span<const unsigned char, gcm_nonce_size> nonce, std::span<const unsigned char> plaintext,
    std::span<const unsigned char> associated_data);

// A keyed hash of a sensitive value so that equal values can be looked up (a customer by ID
// number, a duplicate phone) without decrypting or storing the value. Keyed, because an
// unkeyed hash of an 11-digit phone number is reversed by trying them all.
class BlindIndex {
public:
    explicit BlindIndex(std::span<const unsigned char, SecretKey::size> key) noexcept;

    // HMAC-SHA256(key, column || 0x00 || canonical_value). The column name separates domains:
    // the same digits as a phone and as an account give unrelated indexes. The value must be
    // in its one canonical form (E.164 phone, upper-case ID) or equal values will not match.
    [[nodiscard]] std::array<unsigned char, 32> of(std::string_view column,
                                                   std::string_view canonical_value) const;

private:
    SecretKey key_;
};

}  // namespace kunlun
