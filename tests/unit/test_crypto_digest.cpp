#include "crypto/digest.h"

#include "crypto/encoding.h"
#include "support.h"
#include "error.h"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

using namespace kunlun;
using test::counting;

namespace {

std::vector<unsigned char> repeated(unsigned char byte, std::size_t n) {
    return std::vector<unsigned char>(n, byte);
}

std::vector<unsigned char> bytes(std::string_view text) {
    const auto span = bytes_of(text);
    return {span.begin(), span.end()};
}

}  // namespace

TEST_CASE("SHA-256 matches the FIPS 180 examples", "[crypto][digest]") {
    // FIPS 180-2 Appendix B.1 (one block) and B.2 (two blocks); the empty message from NIST's
    // SHA-256 example values.
    CHECK(to_hex(sha256("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256("abc") == sha256(bytes_of("abc")));
}

TEST_CASE("Sha256Stream hashes a long message in pieces", "[crypto][digest]") {
    // FIPS 180-2 Appendix B.3: one million repetitions of 'a'.
    Sha256Stream stream;
    const std::string chunk(997, 'a');  // a chunk size that straddles the 64-byte blocks
    std::size_t left = 1000000;
    while (left > 0) {
        const std::size_t n = std::min(left, chunk.size());
        stream.update(std::string_view(chunk).substr(0, n));
        left -= n;
    }
    CHECK(to_hex(stream.final()) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("Sha256Stream agrees with the one-shot digest at every split", "[crypto][digest]") {
    const std::string message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    for (std::size_t split = 0; split <= message.size(); ++split) {
        Sha256Stream stream;
        stream.update(std::string_view(message).substr(0, split));
        stream.update(bytes_of(std::string_view(message).substr(split)));
        CHECK(stream.final() == sha256(message));
    }
    Sha256Stream empty;
    CHECK(to_hex(empty.final()) == to_hex(sha256("")));
}

TEST_CASE("Sha256Stream refuses use after final", "[crypto][digest]") {
    Sha256Stream stream;
    stream.update("abc");
    static_cast<void>(stream.final());
    for (int which = 0; which < 2; ++which) {
        try {
            if (which == 0) {
                stream.update("more");
            } else {
                static_cast<void>(stream.final());
            }
            FAIL("no error after final");
        } catch (const Error& e) {
            CHECK(e.exit() == Exit::internal);
        }
    }
}

TEST_CASE("HMAC-SHA256 matches RFC 4231", "[crypto][digest]") {
    struct Case {
        int number;
        std::vector<unsigned char> key;
        std::vector<unsigned char> data;
        std::string mac;  // hex; test case 5 gives only the first 128 bits
    };
    const std::string long_key_data =
        "This is a test using a larger than block-size key and a larger than block-size data. The "
        "key needs to be hashed before being used by the HMAC algorithm.";
    const std::vector<Case> cases{
        {1, repeated(0x0b, 20), bytes("Hi There"),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {2, bytes("Jefe"), bytes("what do ya want for nothing?"),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {3, repeated(0xaa, 20), repeated(0xdd, 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {4, counting(0x01, 25), repeated(0xcd, 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {5, repeated(0x0c, 20), bytes("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"},
        {6, repeated(0xaa, 131), bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {7, repeated(0xaa, 131), bytes(long_key_data),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (const Case& c : cases) {
        INFO("RFC 4231 test case " << c.number);
        CHECK(to_hex(hmac_sha256(c.key, c.data)).substr(0, c.mac.size()) == c.mac);
    }
}

TEST_CASE("HMAC-SHA256 takes an empty key and empty data", "[crypto][digest]") {
    // HMAC with a zero-length key is well defined (the key is padded with zeros); it must
    // not fail. Its value is checked against the definition: H(opad || H(ipad || m)).
    std::vector<unsigned char> inner(64, 0x36);
    std::vector<unsigned char> outer(64, 0x5c);
    const auto inner_hash = sha256(inner);
    outer.insert(outer.end(), inner_hash.begin(), inner_hash.end());
    CHECK(hmac_sha256({}, {}) == sha256(outer));
}

TEST_CASE("constant_time_equal compares length and content", "[crypto][digest]") {
    const std::vector<unsigned char> a{1, 2, 3};
    const std::vector<unsigned char> same{1, 2, 3};
    const std::vector<unsigned char> last{1, 2, 4};
    const std::vector<unsigned char> first{0, 2, 3};
    const std::vector<unsigned char> prefix{1, 2};
    CHECK(constant_time_equal(a, same));
    CHECK_FALSE(constant_time_equal(a, last));
    CHECK_FALSE(constant_time_equal(a, first));
    CHECK_FALSE(constant_time_equal(a, prefix));
    CHECK_FALSE(constant_time_equal(prefix, a));
    CHECK(constant_time_equal({}, {}));
}
