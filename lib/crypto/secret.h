// Secrets in memory: passwords, PINs, one-time codes and key bytes. The rulebook (domain.md
// §1) says a secret never appears in output, logs, the audit log or argv, so the types here
// cannot be printed, cannot be copied by accident, and overwrite their bytes when they die.
#pragma once

#include <fmt/core.h>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace kunlun {

// A password, PIN or one-time code as the customer typed it.
class Secret {
public:
    Secret() = default;
    // Takes the string's buffer and wipes whatever the moved-from string still holds (a
    // short string keeps its characters in the object itself, not on the heap).
    explicit Secret(std::string&& value) noexcept;
    // For values that arrive as text elsewhere (a fixture file, a test): the caller's copy
    // stays the caller's to clear.
    static Secret copy_of(std::string_view value);

    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;
    ~Secret();

    // The only way to the characters, named so that every use stands out in review.
    [[nodiscard]] const std::string& reveal() const noexcept { return value_; }
    [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return value_.size(); }

private:
    void wipe() noexcept;

    std::string value_;
};

// Compares two secrets without an early exit on the first differing byte, so the time taken
// does not tell an attacker how much of a guess was right. Lengths are compared openly.
[[nodiscard]] bool secrets_equal(const Secret& a, const Secret& b) noexcept;

// 32 bytes of key material (AES-256, HMAC-SHA256 and HKDF keys), wiped on destruction.
class SecretKey {
public:
    static constexpr std::size_t size = 32;

    explicit SecretKey(std::span<const unsigned char, size> bytes) noexcept;
    SecretKey(const SecretKey&) = delete;
    SecretKey& operator=(const SecretKey&) = delete;
    SecretKey(SecretKey&& other) noexcept;
    SecretKey& operator=(SecretKey&& other) noexcept;
    ~SecretKey();

    [[nodiscard]] std::span<const unsigned char, size> reveal() const noexcept { return bytes_; }

private:
    std::array<unsigned char, size> bytes_{};
};

}  // namespace kunlun

// Formatting a secret is always a mistake: fail the build with a message that says so, rather
// than leave room for someone to add a formatter later. (A partial specialisation, so the
// assertion fires only where a Secret is actually formatted.)
template <typename Char>
struct fmt::formatter<kunlun::Secret, Char> {
    static_assert(sizeof(Char) == 0,
                  "kunlun::Secret must never be formatted: it would end up in output or logs");
};

template <typename Char>
struct fmt::formatter<kunlun::SecretKey, Char> {
    static_assert(sizeof(Char) == 0,
                  "kunlun::SecretKey must never be formatted: it would end up in output or logs");
};
