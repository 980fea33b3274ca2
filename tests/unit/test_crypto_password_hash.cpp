#include "crypto/password_hash.h"

#include "crypto/encoding.h"
#include "error.h"
#include "support.h"

#include <argon2.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <string>
#include <vector>

using namespace kunlun;
using test::error_from;

namespace {

// Cheap enough for many hashes in a test run; the production default is covered once.
constexpr Argon2Cost fast{256, 1, 1};

struct Reference {
    const char* password;
    const char* phc;
};

// phc-winner-argon2 (the reference implementation), src/test.c, the Argon2id v=19 cases
// with salt "somesalt"/"diffsalt". The two with 256 MiB and 4 passes are left out for speed.
constexpr std::array reference_hashes{
    Reference{
        "password",
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"},
    Reference{
        "password",
        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"},
    Reference{
        "password",
        "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc"},
    Reference{
        "password",
        "$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg"},
    Reference{
        "differentpassword",
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94"},
    Reference{
        "password",
        "$argon2id$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$vfMrBczELrFdWP0ZsfhWsRPaHppYdP3MVEMIVlqoFBw"},
};

}  // namespace

TEST_CASE("libargon2 reproduces the reference raw tag", "[crypto][password_hash]") {
    // src/test.c: argon2id, t=2, m=2^16 KiB, p=1, "password", salt "somesalt".
    std::array<unsigned char, 32> tag{};
    REQUIRE(argon2id_hash_raw(2, 1U << 16, 1, "password", 8, "somesalt", 8, tag.data(),
                              tag.size()) == ARGON2_OK);
    CHECK(to_hex(tag) == "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7");
}

TEST_CASE("Argon2id matches RFC 9106 section 5.3", "[crypto][password_hash]") {
    // Secret and associated data are only reachable through argon2_context.
    std::array<unsigned char, 32> password{};
    std::array<unsigned char, 16> salt{};
    std::array<unsigned char, 8> secret{};
    std::array<unsigned char, 12> associated{};
    password.fill(0x01);
    salt.fill(0x02);
    secret.fill(0x03);
    associated.fill(0x04);
    std::array<unsigned char, 32> tag{};

    argon2_context context{};
    context.out = tag.data();
    context.outlen = static_cast<uint32_t>(tag.size());
    context.pwd = password.data();
    context.pwdlen = static_cast<uint32_t>(password.size());
    context.salt = salt.data();
    context.saltlen = static_cast<uint32_t>(salt.size());
    context.secret = secret.data();
    context.secretlen = static_cast<uint32_t>(secret.size());
    context.ad = associated.data();
    context.adlen = static_cast<uint32_t>(associated.size());
    context.t_cost = 3;
    context.m_cost = 32;
    context.lanes = 4;
    context.threads = 4;
    context.version = ARGON2_VERSION_13;
    context.flags = ARGON2_DEFAULT_FLAGS;
    REQUIRE(argon2id_ctx(&context) == ARGON2_OK);
    CHECK(to_hex(tag) == "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
}

TEST_CASE("verify_secret accepts the reference hashes", "[crypto][password_hash]") {
    for (const Reference& r : reference_hashes) {
        INFO(r.phc);
        CHECK(is_phc_argon2id(r.phc));
        CHECK(verify_secret(Secret::copy_of(r.password), r.phc));
    }
    // Wrong secrets against the first (64 MiB) vector and a cheap one.
    for (const Reference& r : {reference_hashes[0], reference_hashes[1]}) {
        INFO(r.phc);
        CHECK_FALSE(verify_secret(Secret::copy_of("passwordx"), r.phc));
        CHECK_FALSE(verify_secret(Secret::copy_of("Password"), r.phc));
        CHECK_FALSE(verify_secret(Secret{}, r.phc));
    }
    CHECK_FALSE(verify_secret(Secret::copy_of("password"), reference_hashes[4].phc));
}

TEST_CASE("hash then verify", "[crypto][password_hash]") {
    const Secret secret = Secret::copy_of("Kunlun2026!");
    const std::string phc = hash_secret(secret, fast);
    CHECK(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
    CHECK(is_phc_argon2id(phc));
    // 16-byte salt and 32-byte tag in unpadded base64: 22 and 43 characters.
    CHECK(phc.size() == std::string("$argon2id$v=19$m=256,t=1,p=1$").size() + 22 + 1 + 43);
    CHECK(verify_secret(secret, phc));
    CHECK_FALSE(verify_secret(Secret::copy_of("Kunlun2026?"), phc));
    CHECK_FALSE(verify_secret(Secret{}, phc));

    // A fresh salt each time: equal secrets never give equal stored hashes.
    CHECK(hash_secret(secret, fast) != phc);
}

TEST_CASE("hash with the production default cost", "[crypto][password_hash]") {
    const Argon2Cost cost;
    CHECK(cost.memory_kib == 19456);
    CHECK(cost.time_cost == 2);
    CHECK(cost.parallelism == 1);
    const Secret pin = Secret::copy_of("147258");
    const std::string phc = hash_secret(pin, cost);
    CHECK(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    CHECK(verify_secret(pin, phc));
    CHECK_FALSE(needs_rehash(phc, cost));
}

TEST_CASE("an empty secret hashes and verifies like any other", "[crypto][password_hash]") {
    const std::string phc = hash_secret(Secret{}, fast);
    CHECK(verify_secret(Secret{}, phc));
    CHECK_FALSE(verify_secret(Secret::copy_of(" "), phc));
}

TEST_CASE("needs_rehash follows every cost parameter", "[crypto][password_hash]") {
    const std::string phc = hash_secret(Secret::copy_of("x"), Argon2Cost{512, 2, 2});
    struct Row {
        Argon2Cost cost;
        bool rehash;
    };
    for (const Row& row : {Row{{512, 2, 2}, false}, Row{{1024, 2, 2}, true}, Row{{256, 2, 2}, true},
                           Row{{512, 3, 2}, true}, Row{{512, 1, 2}, true}, Row{{512, 2, 1}, true},
                           Row{{512, 2, 4}, true}}) {
        INFO("m=" << row.cost.memory_kib << " t=" << row.cost.time_cost
                  << " p=" << row.cost.parallelism);
        CHECK(needs_rehash(phc, row.cost) == row.rehash);
    }
    CHECK(needs_rehash(reference_hashes[0].phc, Argon2Cost{}));
    CHECK_FALSE(needs_rehash(reference_hashes[0].phc, Argon2Cost{65536, 2, 1}));
}

TEST_CASE("is_phc_argon2id checks the whole shape", "[crypto][password_hash]") {
    const std::string good = reference_hashes[1].phc;  // m=256,t=2,p=1
    REQUIRE(is_phc_argon2id(good));
    const std::string salt = "c29tZXNhbHQ";
    const std::string tag = "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
    const std::array<std::string, 23> bad{
        "",
        "$argon2i$v=19$m=256,t=2,p=1$" + salt + "$" + tag,  // another variant
        "$argon2d$v=19$m=256,t=2,p=1$" + salt + "$" + tag,
        "$argon2id$m=256,t=2,p=1$" + salt + "$" + tag,              // version left out (means v=16)
        "$argon2id$v=16$m=256,t=2,p=1$" + salt + "$" + tag,         // old version
        "$argon2id$v=19$t=2,m=256,p=1$" + salt + "$" + tag,         // order
        "$argon2id$v=19$m=0256,t=2,p=1$" + salt + "$" + tag,        // leading zero
        "$argon2id$v=19$m=+256,t=2,p=1$" + salt + "$" + tag,        // sign
        "$argon2id$v=19$m=4,t=2,p=1$" + salt + "$" + tag,           // below 8 KiB per lane
        "$argon2id$v=19$m=256,t=0,p=1$" + salt + "$" + tag,         // no passes
        "$argon2id$v=19$m=256,t=2,p=0$" + salt + "$" + tag,         // no lanes
        "$argon2id$v=19$m=4194305,t=2,p=1$" + salt + "$" + tag,     // above the 4 GiB cap
        "$argon2id$v=19$m=256,t=101,p=1$" + salt + "$" + tag,       // above the pass cap
        "$argon2id$v=19$m=4294967296,t=2,p=1$" + salt + "$" + tag,  // overflows 32 bits
        "$argon2id$v=19$m=256,t=2,p=1$c29tZQ$" + tag,               // 4-byte salt
        "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$",               // no tag
        "$argon2id$v=19$m=256,t=2,p=1$" + salt,                     // no tag field
        "$argon2id$v=19$m=256,t=2,p=1$" + salt + "=$" + tag,        // padded base64
        "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + tag + "$",   // trailing field
        "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + tag.substr(0, 42) + "5",  // spare bits set
        "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + tag + "\n",               // trailing newline
        "$argon2id$v=19$m=256,t=2,p=1$c29t ZXNh bHQA  $" + tag,                  // spaces inside
        " " + good,
    };
    for (const std::string& phc : bad) {
        INFO("'" << phc << "'");
        CHECK_FALSE(is_phc_argon2id(phc));
    }
}

TEST_CASE("a malformed stored hash is store corruption", "[crypto][password_hash]") {
    for (const std::string phc :
         {"", "plaintext-password", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$x",
          "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ"}) {
        INFO("'" << phc << "'");
        const Error verify =
            error_from([&] { static_cast<void>(verify_secret(Secret::copy_of("x"), phc)); });
        CHECK(verify.exit() == Exit::unavailable);
        CHECK(verify.slug() == "store-corrupt");
        const Error rehash =
            error_from([&] { static_cast<void>(needs_rehash(phc, Argon2Cost{})); });
        CHECK(rehash.exit() == Exit::unavailable);
        CHECK(rehash.slug() == "store-corrupt");
    }
}

TEST_CASE("a cost out of range is a configuration error", "[crypto][password_hash]") {
    for (const Argon2Cost cost : {Argon2Cost{256, 0, 1}, Argon2Cost{256, 1, 0}, Argon2Cost{7, 1, 1},
                                  Argon2Cost{8 * 4 - 1, 1, 4}, Argon2Cost{4194305, 1, 1},
                                  Argon2Cost{256, 101, 1}, Argon2Cost{1024, 1, 65}}) {
        INFO("m=" << cost.memory_kib << " t=" << cost.time_cost << " p=" << cost.parallelism);
        const Error e =
            error_from([&] { static_cast<void>(hash_secret(Secret::copy_of("x"), cost)); });
        CHECK(e.exit() == Exit::config);
        CHECK(e.slug() == "config");
    }
}
