#include "crypto/one_time_password.h"

#include "crypto/encoding.h"
#include "error.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using namespace kunlun;
using test::error_from;

namespace {

// RFC 4226 Appendix D and RFC 6238 Appendix B: the ASCII digits repeated to the length of
// each hash's output (20, 32 and 64 bytes).
const std::string seed_sha1 = "12345678901234567890";
const std::string seed_sha256 = "12345678901234567890123456789012";
const std::string seed_sha512 = "1234567890123456789012345678901234567890123456789012345678901234";

std::span<const unsigned char> key(const std::string& seed) { return bytes_of(seed); }

}  // namespace

TEST_CASE("HOTP matches RFC 4226 appendix D", "[crypto][otp-device]") {
    const std::vector<std::string> expected{"755224", "287082", "359152", "969429", "338314",
                                            "254676", "287922", "162583", "399871", "520489"};
    for (std::uint64_t counter = 0; counter < expected.size(); ++counter) {
        INFO("counter " << counter);
        CHECK(hotp(key(seed_sha1), counter, 6, OtpAlgorithm::sha1) == expected[counter]);
    }
}

TEST_CASE("TOTP matches RFC 6238 appendix B for SHA-1, SHA-256 and SHA-512", "[crypto][otp-device]") {
    struct Row {
        std::int64_t time;
        std::int64_t step;  // the table's T column
        const char* sha1;
        const char* sha256;
        const char* sha512;
    };
    const std::vector<Row> rows{
        {59, 0x1, "94287082", "46119246", "90693936"},
        {1111111109, 0x23523EC, "07081804", "68084774", "25091201"},
        {1111111111, 0x23523ED, "14050471", "67062674", "99943326"},
        {1234567890, 0x273EF07, "89005924", "91819424", "93441116"},
        {2000000000, 0x3F940AA, "69279037", "90698825", "38618901"},
        {20000000000, 0x27BC86AA, "65353130", "77737706", "47863826"},
    };
    for (const Row& r : rows) {
        INFO("time " << r.time);
        CHECK(totp_step(r.time, 30) == r.step);
        CHECK(totp(key(seed_sha1), r.time, 30, 8, OtpAlgorithm::sha1) == r.sha1);
        CHECK(totp(key(seed_sha256), r.time, 30, 8, OtpAlgorithm::sha256) == r.sha256);
        CHECK(totp(key(seed_sha512), r.time, 30, 8, OtpAlgorithm::sha512) == r.sha512);
    }
}

TEST_CASE("Codes are the low digits of one truncated value, zero-padded", "[crypto][otp-device]") {
    // RFC 4226 §5.3: the digits are Snum mod 10^Digit, so the 6-digit code is the tail of the
    // 8-digit one; RFC 6238 row 1111111109 for SHA-1 starts with a zero that must stay.
    CHECK(totp(key(seed_sha1), 1111111109, 30, 6, OtpAlgorithm::sha1) == "081804");
    CHECK(totp(key(seed_sha1), 1111111109, 30, 7, OtpAlgorithm::sha1) == "7081804");
    CHECK(totp(key(seed_sha1), 1111111109, 30, 8, OtpAlgorithm::sha1) == "07081804");
    // HOTP(counter) and TOTP at the start of step `counter` are the same function.
    CHECK(totp(key(seed_sha1), 3 * 30, 30, 6, OtpAlgorithm::sha1) == "969429");
    CHECK(totp(key(seed_sha1), 3 * 30 + 29, 30, 6, OtpAlgorithm::sha1) == "969429");
    CHECK(totp(key(seed_sha1), 4 * 30, 30, 6, OtpAlgorithm::sha1) == "338314");
}

TEST_CASE("OTP algorithm names parse in any case", "[crypto][otp-device]") {
    CHECK(parse_otp_algorithm("SHA1") == OtpAlgorithm::sha1);
    CHECK(parse_otp_algorithm("sha256") == OtpAlgorithm::sha256);
    CHECK(parse_otp_algorithm("Sha512") == OtpAlgorithm::sha512);
    for (auto alg : {OtpAlgorithm::sha1, OtpAlgorithm::sha256, OtpAlgorithm::sha512}) {
        CHECK(parse_otp_algorithm(otp_algorithm_name(alg)) == alg);
    }
    for (const char* bad : {"", "SHA-1", "MD5", "SHA384", "sha1 "}) {
        INFO("name '" << bad << "'");
        const Error e = error_from([&] { parse_otp_algorithm(bad); });
        CHECK(e.exit() == Exit::data);
        CHECK(e.slug() == "invalid-otp-device");
    }
}

