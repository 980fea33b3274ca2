#include "crypto/hkdf.h"

#include "crypto/encoding.h"
#include "support.h"
#include "error.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kunlun;
using test::counting;

TEST_CASE("HKDF-SHA256 matches RFC 5869 appendix A", "[crypto][hkdf]") {
    struct Case {
        const char* name;
        std::vector<unsigned char> ikm;
        std::vector<unsigned char> salt;
        std::vector<unsigned char> info;
        std::size_t length;
        std::string okm;
    };
    const std::vector<Case> cases{
        {"A.1 basic", std::vector<unsigned char>(22, 0x0b), counting(0x00, 13), counting(0xf0, 10),
         42,
         "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
        {"A.2 longer inputs and outputs", counting(0x00, 80), counting(0x60, 80),
         counting(0xb0, 80), 82,
         "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
         "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
         "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
        {"A.3 zero-length salt and info",
         std::vector<unsigned char>(22, 0x0b),
         {},
         {},
         42,
         "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
    };
    for (const Case& c : cases) {
        INFO("RFC 5869 " << c.name);
        CHECK(to_hex(hkdf_sha256(c.ikm, c.salt, c.info, c.length)) == c.okm);
    }
}

TEST_CASE("HKDF-SHA256 output is a prefix-stable stream", "[crypto][hkdf]") {
    // RFC 5869 §2.3: T(1) || T(2) || ..., so a shorter output is a prefix of a longer one.
    const std::vector<unsigned char> ikm(32, 0x42);
    const auto long_okm = hkdf_sha256(ikm, bytes_of("salt"), bytes_of("info"), 100);
    const auto short_okm = hkdf_sha256(ikm, bytes_of("salt"), bytes_of("info"), 32);
    CHECK(std::vector<unsigned char>(long_okm.begin(), long_okm.begin() + 32) == short_okm);
    CHECK(hkdf_sha256(ikm, bytes_of("salt"), bytes_of("other"), 32) != short_okm);
}

TEST_CASE("HKDF-SHA256 length limits", "[crypto][hkdf]") {
    const std::vector<unsigned char> ikm(32, 0x01);
    constexpr std::size_t longest = std::size_t{255} * 32;  // RFC 5869 §2.3: 255 * HashLen
    CHECK(hkdf_sha256(ikm, {}, {}, 1).size() == 1);
    CHECK(hkdf_sha256(ikm, {}, {}, longest).size() == longest);
    for (std::size_t bad : {std::size_t{0}, longest + 1}) {
        INFO("length " << bad);
        try {
            static_cast<void>(hkdf_sha256(ikm, {}, {}, bad));
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.exit() == Exit::internal);
            CHECK(e.slug() == "internal");
        }
    }
}
