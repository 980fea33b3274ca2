#include "crypto/secret.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

namespace kunlun {
namespace {

// Overwrites every byte the string owns, including the unused capacity where an earlier,
// longer value or a short-string copy may linger. resize() first makes the whole capacity
// part of the string, so the cleanse stays inside what the string lets us write.
void wipe_string(std::string& value) noexcept {
    value.resize(value.capacity());
    OPENSSL_cleanse(value.data(), value.size());
    value.clear();
}

}  // namespace

Secret::Secret(std::string&& value) noexcept : value_(std::move(value)) { wipe_string(value); }

Secret Secret::copy_of(std::string_view value) { return Secret(std::string(value)); }

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        wipe();
        value_ = std::move(other.value_);
        other.wipe();
    }
    return *this;
}

Secret::~Secret() { wipe(); }

void Secret::wipe() noexcept { wipe_string(value_); }

bool secrets_equal(const Secret& a, const Secret& b) noexcept {
    const std::string& x = a.reveal();
    const std::string& y = b.reveal();
    return x.size() == y.size() && CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

SecretKey::SecretKey(std::span<const unsigned char, size> bytes) noexcept {
    std::copy(bytes.begin(), bytes.end(), bytes_.begin());
}

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) {
    OPENSSL_cleanse(other.bytes_.data(), other.bytes_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
    if (this != &other) {
        bytes_ = other.bytes_;
        OPENSSL_cleanse(other.bytes_.data(), other.bytes_.size());
    }
    return *this;
}

SecretKey::~SecretKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

}  // namespace kunlun
