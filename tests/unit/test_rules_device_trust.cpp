// Whether a device may be trusted with a reserved-phone change (domain.md §4): dotted app
// versions compared numerically, and the first failing attestation item named.
#include "rules/device_trust.h"

#include <catch2/catch.hpp>

#include <string>

using namespace kunlun;
using Catch::Matchers::Contains;

TEST_CASE("versions compare part by part, numerically", "[rules][device_trust]") {
    CHECK(version_at_least("6.0.0", "6.0.0"));
    CHECK(version_at_least("6.0.1", "6.0.0"));
    CHECK(version_at_least("6.2.5", "6.0.0"));
    CHECK(version_at_least("7.0.0", "6.9.9"));
    CHECK_FALSE(version_at_least("5.9.9", "6.0.0"));
    CHECK_FALSE(version_at_least("5.99.99", "6.0.0"));
    // Numbers, not text: 10 > 9 although "1" < "9".
    CHECK(version_at_least("6.10.0", "6.0.0"));
    CHECK(version_at_least("6.10.0", "6.9.0"));
    CHECK_FALSE(version_at_least("6.9.0", "6.10.0"));
    CHECK(version_at_least("10.0", "9.9.9"));
    // Leading zeros do not change a number.
    CHECK(version_at_least("06.01", "6.1.0"));
    CHECK_FALSE(version_at_least("6.09", "6.10"));
}

TEST_CASE("a missing part counts as 0", "[rules][device_trust]") {
    CHECK(version_at_least("6", "6.0.0"));
    CHECK(version_at_least("6.0", "6.0.0"));
    CHECK(version_at_least("6.0.0", "6"));
    CHECK(version_at_least("6.0.0.1", "6.0.0"));
    CHECK_FALSE(version_at_least("6.0", "6.0.1"));
    CHECK_FALSE(version_at_least("6", "6.0.0.1"));
}

TEST_CASE("a version that is not dot-separated digits is below every valid one", "[rules][device_trust]") {
    for (const char* bad : {"", "6..0", "6.0.", ".6.0", "v6.2.5", "6.2.5-beta", " 6.2.5", "6.2.5 ", "6,2,5", "+6.2.5",
                            "-6.2.5", "6.-0.0", "-0", "6.x", "99999999999999999999999.0", "６.２.５"}) {
        INFO("version '" << bad << "'");
        CHECK_FALSE(version_at_least(bad, "0"));
        CHECK_FALSE(version_at_least(bad, "6.0.0"));
    }
}

TEST_CASE("a minimum that is not a version trusts nothing", "[rules][device_trust]") {
    // A mistyped policy.phone_change.min_app_version must not switch the check off.
    CHECK_FALSE(is_app_version("6.0.0-rc1"));
    CHECK_FALSE(is_app_version(""));
    CHECK(is_app_version("6.0.0"));
    CHECK(is_app_version("6"));
    for (const char* bad : {"", "v6", "6.0.0-rc1", "six"}) {
        INFO("minimum '" << bad << "'");
        CHECK_FALSE(version_at_least("6.2.5", bad));
        CHECK_FALSE(version_at_least("999.0.0", bad));
        auto problem = device_trust_problem({true, "6.2.5", false}, bad);
        REQUIRE(problem);
        CHECK_THAT(*problem, Contains("minimum"));
    }
}

TEST_CASE("a trusted device: encrypted, recent enough, not rooted", "[rules][device_trust]") {
    CHECK_FALSE(device_trust_problem({true, "6.2.5", false}, "6.0.0"));
    CHECK_FALSE(device_trust_problem({true, "6.0.0", false}, "6.0.0"));
    CHECK_FALSE(device_trust_problem({true, "6.10.0", false}, "6.0.0"));
    CHECK_FALSE(device_trust_problem({true, "6.0.0", false}, "6"));
}

TEST_CASE("each failing item is named, the first in the rulebook's order", "[rules][device_trust]") {
    auto plain = device_trust_problem({false, "6.2.5", false}, "6.0.0");
    REQUIRE(plain);
    CHECK_THAT(*plain, Contains("encryption"));

    auto old = device_trust_problem({true, "5.9.9", false}, "6.0.0");
    REQUIRE(old);
    CHECK_THAT(*old, Contains("5.9.9"));
    CHECK_THAT(*old, Contains("6.0.0"));

    auto unknown = device_trust_problem({true, "", false}, "6.0.0");
    REQUIRE(unknown);
    CHECK_THAT(*unknown, Contains("unknown"));

    auto rooted = device_trust_problem({true, "6.2.5", true}, "6.0.0");
    REQUIRE(rooted);
    CHECK_THAT(*rooted, Contains("rooted"));

    // Everything wrong: storage encryption comes first, then the version, then root.
    auto all = device_trust_problem({false, "5.0", true}, "6.0.0");
    REQUIRE(all);
    CHECK_THAT(*all, Contains("encryption"));
    auto version_and_root = device_trust_problem({true, "5.0", true}, "6.0.0");
    REQUIRE(version_and_root);
    CHECK_THAT(*version_and_root, Contains("5.0"));
}

TEST_CASE("the configured minimum is honoured", "[rules][device_trust]") {
    CHECK(device_trust_problem({true, "6.2.5", false}, "6.3"));
    CHECK_FALSE(device_trust_problem({true, "6.3", false}, "6.3"));
    CHECK(device_trust_problem({true, "6.2.5", false}, "6.10.1"));
    CHECK_FALSE(device_trust_problem({true, "6.10.1", false}, "6.10.1"));
}
