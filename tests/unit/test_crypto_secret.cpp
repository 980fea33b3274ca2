#include "crypto/secret.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <type_traits>
#include <utility>

using kunlun::Secret;
using kunlun::SecretKey;

// A secret is handed on, never duplicated: copies would outlive the wipe.
static_assert(!std::is_copy_constructible_v<Secret>);
static_assert(!std::is_copy_assignable_v<Secret>);
static_assert(std::is_nothrow_move_constructible_v<Secret>);
static_assert(std::is_nothrow_move_assignable_v<Secret>);
static_assert(!std::is_copy_constructible_v<SecretKey>);
static_assert(std::is_nothrow_move_constructible_v<SecretKey>);
// No implicit way from text to a secret: construction is always visible at the call site.
static_assert(!std::is_convertible_v<std::string, Secret>);
static_assert(!std::is_constructible_v<Secret, const std::string&>);

TEST_CASE("a secret reveals exactly what it was given", "[crypto][secret]") {
    const Secret empty;
    CHECK(empty.empty());
    CHECK(empty.size() == 0);

    std::string typed = "Kunlun2026!";
    const Secret secret{std::move(typed)};
    CHECK(secret.reveal() == "Kunlun2026!");
    CHECK(secret.size() == 11);
    CHECK_FALSE(secret.empty());
    CHECK(typed.empty());  // NOLINT: the caller gave up its characters

    CHECK(Secret::copy_of("123456").reveal() == "123456");
}

TEST_CASE("a long secret moves its buffer and empties the source", "[crypto][secret]") {
    std::string typed(100, 'p');  // too long for the short-string buffer
    Secret first{std::move(typed)};
    Secret second{std::move(first)};
    CHECK(second.reveal() == std::string(100, 'p'));
    CHECK(first.empty());  // NOLINT: reading the moved-from side is the test

    Secret third = Secret::copy_of("short");
    third = std::move(second);
    CHECK(third.reveal() == std::string(100, 'p'));
    CHECK(second.empty());  // NOLINT: moved-from on purpose
}

TEST_CASE("moving a short secret leaves the source empty", "[crypto][secret]") {
    Secret first = Secret::copy_of("0420");
    Secret second = std::move(first);
    CHECK(second.reveal() == "0420");
    CHECK(first.empty());  // NOLINT: moved-from on purpose
    CHECK(first.reveal().empty());
}

TEST_CASE("secrets_equal compares whole values", "[crypto][secret]") {
    struct Row {
        const char* a;
        const char* b;
        bool equal;
    };
    const std::array rows{
        Row{"Kunlun2026!", "Kunlun2026!", true},
        Row{"Kunlun2026!", "Kunlun2026?", false},  // last character differs
        Row{"Kunlun2026!", "kunlun2026!", false},  // first character differs
        Row{"123456", "1234567", false},           // prefix
        Row{"1234567", "123456", false},
        Row{"", "", true},
        Row{"", "0", false},
    };
    for (const Row& row : rows) {
        INFO(row.a << " vs " << row.b);
        CHECK(kunlun::secrets_equal(Secret::copy_of(row.a), Secret::copy_of(row.b)) == row.equal);
    }
}

TEST_CASE("a moved-from key holds only zeros", "[crypto][secret]") {
    std::array<unsigned char, 32> bytes{};
    bytes.fill(0xa5);
    SecretKey key{bytes};
    CHECK(std::equal(key.reveal().begin(), key.reveal().end(), bytes.begin()));

    SecretKey moved{std::move(key)};
    CHECK(std::equal(moved.reveal().begin(), moved.reveal().end(), bytes.begin()));
    // NOLINTNEXTLINE: reading the moved-from side is the test
    CHECK(std::all_of(key.reveal().begin(), key.reveal().end(),
                      [](unsigned char b) { return b == 0; }));
}