TEST_CASE("Impossible device parameters are refused", "[crypto][otp-device]") {
    const auto check_refused = [](auto action) {
        const Error e = error_from(action);
        CHECK(e.exit() == Exit::data);
        CHECK(e.slug() == "invalid-otp-device");
    };
    check_refused([] { hotp(key(seed_sha1), 0, 5, OtpAlgorithm::sha1); });
    check_refused([] { hotp(key(seed_sha1), 0, 9, OtpAlgorithm::sha1); });
    // At least 80 bits of seed (the shortest seeds devices carry); 72 bits are refused, and
    // the fixture format's example seed (80 bits) works.
    check_refused([] { hotp(bytes_of("123456789"), 0, 6, OtpAlgorithm::sha1); });
    CHECK(hotp(bytes_of("1234567890"), 0, 6, OtpAlgorithm::sha1).size() == 6);
    CHECK(hotp(bytes_of("1234567890123456"), 0, 6, OtpAlgorithm::sha1).size() == 6);
    check_refused([] { totp(key(seed_sha1), 59, 0, 6, OtpAlgorithm::sha1); });
    check_refused([] { match_hotp(key(seed_sha1), "755224", 0, 3, 10, OtpAlgorithm::sha1); });
    // A device error is reported even when the typed code is malformed.
    check_refused([] { match_totp(key(seed_sha1), "x", 59, -30, 1, 6, OtpAlgorithm::sha1); });

    const Error before_epoch = error_from([] { totp(key(seed_sha1), -1, 30, 6, OtpAlgorithm::sha1); });
    CHECK(before_epoch.exit() == Exit::internal);
}

TEST_CASE("HOTP look-ahead window includes both ends", "[crypto][otp-device]") {
    const auto k = key(seed_sha1);
    // Appendix D: counter 3 is 969429, counter 5 is 254676.
    CHECK(match_hotp(k, "969429", 3, 0, 6, OtpAlgorithm::sha1) == std::optional<std::uint64_t>{3});
    CHECK(match_hotp(k, "969429", 0, 3, 6, OtpAlgorithm::sha1) == std::optional<std::uint64_t>{3});
    CHECK(match_hotp(k, "254676", 0, 5, 6, OtpAlgorithm::sha1) == std::optional<std::uint64_t>{5});
    // One past the look-ahead is refused.
    CHECK_FALSE(match_hotp(k, "254676", 0, 4, 6, OtpAlgorithm::sha1).has_value());
    // A code behind the counter was used already (or skipped): refused.
    CHECK_FALSE(match_hotp(k, "755224", 1, 9, 6, OtpAlgorithm::sha1).has_value());
    // Other algorithms use the same window.
    const std::string later = hotp(key(seed_sha256), 1007, 8, OtpAlgorithm::sha256);
    CHECK(match_hotp(key(seed_sha256), later, 1000, 7, 8, OtpAlgorithm::sha256) ==
          std::optional<std::uint64_t>{1007});
    CHECK_FALSE(match_hotp(key(seed_sha256), later, 1000, 6, 8, OtpAlgorithm::sha256).has_value());
}

TEST_CASE("HOTP window at the top of the counter space does not wrap", "[crypto][otp-device]") {
    const auto k = key(seed_sha1);
    constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
    const std::string at_top = hotp(k, top, 6, OtpAlgorithm::sha1);
    CHECK(match_hotp(k, at_top, top - 2, 10, 6, OtpAlgorithm::sha1) == std::optional<std::uint64_t>{top});
    // Counter 0 is not after the top: a wrapped window would accept it.
    CHECK_FALSE(match_hotp(k, "755224", top - 2, 10, 6, OtpAlgorithm::sha1).has_value());
}

TEST_CASE("Malformed codes match nothing", "[crypto][otp-device]") {
    const auto k = key(seed_sha1);
    for (const char* bad : {"", "75522", "7552240", " 755224", "755224 ", "75522a", "７55224", "-55224"}) {
        INFO("code '" << bad << "'");
        CHECK_FALSE(match_hotp(k, bad, 0, 10, 6, OtpAlgorithm::sha1).has_value());
        CHECK_FALSE(match_totp(k, bad, 0, 30, 1, 6, OtpAlgorithm::sha1).has_value());
        CHECK_FALSE(resync_hotp(k, bad, "287082", 0, 10, 6, OtpAlgorithm::sha1).has_value());
        CHECK_FALSE(resync_hotp(k, "755224", bad, 0, 10, 6, OtpAlgorithm::sha1).has_value());
    }
    // The 8-digit device's code is not accepted by a 6-digit one, nor its tail by an 8-digit one.
    CHECK_FALSE(match_totp(k, "94287082", 59, 30, 1, 6, OtpAlgorithm::sha1).has_value());
    CHECK_FALSE(match_totp(k, "287082", 59, 30, 1, 8, OtpAlgorithm::sha1).has_value());
    CHECK(match_totp(k, "94287082", 59, 30, 1, 8, OtpAlgorithm::sha1) == std::optional<std::int64_t>{1});
}

