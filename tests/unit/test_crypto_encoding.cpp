#include "crypto/encoding.h"

#include "error.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <string_view>
#include <vector>

using namespace kunlun;
using test::error_from;

using test::text_of;

namespace {

struct Vector {
    std::string_view data;
    std::string_view encoded;
};

// RFC 4648 §10, "Test Vectors".
constexpr std::array rfc4648_base64{
    Vector{"", ""},
    Vector{"f", "Zg=="},
    Vector{"fo", "Zm8="},
    Vector{"foo", "Zm9v"},
    Vector{"foob", "Zm9vYg=="},
    Vector{"fooba", "Zm9vYmE="},
    Vector{"foobar", "Zm9vYmFy"},
};
constexpr std::array rfc4648_base32{
    Vector{"", ""},
    Vector{"f", "MY======"},
    Vector{"fo", "MZXQ===="},
    Vector{"foo", "MZXW6==="},
    Vector{"foob", "MZXW6YQ="},
    Vector{"fooba", "MZXW6YTB"},
    Vector{"foobar", "MZXW6YTBOI======"},
};

}  // namespace

TEST_CASE("hex round trip", "[crypto][encoding]") {
    const std::vector<unsigned char> data{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    CHECK(to_hex(data) == "00017f80abff");
    CHECK(from_hex("00017f80abff") == data);
    CHECK(from_hex("00017F80ABFF") == data);
    CHECK(to_hex({}).empty());
    CHECK(from_hex("").empty());
}

TEST_CASE("from_hex refuses what is not hex", "[crypto][encoding]") {
    for (std::string_view bad : {"0", "abc", "0g", "g0", " 00", "00 ", "0x00", "+1"}) {
        INFO("input: '" << bad << "'");
        const Error e = error_from([&] { static_cast<void>(from_hex(bad)); });
        CHECK(e.exit() == Exit::data);
        CHECK(e.slug() == "invalid-hex");
    }
}

TEST_CASE("base64 matches RFC 4648 section 10", "[crypto][encoding]") {
    for (const Vector& v : rfc4648_base64) {
        INFO("data: '" << v.data << "'");
        CHECK(base64_encode(bytes_of(v.data)) == v.encoded);
        CHECK(text_of(base64_decode(v.encoded)) == v.data);
    }
}

TEST_CASE("base64 decoding skips whitespace and line breaks", "[crypto][encoding]") {
    CHECK(text_of(base64_decode("Zm9v\nYmFy\n")) == "foobar");
    CHECK(text_of(base64_decode("  Zm9v YmE=\r\n")) == "fooba");
    CHECK(text_of(base64_decode("Zm\t9v")) == "foo");
    CHECK(base64_decode(" \n ").empty());
}

TEST_CASE("base64 round-trips every byte value", "[crypto][encoding]") {
    std::vector<unsigned char> all(256);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<unsigned char>(i);
    for (std::size_t n = 0; n <= all.size(); n += 37) {
        const std::vector<unsigned char> data(all.begin(), all.begin() + static_cast<long>(n));
        CHECK(base64_decode(base64_encode(data)) == data);
    }
}

TEST_CASE("base64 decoding refuses bad input", "[crypto][encoding]") {
    const std::array<std::string_view, 12> bad{
        "Zg",            // missing padding
        "Zg=",           // short padding
        "Z===",          // three '='
        "====",          // padding only
        "Zm9v!A==",      // character outside the alphabet
        "Zm9-",          // URL-safe alphabet is not the standard one
        "=Zm9",          // padding first
        "Zm=v",          // padding inside
        "Zh==",          // spare bits set: "f" is only "Zg=="
        "Zm9=",          // spare bits set: "fo" is only "Zm8="
        "Zm9vYg==Zg==",  // data after padding
        "Zm9vY",         // length not a multiple of 4
    };
    for (std::string_view input : bad) {
        INFO("input: '" << input << "'");
        const Error e = error_from([&] { static_cast<void>(base64_decode(input)); });
        CHECK(e.exit() == Exit::data);
        CHECK(e.slug() == "invalid-base64");
    }
}

TEST_CASE("base32 matches RFC 4648 section 10", "[crypto][encoding]") {
    for (const Vector& v : rfc4648_base32) {
        INFO("data: '" << v.data << "'");
        CHECK(base32_encode(bytes_of(v.data)) == v.encoded);
        CHECK(text_of(base32_decode(v.encoded)) == v.data);
    }
}

TEST_CASE("base32 decoding takes OTP seeds as people type them", "[crypto][encoding]") {
    // The seed of the worked example in many authenticator guides: "Hello!" then DE AD BE EF.
    const std::vector<unsigned char> seed{'H', 'e', 'l', 'l', 'o', '!', 0xde, 0xad, 0xbe, 0xef};
    CHECK(base32_decode("JBSWY3DPEHPK3PXP") == seed);
    CHECK(base32_decode("jbswy3dpehpk3pxp") == seed);
    CHECK(base32_decode("JBSW Y3DP EHPK 3PXP") == seed);
    CHECK(base32_encode(seed) == "JBSWY3DPEHPK3PXP");
    // Padding is optional, and either case is taken.
    CHECK(text_of(base32_decode("MZXW6")) == "foo");
    CHECK(text_of(base32_decode("mzxw6===")) == "foo");
    CHECK(text_of(base32_decode("MZXW6YTBOI")) == "foobar");
}

TEST_CASE("base32 decoding refuses bad input", "[crypto][encoding]") {
    const std::array<std::string_view, 9> bad{
        "M",                 // 1 symbol cannot carry a byte
        "MZX",               // 3 symbols: not a possible group
        "MZXW6Y",            // 6 symbols: not a possible group
        "MY=====",           // padded, but not to a multiple of 8
        "MZXW6YT1",          // '1' is not in the alphabet
        "MZXW6YT0",          // nor is '0'
        "MZXW6YTB========",  // a whole group of padding
        "MY======MY======",  // data after padding
        "MZ-XW",             // punctuation
    };
    for (std::string_view input : bad) {
        INFO("input: '" << input << "'");
        const Error e = error_from([&] { static_cast<void>(base32_decode(input)); });
        CHECK(e.exit() == Exit::data);
        CHECK(e.slug() == "invalid-base32");
    }
}
