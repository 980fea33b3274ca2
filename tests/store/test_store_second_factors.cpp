// Store conformance, on every backend: the e-shield and its challenges, the e-password
// device's counter and replay guard, the soft token with its apps and freezes, and the
// token's ID-digit challenge.
#include "store_support.h"

#include <string>
#include <vector>

using namespace kunlun;
using namespace kunlun::store_test;

#define STORE_TEST(name) TEMPLATE_TEST_CASE(name, "[store]", SqliteBackend, PgBackend)

STORE_TEST("an e-shield is registered, replaced, and its challenges are used once") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, plain_customer("C000009", "+8613900000009"));

    Transaction tx(*store, Transaction::Kind::write);
    store->put_eshield("C000009", EshieldRecord{"PEM-1", std::string(64, '1')});
    store->put_eshield("C000009", EshieldRecord{"PEM-2", std::string(64, '2')});  // replaces
    EshieldChallengeRecord ch{"ES0011223344", "C000009", "reset-txn", {0x00, 0xff, 'a', '\n'}, at(1772409600),
                              at(1772409900), "active"};
    store->insert_eshield_challenge(ch);
    tx.commit();

    auto c = store->find_customer("C000009");
    REQUIRE(c);
    REQUIRE(c->eshield);
    CHECK(c->eshield->certificate_pem == "PEM-2");
    CHECK(c->eshield->fingerprint == std::string(64, '2'));

    auto found = store->find_eshield_challenge("ES0011223344");
    REQUIRE(found);
    CHECK(found->customer_id == "C000009");
    CHECK(found->purpose == "reset-txn");
    CHECK(found->to_sign == ch.to_sign);  // bytes kept exactly, NUL and high bytes included
    CHECK(found->created_at == at(1772409600));
    CHECK(found->expires_at == at(1772409900));
    CHECK(found->state == "active");
    CHECK_FALSE(store->find_eshield_challenge("ES-unknown"));

    Transaction use(*store, Transaction::Kind::write);
    store->use_eshield_challenge("ES0011223344");
    use.commit();
    CHECK(store->find_eshield_challenge("ES0011223344")->state == "used");
}

STORE_TEST("the e-password device keeps its counter, last step and failures") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());
    CHECK_FALSE(store->find_customer("C000001")->otp_device->last_step.has_value());

    OtpDeviceRecord d = *store->find_customer("C000001")->otp_device;
    d.counter = 57;
    d.last_step = 59066666;
    d.failures = 3;
    Transaction tx(*store, Transaction::Kind::write);
    store->update_otp_device("C000001", d);
    tx.commit();
    auto again = store->find_customer("C000001")->otp_device;
    REQUIRE(again);
    CHECK(again->counter == 57);
    CHECK(again->last_step == std::optional<std::int64_t>(59066666));
    CHECK(again->failures == 3);
    CHECK(again->secret_base32 == "JBSWY3DPEHPK3PXP");  // the seed is not touched
}

STORE_TEST("a soft token round-trips with its apps and freezes, and is replaced whole") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());
    CHECK_FALSE(store->find_token("C000001", "D1"));

    TokenRecord t;
    t.customer_id = "C000001";
    t.device_id = "D1";
    t.status = "frozen";
    t.frozen_until = at(1772496000);
    t.wrong_pins = 6;
    t.pin_hash = "$argon2id$pin";
    t.freezes = {at(1772000000), at(1772409600)};
    t.apps = {{"invest", true, true, at(1772409600)}, {"mobile-banking", false, false, std::nullopt}};
    t.updated_at = at(1772409600);
    Transaction tx(*store, Transaction::Kind::write);
    store->put_token(t);
    tx.commit();

    auto got = store->find_token("C000001", "D1");
    REQUIRE(got);
    CHECK(got->status == "frozen");
    CHECK(got->frozen_until == std::optional<Instant>(at(1772496000)));
    CHECK(got->wrong_pins == 6);
    CHECK(got->pin_hash == "$argon2id$pin");
    CHECK(got->freezes == t.freezes);
    REQUIRE(got->apps.size() == 2);
    CHECK(got->apps[0].app == "invest");
    CHECK(got->apps[0].linked);
    CHECK(got->apps[0].biometric);
    CHECK(got->apps[0].high_risk_from == std::optional<Instant>(at(1772409600)));
    CHECK(got->apps[1].app == "mobile-banking");
    CHECK_FALSE(got->apps[1].high_risk_from.has_value());
    CHECK_FALSE(store->find_token("C000001", "D2"));

    // Disabled: no app linked, one freeze left in the window, no PIN.
    t.status = "not-enabled";
    t.frozen_until.reset();
    t.wrong_pins = 0;
    t.pin_hash.clear();
    t.freezes = {at(1772409600)};
    t.apps = {{"invest", false, false, std::nullopt}};
    Transaction tx2(*store, Transaction::Kind::write);
    store->put_token(t);
    tx2.commit();
    got = store->find_token("C000001", "D1");
    REQUIRE(got);
    CHECK(got->status == "not-enabled");
    CHECK_FALSE(got->frozen_until.has_value());
    CHECK(got->pin_hash.empty());
    CHECK(got->freezes == std::vector<Instant>{at(1772409600)});
    REQUIRE(got->apps.size() == 1);
    CHECK_FALSE(got->apps[0].linked);
}

STORE_TEST("a token challenge is one per device and a new one replaces it") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());
    CHECK_FALSE(store->find_token_challenge("C000001", "D1"));
    Transaction tx(*store, Transaction::Kind::write);
    store->put_token_challenge({"C000001", "D1", {3, 9, 14}, at(1772409600), at(1772409900), "active"});
    store->put_token_challenge({"C000001", "D1", {1, 2, 17}, at(1772409700), at(1772410000), "active"});
    store->put_token_challenge({"C000001", "D2", {4, 5, 6}, at(1772409700), at(1772410000), "used"});
    tx.commit();
    auto d1 = store->find_token_challenge("C000001", "D1");
    REQUIRE(d1);
    CHECK(d1->positions == std::vector<int>{1, 2, 17});
    CHECK(d1->created_at == at(1772409700));
    CHECK(d1->expires_at == at(1772410000));
    CHECK(d1->state == "active");
    CHECK(store->find_token_challenge("C000001", "D2")->state == "used");
}
