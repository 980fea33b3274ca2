#include "crypto/field_cipher.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "error.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

using namespace kunlun;

constexpr auto key_from_hex = test::array_from_hex<32>;
constexpr auto nonce_from_hex = test::array_from_hex<12>;
using test::text_of;

namespace {

// Two unrelated test keys: 00 01 ... 1f and 1f 1e ... 00.
std::array<unsigned char, 32> counting_key(bool down) {
    std::array<unsigned char, 32> key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<unsigned char>(down ? 31 - i : i);
    }
    return key;
}

const auto key_a = counting_key(false);
const auto key_b = counting_key(true);

// Checks that opening fails exactly as the store needs it to.
void check_refused(const FieldCipher& cipher, const std::vector<unsigned char>& sealed,
                   std::string_view associated_data) {
    try {
        static_cast<void>(cipher.open(sealed, associated_data));
        FAIL("opened a value that should fail authentication");
    } catch (const Error& e) {
        CHECK(e.exit() == Exit::unavailable);
        CHECK(e.slug() == "store-corrupt");
        CHECK(std::string(e.what()) ==
              "an encrypted field failed authentication (wrong key file or altered store)");
    }
}

}  // namespace

TEST_CASE("AES-256-GCM matches published vectors", "[crypto][field_cipher]") {
    struct Case {
        const char* source;
        std::string_view key, nonce, plaintext, aad, ciphertext, tag;
    };
    const std::array cases{
        // McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", the specification
        // submitted to NIST (gcm-spec.pdf), appendix B, test cases 13, 14 and 16.
        Case{"GCM spec test case 13",
             "0000000000000000000000000000000000000000000000000000000000000000",
             "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
        Case{"GCM spec test case 14",
             "0000000000000000000000000000000000000000000000000000000000000000",
             "000000000000000000000000", "00000000000000000000000000000000", "",
             "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
        Case{"GCM spec test case 16",
             "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
             "cafebabefacedbaddecaf888",
             "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
             "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
             "feedfacedeadbeeffeedfacedeadbeefabaddad2",
             "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
             "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
             "76fc6ece0f4e1768cddf8853bb2d551b"},
        // NIST CAVP gcmEncryptExtIV256.rsp, [PTlen = 128] [AADlen = 0] [Taglen = 128], Count = 0.
        Case{"CAVP gcmEncryptExtIV256 PTlen=128 Count=0",
             "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22",
             "0d18e06c7c725ac9e362e1ce", "2db5168e932556f8089a0622981d017d", "",
             "fa4362189661d163fcd6a56d8bf0405a", "d636ac1bbedd5cc3ee727dc2ab4a9489"},
    };
    for (const Case& c : cases) {
        INFO(c.source);
        const auto key = key_from_hex(c.key);
        const auto nonce = nonce_from_hex(c.nonce);
        const auto aad = from_hex(c.aad);
        const auto sealed = aes256gcm_seal_with_nonce(key, nonce, from_hex(c.plaintext), aad);
        CHECK(to_hex(sealed) ==
              std::string(c.nonce) + std::string(c.ciphertext) + std::string(c.tag));

        // The same bytes open through the production path.
        const FieldCipher cipher{key};
        CHECK(cipher.open(sealed, text_of(aad)) == text_of(from_hex(c.plaintext)));
    }
}

TEST_CASE("seal and open round trip", "[crypto][field_cipher]") {
    const FieldCipher cipher{key_a};
    for (std::string_view plaintext :
         {"", "1", "+8613800001152", "11010519491231002X", "JBSWY3DPEHPK3PXP", "张伟",
          "a longer value that spans more than one AES block"}) {
        INFO("plaintext: " << plaintext);
        const auto sealed = cipher.seal(plaintext, "customer/C000001/phone");
        CHECK(sealed.size() == gcm_nonce_size + plaintext.size() + gcm_tag_size);
        CHECK(cipher.open(sealed, "customer/C000001/phone") == plaintext);
    }
    CHECK(cipher.open(cipher.seal("x", ""), "") == "x");
}

TEST_CASE("each seal draws a fresh nonce", "[crypto][field_cipher]") {
    const FieldCipher cipher{key_a};
    const auto first = cipher.seal("+8613800001152", "phone");
    const auto second = cipher.seal("+8613800001152", "phone");
    CHECK(first != second);
    CHECK(std::vector<unsigned char>(first.begin(), first.begin() + 12) !=
          std::vector<unsigned char>(second.begin(), second.begin() + 12));
}

TEST_CASE("any change to a sealed value is detected", "[crypto][field_cipher]") {
    const FieldCipher cipher{key_a};
    const std::string aad = "customer/C000001/id_number";
    const auto sealed = cipher.seal("11010519491231002X", aad);
    REQUIRE(sealed.size() == 12 + 18 + 16);

    SECTION("a flipped bit anywhere") {
        struct Where {
            const char* part;
            std::size_t offset;
        };
        for (const Where w :
             {Where{"nonce, first byte", 0}, Where{"nonce, last byte", 11},
              Where{"ciphertext, first byte", 12}, Where{"ciphertext, last byte", 29},
              Where{"tag, first byte", 30}, Where{"tag, last byte", 45}}) {
            INFO(w.part);
            auto altered = sealed;
            altered[w.offset] ^= 0x01;
            check_refused(cipher, altered, aad);
        }
    }
    SECTION("other associated data") {
        check_refused(cipher, sealed, "customer/C000002/id_number");
        check_refused(cipher, sealed, "");
    }
    SECTION("another key") { check_refused(FieldCipher{key_b}, sealed, aad); }
    SECTION("truncated or extended") {
        check_refused(cipher, std::vector<unsigned char>(sealed.begin(), sealed.end() - 1), aad);
        auto longer = sealed;
        longer.push_back(0);
        check_refused(cipher, longer, aad);
    }
    SECTION("too short to hold a nonce and a tag") {
        check_refused(cipher, {}, aad);
        check_refused(cipher, std::vector<unsigned char>(27, 0), aad);
        check_refused(cipher, std::vector<unsigned char>(sealed.begin(), sealed.begin() + 27), aad);
    }
}

TEST_CASE("an empty value still authenticates", "[crypto][field_cipher]") {
    const FieldCipher cipher{key_a};
    auto sealed = cipher.seal("", "aad");
    REQUIRE(sealed.size() == 28);
    CHECK(cipher.open(sealed, "aad").empty());
    sealed[20] ^= 0x80;
    check_refused(cipher, sealed, "aad");
}

TEST_CASE("blind index is HMAC-SHA256 over column, NUL, value", "[crypto][field_cipher]") {
    const BlindIndex index{key_a};
    const std::string message = std::string("phone") + '\0' + "+8613800001152";
    CHECK(index.of("phone", "+8613800001152") == hmac_sha256(key_a, bytes_of(message)));
}

TEST_CASE("blind index finds equal values and separates everything else",
          "[crypto][field_cipher]") {
    const BlindIndex index{key_a};
    const auto phone = index.of("phone", "+8613800001152");
    CHECK(index.of("phone", "+8613800001152") == phone);              // deterministic
    CHECK(index.of("phone", "+8613800001153") != phone);              // another value
    CHECK(index.of("id_number", "+8613800001152") != phone);          // another column
    CHECK(BlindIndex{key_b}.of("phone", "+8613800001152") != phone);  // another key
    CHECK(index.of("ab", "c") != index.of("a", "bc"));                // no ambiguous joins
    CHECK(index.of("phone", "") != index.of("phone", std::string(1, '\0')));
}

TEST_CASE("blind index refuses a column name with a NUL byte", "[crypto][field_cipher]") {
    const BlindIndex index{key_a};
    try {
        static_cast<void>(index.of(std::string_view("pho\0ne", 6), "x"));
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.exit() == Exit::internal);
    }
}