TEST_CASE("TOTP accepts one step of drift either side and refuses two", "[crypto][otp-device]") {
    const auto k = key(seed_sha512);
    constexpr std::int64_t now = 1234567890;  // step 0x273EF07
    constexpr std::int64_t step = now / 30;
    const auto code_at = [&](std::int64_t s) { return hotp(k, static_cast<std::uint64_t>(s), 8, OtpAlgorithm::sha512); };
    CHECK(code_at(step) == "93441116");  // RFC 6238 appendix B
    for (std::int64_t d : {-1, 0, 1}) {
        INFO("drift " << d);
        CHECK(match_totp(k, code_at(step + d), now, 30, 1, 8, OtpAlgorithm::sha512) ==
              std::optional<std::int64_t>{step + d});
    }
    for (std::int64_t d : {-2, 2}) {
        INFO("drift " << d);
        CHECK_FALSE(match_totp(k, code_at(step + d), now, 30, 1, 8, OtpAlgorithm::sha512).has_value());
        CHECK(match_totp(k, code_at(step + d), now, 30, 2, 8, OtpAlgorithm::sha512) ==
              std::optional<std::int64_t>{step + d});
    }
    // No drift allowed: only the current step.
    CHECK(match_totp(k, code_at(step), now, 30, 0, 8, OtpAlgorithm::sha512) == std::optional<std::int64_t>{step});
    CHECK_FALSE(match_totp(k, code_at(step + 1), now, 30, 0, 8, OtpAlgorithm::sha512).has_value());
}

TEST_CASE("TOTP window near the epoch starts at step 0", "[crypto][otp-device]") {
    const auto k = key(seed_sha1);
    // RFC 6238 row 59 s: step 1. Step 0 is one behind, and there is nothing before it.
    CHECK(match_totp(k, "94287082", 10, 30, 1, 8, OtpAlgorithm::sha1) == std::optional<std::int64_t>{1});
    CHECK(match_totp(k, hotp(k, 0, 8, OtpAlgorithm::sha1), 59, 30, 5, 8, OtpAlgorithm::sha1) ==
          std::optional<std::int64_t>{0});
}

TEST_CASE("HOTP resynchronisation finds two consecutive codes", "[crypto][otp-device]") {
    const auto k = key(seed_sha1);
    // Appendix D counters 7 and 8.
    CHECK(resync_hotp(k, "162583", "399871", 0, 100, 6, OtpAlgorithm::sha1) == std::optional<std::uint64_t>{7});
    // Far ahead of the stored counter, at the edge of the wide window.
    const std::string c1 = hotp(k, 600, 6, OtpAlgorithm::sha1);
    const std::string c2 = hotp(k, 601, 6, OtpAlgorithm::sha1);
    CHECK(resync_hotp(k, c1, c2, 100, 500, 6, OtpAlgorithm::sha1) == std::optional<std::uint64_t>{600});
    CHECK_FALSE(resync_hotp(k, c1, c2, 100, 499, 6, OtpAlgorithm::sha1).has_value());
    // Behind the stored counter: refused.
    CHECK_FALSE(resync_hotp(k, "162583", "399871", 8, 100, 6, OtpAlgorithm::sha1).has_value());
}

TEST_CASE("HOTP resynchronisation refuses codes that are not consecutive", "[crypto][otp-device]") {
    const auto k = key(seed_sha1);
    // Counters 7 and 9: each is a real code, but not a pair.
    CHECK_FALSE(resync_hotp(k, "162583", "520489", 0, 100, 6, OtpAlgorithm::sha1).has_value());
    // In the wrong order (8 then 7).
    CHECK_FALSE(resync_hotp(k, "399871", "162583", 0, 100, 6, OtpAlgorithm::sha1).has_value());
    // The same code twice.
    CHECK_FALSE(resync_hotp(k, "162583", "162583", 0, 100, 6, OtpAlgorithm::sha1).has_value());
}

TEST_CASE("A code under another seed or algorithm does not match", "[crypto][otp-device]") {
    const std::string other_seed = "abcdefghijklmnopqrst";
    const std::string code = hotp(key(seed_sha1), 2, 6, OtpAlgorithm::sha1);
    CHECK(match_hotp(key(seed_sha1), code, 0, 5, 6, OtpAlgorithm::sha1).has_value());
    // A false match across six counters is about 6 in a million; these inputs are fixed.
    CHECK_FALSE(match_hotp(bytes_of(other_seed), code, 0, 5, 6, OtpAlgorithm::sha1).has_value());
    CHECK_FALSE(match_hotp(key(seed_sha1), code, 0, 5, 6, OtpAlgorithm::sha256).has_value());
}
