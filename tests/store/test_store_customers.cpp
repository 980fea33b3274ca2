// Store conformance, on every backend: migrations, meta, the customer round trip, PII at
// rest and blind-index lookups.
#include "store_support.h"

#include <string>
#include <vector>

using namespace kunlun;
using namespace kunlun::store_test;

#define STORE_TEST(name) TEMPLATE_TEST_CASE(name, "[store]", SqliteBackend, PgBackend)

STORE_TEST("migrate brings an empty store to the latest schema, once") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = b.connect();
    REQUIRE(store->schema_version() == 0);
    REQUIRE(store->latest_schema_version() >= 1);
    std::vector<std::int64_t> all;
    for (std::int64_t v = 1; v <= store->latest_schema_version(); ++v) all.push_back(v);
    CHECK(store->migrate() == all);
    CHECK(store->schema_version() == store->latest_schema_version());
    CHECK(store->migrate().empty());
    CHECK(store->schema_version() == store->latest_schema_version());

    auto reopened = b.connect();
    CHECK(reopened->schema_version() == store->latest_schema_version());
    CHECK(reopened->migrate().empty());
}

STORE_TEST("a store with a newer schema than this build knows is refused") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    std::int64_t latest = open_migrated(b)->latest_schema_version();
    b.set_schema_version(latest + 1);
    auto store = b.connect();
    CHECK(store->schema_version() == latest + 1);
    auto e = error_of([&] { store->migrate(); });
    CHECK(e.exit() == Exit::unavailable);
    CHECK(e.slug() == "store-unavailable");
    CHECK_THAT(e.what(), Catch::Contains("upgrade kunlunctl"));
    CHECK(store->schema_version() == latest + 1);  // not rewritten
}

STORE_TEST("meta values round-trip and can be replaced") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    CHECK_FALSE(store->meta("testing").has_value());
    store->set_meta("testing", "1");
    store->set_meta("testing", "0");
    CHECK(store->meta("testing") == std::optional<std::string>("0"));
}

STORE_TEST("a customer round-trips with accounts, devices, e-shield and OTP device") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    const auto original = sample_customer();
    {
        auto store = open_migrated(b);
        insert(*store, original);
        CHECK(store->customer_exists("C000001"));
        CHECK_FALSE(store->customer_exists("C000002"));
    }
    auto store = open_migrated(b);  // a new connection reads what was committed
    auto found = store->find_customer("C000001");
    REQUIRE(found);
    const auto& c = *found;
    CHECK(c.id == original.id);
    CHECK(c.name == original.name);
    CHECK(c.id_type == original.id_type);
    CHECK(c.id_number == original.id_number);
    CHECK(c.phone == original.phone);
    CHECK(c.status == "active");
    CHECK(c.login.hash == original.login.hash);
    CHECK(c.login.failures == 2);
    CHECK(c.login.must_change);
    CHECK(c.login.locked_at == original.login.locked_at);
    CHECK(c.login.locked_reason == original.login.locked_reason);
    CHECK(c.created_at == original.created_at);
    REQUIRE(c.accounts.size() == 2);
    CHECK(c.accounts[0].number == "6222020200000000014");
    CHECK(c.accounts[0].account_class == "I");
    CHECK(c.accounts[0].txn_hash == original.accounts[0].txn_hash);
    CHECK(c.accounts[0].txn_failures == 1);
    CHECK_FALSE(c.accounts[0].txn_locked_at.has_value());
    CHECK(c.accounts[1].number == "6217000000000000046");
    CHECK(c.accounts[1].account_class == "III");
    CHECK(c.accounts[1].txn_locked_at == original.accounts[1].txn_locked_at);
    REQUIRE(c.devices.size() == 2);
    CHECK(c.devices[0].id == "D1");
    CHECK(c.devices[0].apps == std::vector<std::string>{"mobile-banking", "invest"});
    CHECK(c.devices[0].encrypted);
    CHECK(c.devices[0].app_version == "6.2.5");
    CHECK_FALSE(c.devices[0].rooted);
    CHECK(c.devices[1].apps == std::vector<std::string>{"invest"});
    CHECK(c.devices[1].rooted);
    REQUIRE(c.eshield);
    CHECK(c.eshield->certificate_pem == original.eshield->certificate_pem);
    CHECK(c.eshield->fingerprint == original.eshield->fingerprint);
    REQUIRE(c.otp_device);
    CHECK(c.otp_device->type == "hotp");
    CHECK(c.otp_device->secret_base32 == "JBSWY3DPEHPK3PXP");
    CHECK(c.otp_device->digits == 8);
    CHECK(c.otp_device->algorithm == "SHA256");
    CHECK(c.otp_device->period == 60);
    CHECK(c.otp_device->counter == 42);
    CHECK_FALSE(store->find_customer("C000002").has_value());

    std::vector<std::string> ids;
    store->for_each_customer([&](const CustomerRecord& r) {
        ids.push_back(r.id);
        CHECK(r.accounts.size() == 2);
        return true;
    });
    CHECK(ids == std::vector<std::string>{"C000001"});
}

