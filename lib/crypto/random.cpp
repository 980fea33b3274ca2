#include "crypto/random.h"

#include "error.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <array>
#include <climits>

namespace kunlun {

void random_bytes(std::span<unsigned char> out) {
    // RAND_bytes takes an int length: feed large requests in slices.
    constexpr std::size_t slice = INT_MAX;
    while (!out.empty()) {
        const std::size_t n = out.size() < slice ? out.size() : slice;
        if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
            const unsigned long code = ERR_get_error();
            ERR_clear_error();
            fail(Exit::internal, "internal",
                 "the system random generator failed (OpenSSL error {:#x})", code);
        }
        out = out.subspan(n);
    }
}

std::vector<unsigned char> random_bytes(std::size_t n) {
    std::vector<unsigned char> bytes(n);
    random_bytes(bytes);
    return bytes;
}

std::uint64_t random_below(std::uint64_t bound) {
    if (bound == 0) {
        fail(Exit::internal, "internal", "random_below called with an empty range");
    }
    // 2^64 mod bound: drawing below this many values would over-represent the low results.
    const std::uint64_t reject_below = (std::uint64_t{0} - bound) % bound;
    for (;;) {
        std::array<unsigned char, 8> raw{};
        random_bytes(raw);
        std::uint64_t value = 0;
        for (unsigned char b : raw) {
            value = (value << 8) | b;
        }
        if (value >= reject_below) {
            return value % bound;
        }
    }
}

std::string random_digits(std::size_t n) {
    std::string digits;
    digits.reserve(n);
    // One byte per digit: 250 is the largest multiple of 10 below 256, so bytes 250-255 are
    // dropped and each digit keeps probability exactly 1/10.
    constexpr unsigned char limit = 250;
    std::array<unsigned char, 64> pool{};
    while (digits.size() < n) {
        random_bytes(pool);
        for (unsigned char b : pool) {
            if (b < limit && digits.size() < n) {
                digits.push_back(static_cast<char>('0' + b % 10));
            }
        }
    }
    // The pool held the code's digits in another form: do not leave them on the stack.
    OPENSSL_cleanse(pool.data(), pool.size());
    return digits;
}

}  // namespace kunlun
