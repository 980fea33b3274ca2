#include "crypto/random.h"

#include "error.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <set>

using namespace kunlun;

TEST_CASE("random_bytes gives the requested length", "[crypto][random]") {
    CHECK(random_bytes(0).empty());
    CHECK(random_bytes(1).size() == 1);
    const auto a = random_bytes(32);
    const auto b = random_bytes(32);
    CHECK(a.size() == 32);
    CHECK(a != b);  // equal by chance with probability 2^-256
    std::array<unsigned char, 16> buffer{};
    random_bytes(buffer);
    CHECK(std::any_of(buffer.begin(), buffer.end(), [](unsigned char x) { return x != 0; }));
}

TEST_CASE("random_digits gives n decimal digits", "[crypto][random]") {
    for (std::size_t n : {0U, 1U, 6U, 8U, 63U, 64U, 65U, 1000U}) {
        const std::string digits = random_digits(n);
        INFO("n = " << n);
        CHECK(digits.size() == n);
        CHECK(
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }));
    }
}

TEST_CASE("random_digits is uniform over 0-9", "[crypto][random]") {
    // 100,000 digits: each count is 10,000 with a standard deviation of about 95, so a bound
    // of 600 fails a fair generator with negligible probability but catches a bias of a few %.
    const std::string digits = random_digits(100000);
    std::array<int, 10> counts{};
    for (char c : digits) ++counts[static_cast<std::size_t>(c - '0')];
    for (std::size_t d = 0; d < counts.size(); ++d) {
        INFO("digit " << d);
        CHECK(counts[d] > 9400);
        CHECK(counts[d] < 10600);
    }
}

TEST_CASE("random_below stays below its bound", "[crypto][random]") {
    const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    for (std::uint64_t bound :
         {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{10},
          std::uint64_t{1000000}, (std::uint64_t{1} << 63) + 1, max}) {
        INFO("bound = " << bound);
        for (int i = 0; i < 200; ++i) {
            CHECK(random_below(bound) < bound);
        }
    }
    CHECK(random_below(1) == 0);

    std::set<std::uint64_t> seen;
    for (int i = 0; i < 300; ++i) seen.insert(random_below(3));
    CHECK(seen == std::set<std::uint64_t>{0, 1, 2});
}

TEST_CASE("random_below refuses an empty range", "[crypto][random]") {
    try {
        static_cast<void>(random_below(0));
        FAIL("no error for bound 0");
    } catch (const Error& e) {
        CHECK(e.exit() == Exit::internal);
        CHECK(e.slug() == "internal");
    }
}