STORE_TEST("customers stream in bytewise id order, and a visitor can stop the stream") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    // More than one page of a paging backend, ids whose bytewise order differs from a
    // dictionary's (upper before lower case, '-' before digits).
    std::vector<std::string> expected;
    {
        Transaction tx(*store, Transaction::Kind::write);
        for (int i = 0; i < 1203; ++i) {
            std::string id = fmt::format("{}{:05}", i % 3 == 0 ? "c" : (i % 3 == 1 ? "C" : "C-"), i);
            store->insert_customer(plain_customer(id, fmt::format("+86138{:08}", i)));
            expected.push_back(id);
        }
        tx.commit();
    }
    std::sort(expected.begin(), expected.end());
    std::vector<std::string> ids;
    store->for_each_customer([&](const CustomerRecord& r) {
        ids.push_back(r.id);
        return true;
    });
    CHECK(ids == expected);
    std::size_t seen = 0;
    store->for_each_customer([&](const CustomerRecord&) { return ++seen < 10; });
    CHECK(seen == 10);
}

STORE_TEST("login history and the login, phone and account updates round-trip") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());
    store->set_login_history("C000001", {"h3", "h2", "h1"});
    CHECK(store->login_history("C000001") == std::vector<std::string>{"h3", "h2", "h1"});
    store->set_login_history("C000001", {"h4", "h3"});
    CHECK(store->login_history("C000001") == std::vector<std::string>{"h4", "h3"});

    LoginCredential login;
    login.hash = "new-hash";
    login.otp_required = true;
    store->update_login("C000001", login);
    store->update_phone("C000001", "+8613912345678", at(1772400000));
    AccountRecord a;
    a.txn_hash = "txn-new";
    a.txn_failures = 3;
    a.txn_locked_at = at(1772500000);
    store->update_account_txn("6217000000000000046", a);

    auto c = store->find_customer("C000001");
    REQUIRE(c);
    CHECK(c->login.hash == "new-hash");
    CHECK(c->login.failures == 0);
    CHECK_FALSE(c->login.locked_at.has_value());
    CHECK_FALSE(c->login.must_change);
    CHECK(c->login.otp_required);
    CHECK(c->phone == "+8613912345678");
    CHECK(c->phone_changed_at == std::optional<Instant>(at(1772400000)));
    CHECK(store->customer_with_phone("+8613912345678") == std::optional<std::string>("C000001"));
    CHECK_FALSE(store->customer_with_phone("+8613800001152").has_value());
    CHECK(c->accounts[1].txn_hash == "txn-new");
    CHECK(c->accounts[1].txn_failures == 3);
    CHECK(c->accounts[1].txn_locked_at == at(1772500000));
    CHECK(c->accounts[0].txn_failures == 1);  // the other account is untouched
}

STORE_TEST("a lookup for a review decision reads the row and accounts only") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    const auto original = sample_customer();
    REQUIRE_FALSE(original.devices.empty());
    REQUIRE(original.eshield.has_value());
    REQUIRE(original.otp_device.has_value());
    insert(*store, original);
    auto core = store->find_customer("C000001", Store::CustomerParts::row_and_accounts);
    REQUIRE(core);
    CHECK(core->phone == original.phone);
    CHECK(core->id_number == original.id_number);
    CHECK(core->login.hash == original.login.hash);
    REQUIRE(core->accounts.size() == original.accounts.size());
    CHECK(core->accounts[1].number == original.accounts[1].number);
    CHECK(core->devices.empty());
    CHECK_FALSE(core->eshield.has_value());
    CHECK_FALSE(core->otp_device.has_value());
    // The full lookup still reads everything.
    auto full = store->find_customer("C000001");
    REQUIRE(full);
    CHECK(full->devices.size() == original.devices.size());
    CHECK(full->eshield.has_value());
    CHECK(full->otp_device.has_value());
    CHECK_FALSE(store->find_customer("C000404", Store::CustomerParts::row_and_accounts).has_value());
}

STORE_TEST("a customer without optional parts round-trips without them") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    CustomerRecord c;
    c.id = "C000003";
    c.name = "陳大文";
    c.id_type = "hkid";
    c.id_number = "A1234563";
    c.phone = "+85291234567";
    insert(*store, c);
    auto found = store->find_customer("C000003");
    REQUIRE(found);
    CHECK(found->accounts.empty());
    CHECK(found->devices.empty());
    CHECK_FALSE(found->eshield.has_value());
    CHECK_FALSE(found->otp_device.has_value());
    CHECK_FALSE(found->login.locked_at.has_value());
    CHECK(found->login.hash.empty());
}

