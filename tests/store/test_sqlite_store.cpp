// SqliteStore on real temporary files: migrations, the customer round trip, PII at rest and
// blind-index lookups.
#include "sqlite_store_support.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

using namespace kunlun;
using namespace kunlun::store_test;

TEST_CASE("migrate brings an empty file to the latest schema, once", "[store][sqlite]") {
    TempDir dir;
    SqliteStore store(dir.file("s.db"), SqliteStore::Mode::create_if_missing, 1000);
    REQUIRE(store.schema_version() == 0);
    REQUIRE(store.latest_schema_version() >= 1);
    std::vector<std::int64_t> all;
    for (std::int64_t v = 1; v <= store.latest_schema_version(); ++v) all.push_back(v);
    CHECK(store.migrate() == all);
    CHECK(store.schema_version() == store.latest_schema_version());
    CHECK(store.migrate().empty());
    CHECK(store.schema_version() == store.latest_schema_version());

    SqliteStore reopened(dir.file("s.db"), SqliteStore::Mode::open_existing, 1000);
    CHECK(reopened.schema_version() == store.latest_schema_version());
    CHECK(reopened.migrate().empty());
}

TEST_CASE("a store with a newer schema than this build knows is refused", "[store][sqlite]") {
    TempDir dir;
    std::int64_t latest = 0;
    {
        auto store = open_store(dir.file("s.db"));
        latest = store->latest_schema_version();
    }
    {
        SQLite::Database db(dir.file("s.db").string(), SQLite::OPEN_READWRITE);
        db.exec("PRAGMA user_version = " + std::to_string(latest + 1));
    }
    SqliteStore store(dir.file("s.db"), SqliteStore::Mode::open_existing, 1000);
    CHECK(store.schema_version() == latest + 1);
    auto e = error_of([&] { store.migrate(); });
    CHECK(e.exit() == Exit::unavailable);
    CHECK(e.slug() == "store-unavailable");
    CHECK_THAT(e.what(), Catch::Contains("upgrade kunlunctl"));
    CHECK(store.schema_version() == latest + 1);  // not rewritten
}

TEST_CASE("opening a missing or damaged file is store-unavailable", "[store][sqlite]") {
    TempDir dir;
    auto missing = error_of([&] { SqliteStore s(dir.file("none.db"), SqliteStore::Mode::open_existing, 100); });
    CHECK(missing.exit() == Exit::unavailable);
    CHECK(missing.slug() == "store-unavailable");
    CHECK_FALSE(fs::exists(dir.file("none.db")));

    std::ofstream(dir.file("junk.db"), std::ios::binary) << std::string(8192, 'x');
    auto junk = error_of([&] {
        SqliteStore s(dir.file("junk.db"), SqliteStore::Mode::open_existing, 100);
        static_cast<void>(s.schema_version());
    });
    CHECK(junk.exit() == Exit::unavailable);
    CHECK(junk.slug() == "store-unavailable");
}

TEST_CASE("meta values round-trip and can be replaced", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    CHECK_FALSE(store->meta("testing").has_value());
    store->set_meta("testing", "1");
    store->set_meta("testing", "0");
    CHECK(store->meta("testing") == std::optional<std::string>("0"));
}

TEST_CASE("a customer round-trips with accounts, devices, e-shield and OTP device", "[store][sqlite]") {
    TempDir dir;
    const auto original = sample_customer();
    {
        auto store = open_store(dir.file("s.db"));
        insert(*store, original);
        CHECK(store->customer_exists("C000001"));
        CHECK_FALSE(store->customer_exists("C000002"));
    }
    auto store = open_store(dir.file("s.db"));  // a new connection reads what was committed
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

TEST_CASE("a customer without optional parts round-trips without them", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
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

TEST_CASE("PII is not stored in clear", "[store][sqlite]") {
    TempDir dir;
    auto path = dir.file("s.db");
    auto store = open_store(path);
    insert(*store, sample_customer());

    SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(raw, "SELECT id_number_enc, id_number_idx, phone_enc, phone_idx FROM customers");
    REQUIRE(q.executeStep());
    for (int i = 0; i < 4; ++i) {
        std::string column(static_cast<const char*>(q.getColumn(i).getBlob()),
                           static_cast<std::size_t>(q.getColumn(i).getBytes()));
        CHECK(column.find("13800001152") == std::string::npos);
        CHECK(column.find("11010519491231002X") == std::string::npos);
        CHECK(column.size() >= 16);
    }
    SQLite::Statement qa(raw, "SELECT number_enc, number_idx FROM accounts");
    while (qa.executeStep()) {
        for (int i = 0; i < 2; ++i) {
            std::string column(static_cast<const char*>(qa.getColumn(i).getBlob()),
                               static_cast<std::size_t>(qa.getColumn(i).getBytes()));
            CHECK(column.find("62220202") == std::string::npos);
            CHECK(column.find("62170000") == std::string::npos);
        }
    }
    // Everything on disk: the database file and its write-ahead log.
    std::string disk = file_bytes(path) + file_bytes(fs::path(path.string() + "-wal"));
    REQUIRE(disk.find("张伟") != std::string::npos);  // sanity: the data did reach the files read
    for (const char* clear : {"13800001152", "11010519491231002X", "6222020200000000014", "6217000000000000046",
                              "JBSWY3DPEHPK3PXP"}) {
        INFO(clear);
        CHECK(disk.find(clear) == std::string::npos);
    }
}

TEST_CASE("lookups by phone and account use the blind index", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
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
    auto other_key = open_store(dir.file("s.db"), 99);
    CHECK_FALSE(other_key->customer_with_phone("+8613800001152").has_value());
}

TEST_CASE("a field sealed under another key does not open", "[store][sqlite]") {
    TempDir dir;
    insert(*open_store(dir.file("s.db")), sample_customer());
    auto wrong = open_store(dir.file("s.db"), 99);
    auto e = error_of([&] { static_cast<void>(wrong->find_customer("C000001")); });
    CHECK(e.exit() == Exit::unavailable);
    CHECK(e.slug() == "store-corrupt");
}

TEST_CASE("a sealed value copied into another customer's row does not open", "[store][sqlite]") {
    // field_cipher.h: the associated data binds a value to where it is stored, so a ciphertext
    // moved to another row fails authentication instead of decrypting there.
    TempDir dir;
    auto path = dir.file("s.db");
    auto store = open_store(path);
    insert(*store, sample_customer());
    auto other = sample_customer();
    other.id = "C000002";
    other.phone = "+8613912345678";
    other.accounts.clear();
    other.eshield.reset();
    other.otp_device.reset();
    insert(*store, other);
    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        raw.exec("UPDATE customers SET phone_enc = (SELECT phone_enc FROM customers WHERE id = 'C000001') "
                 "WHERE id = 'C000002'");
    }
    auto reopened = open_store(path);
    auto e = error_of([&] { static_cast<void>(reopened->find_customer("C000002")); });
    CHECK(e.slug() == "store-corrupt");
}