STORE_TEST("PII is not stored in clear") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());

    for (const auto& column : b.row_bytes("SELECT id_number_enc, id_number_idx, phone_enc, phone_idx FROM customers")) {
        CHECK(column.find("13800001152") == std::string::npos);
        CHECK(column.find("11010519491231002X") == std::string::npos);
        CHECK(column.size() >= 16);
    }
    for (const auto& column : b.row_bytes("SELECT number_enc, number_idx FROM accounts")) {
        CHECK(column.find("62220202") == std::string::npos);
        CHECK(column.find("62170000") == std::string::npos);
    }
    // Everything on disk that holds this store.
    std::string disk = b.disk_bytes();
    REQUIRE(disk.find("张伟") != std::string::npos);  // sanity: the data did reach the files read
    for (const char* clear : {"13800001152", "11010519491231002X", "6222020200000000014", "6217000000000000046",
                              "JBSWY3DPEHPK3PXP"}) {
        INFO(clear);
        CHECK(disk.find(clear) == std::string::npos);
    }
}

STORE_TEST("lookups by phone and account use the blind index") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());
    auto other = sample_customer();
    other.id = "C000002";
    other.phone = "+8613912345678";
    other.id_number = "110101199003070054";
    other.accounts = {other.accounts[0]};
    other.accounts[0].number = "6222020200000000022";
    other.eshield.reset();
    insert(*store, other);

    CHECK(store->customer_with_phone("+8613800001152") == std::optional<std::string>("C000001"));
    CHECK(store->customer_with_phone("+8613912345678") == std::optional<std::string>("C000002"));
    CHECK_FALSE(store->customer_with_phone("+8613800001153").has_value());
    CHECK(store->customer_with_account("6217000000000000046") == std::optional<std::string>("C000001"));
    CHECK(store->customer_with_account("6222020200000000022") == std::optional<std::string>("C000002"));
    CHECK_FALSE(store->customer_with_account("6222020200000000030").has_value());

    // The index is keyed: under another master key the same phone is not found.
    auto other_key = open_migrated(b, 99);
    CHECK_FALSE(other_key->customer_with_phone("+8613800001152").has_value());
}

STORE_TEST("a field sealed under another key does not open") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    insert(*open_migrated(b), sample_customer());
    auto wrong = open_migrated(b, 99);
    auto e = error_of([&] { static_cast<void>(wrong->find_customer("C000001")); });
    CHECK(e.exit() == Exit::unavailable);
    CHECK(e.slug() == "store-corrupt");
}

STORE_TEST("a sealed value copied into another customer's row does not open") {
    // field_cipher.h: the associated data binds a value to where it is stored, so a ciphertext
    // moved to another row fails authentication instead of decrypting there.
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());
    auto other = sample_customer();
    other.id = "C000002";
    other.phone = "+8613912345678";
    other.accounts.clear();
    other.eshield.reset();
    other.otp_device.reset();
    insert(*store, other);
    b.exec("UPDATE customers SET phone_enc = (SELECT phone_enc FROM customers WHERE id = 'C000001') "
           "WHERE id = 'C000002'");
    auto reopened = open_migrated(b);
    auto e = error_of([&] { static_cast<void>(reopened->find_customer("C000002")); });
    CHECK(e.slug() == "store-corrupt");
}

STORE_TEST("a set of customers is read at once, as find_customer reads each") {
    KUNLUN_REQUIRE_BACKEND(TestType);
    TestType b;
    auto store = open_migrated(b);
    insert(*store, sample_customer());
    insert(*store, plain_customer("C000002", "+8613900002222"));
    insert(*store, plain_customer("C000003", "+8613900003333"));
    Transaction tx(*store, Transaction::Kind::write);
    auto some = store->find_customers({"C000003", "C000001", "C404"}, Store::CustomerParts::row_and_accounts);
    REQUIRE(some.size() == 2);  // in id order; an unknown id is simply absent
    CHECK(some[0].id == "C000001");
    CHECK(some[1].id == "C000003");
    auto one = store->find_customer("C000001", Store::CustomerParts::row_and_accounts);
    REQUIRE(one);
    CHECK(some[0].phone == one->phone);
    CHECK(some[0].id_number == one->id_number);
    CHECK(some[0].login.hash == one->login.hash);
    REQUIRE(some[0].accounts.size() == 2);
    CHECK(some[0].accounts[0].number == "6222020200000000014");  // in the customer's own order
    CHECK(some[0].accounts[1].number == "6217000000000000046");
    CHECK(some[0].accounts[1].txn_locked_at == at(1772420400));
    CHECK(some[0].devices.empty());  // row and accounts only
    CHECK(some[1].accounts.empty());
    auto all = store->find_customers({"C000001"}, Store::CustomerParts::all);
    REQUIRE(all.size() == 1);
    CHECK(all[0].devices.size() == 2);
    CHECK(all[0].accounts.size() == 2);
    CHECK(store->find_customers({}, Store::CustomerParts::all).empty());
    tx.commit();
}
