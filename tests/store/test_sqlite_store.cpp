// SqliteStore on real temporary files: migrations, the customer round trip, PII at rest,
// blind-index lookups, transactions and the audit chain.
#include "store/sqlite/sqlite_store.h"

#include "crypto/audit_chain.h"
#include "crypto/encoding.h"
#include "crypto/field_cipher.h"
#include "crypto/master_key.h"
#include "crypto/random.h"
#include "error.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

using namespace kunlun;
namespace fs = std::filesystem;

namespace {

class TempDir {
public:
    TempDir() : path_(fs::temp_directory_path() / ("kunlun-store-test-" + to_hex(random_bytes(8)))) {
        fs::create_directory(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    [[nodiscard]] fs::path file(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

MasterKey test_master_key(unsigned char fill) {
    std::array<unsigned char, SecretKey::size> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(fill + i);
    return MasterKey::from_bytes(bytes);
}

// The store's keys, derived from a master key exactly as a session derives them.
StoreKeys keys_from(const MasterKey& key) {
    StoreKeys keys;
    auto field = key.derive("field-encryption");
    auto index = key.derive("blind-index");
    auto mac = key.derive("audit-mac");
    keys.cipher = std::make_shared<FieldCipher>(field);
    keys.index = std::make_shared<BlindIndex>(index);
    keys.audit_mac_key.assign(mac.begin(), mac.end());
    keys.key_id = key.key_id();
    return keys;
}

// A migrated store with keys attached.
std::unique_ptr<SqliteStore> open_store(const fs::path& path, unsigned char key_fill = 1, std::int64_t busy_ms = 1000) {
    auto store = std::make_unique<SqliteStore>(path, SqliteStore::Mode::create_if_missing, busy_ms);
    store->migrate();
    store->attach_keys(keys_from(test_master_key(key_fill)));
    return store;
}

Instant at(std::int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }

CustomerRecord sample_customer() {
    CustomerRecord c;
    c.id = "C000001";
    c.name = "张伟";
    c.id_type = "resident-id";
    c.id_number = "11010519491231002X";
    c.phone = "+8613800001152";
    c.login.hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhcw";
    c.login.failures = 2;
    c.login.must_change = true;
    c.login.locked_at = at(1772416800);
    c.login.locked_reason = "5 consecutive wrong login passwords";
    AccountRecord a1;
    a1.number = "6222020200000000014";
    a1.account_class = "I";
    a1.txn_hash = "$argon2id$v=19$m=19456,t=2,p=1$dHhuc2FsdHR4bnNhbHQ$dHhuaGFzaHR4bmhhc2h0eG5oYXNodHhuaGFzaHR4bg";
    a1.txn_failures = 1;
    AccountRecord a2;
    a2.number = "6217000000000000046";
    a2.account_class = "III";
    a2.txn_locked_at = at(1772420400);
    c.accounts = {a1, a2};
    c.devices = {{"D1", {"mobile-banking", "invest"}, true, "6.2.5", false}, {"D2", {"invest"}, false, "5.9.1", true}};
    c.eshield = EshieldRecord{"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", std::string(64, 'a')};
    OtpDeviceRecord otp;
    otp.type = "hotp";
    otp.secret_base32 = "JBSWY3DPEHPK3PXP";
    otp.digits = 8;
    otp.algorithm = "SHA256";
    otp.period = 60;
    otp.counter = 42;
    c.otp_device = otp;
    c.created_at = at(1772409600);
    return c;
}

void insert(Store& store, const CustomerRecord& c) {
    Transaction tx(store, Transaction::Kind::write);
    store.insert_customer(c);
    tx.commit();
}

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `body` and returns the Error it throws (fails the test if it throws none).
template <typename F>
Error error_of(F&& body) {
    try {
        body();
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected an Error");
    throw std::logic_error("unreachable");
}

AuditDraft draft(const std::string& command, const std::string& details) {
    AuditDraft d;
    d.at_real = at(1772409600);
    d.at_effective = at(1772409600);
    d.operator_name = "root";
    d.command = command;
    d.outcome = "ok";
    d.details = details;
    return d;
}

}  // namespace

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

TEST_CASE("a transaction that throws leaves nothing behind", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    auto before = store->audit_head();
    try {
        Transaction tx(*store, Transaction::Kind::write);
        store->insert_customer(sample_customer());
        store->put_operator({"alice", {Role::operator_}, at(1772409600)});
        store->append_audit(draft("fixtures load", "{}"));
        throw std::runtime_error("the command failed half-way");
    } catch (const std::runtime_error&) {
    }
    CHECK_FALSE(store->customer_exists("C000001"));
    CHECK_FALSE(store->find_customer("C000001").has_value());
    CHECK_FALSE(store->customer_with_phone("+8613800001152").has_value());
    CHECK_FALSE(store->customer_with_account("6222020200000000014").has_value());
    CHECK_FALSE(store->find_operator("alice").has_value());
    CHECK(store->audit_head().seq == before.seq);

    // A failing insert (a duplicate id) inside a transaction rolls back what came before it.
    insert(*store, sample_customer());
    auto second = sample_customer();
    second.id = "C000009";
    second.phone = "+8613912345678";
    second.accounts.clear();
    auto duplicate = sample_customer();
    duplicate.phone = "+8613912340000";
    duplicate.accounts.clear();
    CHECK_THROWS_AS(([&] {
                        Transaction tx(*store, Transaction::Kind::write);
                        store->insert_customer(second);
                        store->insert_customer(duplicate);
                        tx.commit();
                    }()),
                    Error);
    CHECK_FALSE(store->customer_exists("C000009"));
}

TEST_CASE("the store keeps working after a statement failed", "[store][sqlite]") {
    // One process may run several transactions (a batch): a failed insert must not poison the
    // next use of the same cached statement.
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    insert(*store, sample_customer());
    auto duplicate = sample_customer();
    duplicate.phone = "+8613912340000";
    duplicate.accounts.clear();
    CHECK_THROWS_AS(insert(*store, duplicate), Error);
    auto next = sample_customer();
    next.id = "C000009";
    next.phone = "+8613912345678";
    next.accounts.clear();
    CHECK_NOTHROW(insert(*store, next));
    CHECK(store->customer_exists("C000009"));
}

TEST_CASE("operators: put, replace roles, list in name order, remove", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    store->put_operator({"bob", {Role::reviewer}, at(100)});
    store->put_operator({"alice", {Role::operator_, Role::auditor}, at(200)});
    store->put_operator({"bob", {Role::reviewer, Role::admin}, at(300)});
    auto all = store->list_operators();
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "alice");
    CHECK(all[0].roles == std::vector<Role>{Role::operator_, Role::auditor});
    CHECK(all[1].roles == std::vector<Role>{Role::reviewer, Role::admin});
    CHECK(all[1].created_at == at(100));  // replacing roles keeps the creation time
    CHECK(store->remove_operator("alice"));
    CHECK_FALSE(store->remove_operator("alice"));
    CHECK_FALSE(store->find_operator("alice").has_value());
}

TEST_CASE("audit entries get consecutive sequence numbers and chained MACs", "[store][sqlite]") {
    TempDir dir;
    auto master = test_master_key(1);
    auto store = open_store(dir.file("s.db"));
    CHECK(store->audit_head().seq == 0);
    CHECK(store->audit_head().mac.empty());
    std::vector<AuditEntry> appended;
    for (const char* details : {R"({"n":1})", R"({"n":2})", R"({"n":3})"}) {
        Transaction tx(*store, Transaction::Kind::write);
        appended.push_back(store->append_audit(draft("operator add", details)));
        tx.commit();
    }
    auto key = master.derive("audit-mac");
    std::vector<unsigned char> previous;
    for (std::size_t i = 0; i < appended.size(); ++i) {
        CHECK(appended[i].seq == static_cast<std::int64_t>(i + 1));
        CHECK(appended[i].mac == audit_mac(key, previous, appended[i]));
        previous = appended[i].mac;
    }
    CHECK(appended[1].mac != appended[2].mac);

    std::vector<AuditEntry> stored;
    store->for_each_audit(std::nullopt, [&](const AuditEntry& e) {
        stored.push_back(e);
        return true;
    });
    REQUIRE(stored.size() == 3);
    for (std::size_t i = 0; i < stored.size(); ++i) {
        CHECK(stored[i].seq == appended[i].seq);
        CHECK(stored[i].mac == appended[i].mac);
        CHECK(stored[i].details == appended[i].details);
        CHECK(stored[i].operator_name == "root");
    }
    auto head = store->audit_head();
    CHECK(head.seq == 3);
    CHECK(head.mac == appended[2].mac);

    // The chain continues across connections: a new connection appends seq 4 after seq 3's MAC.
    auto again = open_store(dir.file("s.db"));
    Transaction tx(*again, Transaction::Kind::write);
    auto fourth = again->append_audit(draft("operator remove", "{}"));
    tx.commit();
    CHECK(fourth.seq == 4);
    CHECK(fourth.mac == audit_mac(key, appended[2].mac, fourth));
}

TEST_CASE("audit entries filter by customer", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    Transaction tx(*store, Transaction::Kind::write);
    auto a = draft("reset-login", "{}");
    a.customer = "C000001";
    store->append_audit(a);
    store->append_audit(draft("operator add", "{}"));
    a.customer = "C000002";
    store->append_audit(a);
    tx.commit();
    std::vector<std::int64_t> seqs;
    store->for_each_audit(std::string("C000002"), [&](const AuditEntry& e) {
        seqs.push_back(e.seq);
        return true;
    });
    CHECK(seqs == std::vector<std::int64_t>{3});
}

TEST_CASE("calendars are stored per region and year and can be replaced", "[store][sqlite]") {
    TempDir dir;
    auto store = open_store(dir.file("s.db"));
    store->put_calendar({"CN", 2031, "year = 2031"});
    store->put_calendar({"HK", 2031, "hk"});
    store->put_calendar({"CN", 2030, "year = 2030"});
    store->put_calendar({"CN", 2031, "replaced"});
    auto cn = store->calendars("CN");
    REQUIRE(cn.size() == 2);
    CHECK(cn[0].year == 2030);
    CHECK(cn[1].body == "replaced");
}

TEST_CASE("a write lock held elsewhere is busy after the timeout", "[store][sqlite]") {
    TempDir dir;
    auto holder = open_store(dir.file("s.db"));
    auto waiter = open_store(dir.file("s.db"), 1, 300);
    holder->begin_write();
    auto started = std::chrono::steady_clock::now();
    auto e = error_of([&] { waiter->begin_write(); });
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(e.exit() == Exit::busy);
    CHECK(e.slug() == "busy");
    CHECK(waited >= std::chrono::milliseconds(250));
    holder->rollback();
    waiter->begin_write();
    waiter->rollback();
}

TEST_CASE("reads before a write do not defeat the busy timeout", "[store][sqlite]") {
    // A command reads (meta, operator) and then writes; the write must still wait for a lock
    // another process holds briefly, not fail at once.
    TempDir dir;
    auto holder = open_store(dir.file("s.db"));
    holder->set_meta("testing", "1");
    holder->put_operator({"root", {Role::admin}, at(100)});
    auto waiter = open_store(dir.file("s.db"), 1, 300);
    CHECK(waiter->meta("testing") == std::optional<std::string>("1"));
    CHECK(waiter->find_operator("root").has_value());
    holder->begin_write();
    auto started = std::chrono::steady_clock::now();
    auto e = error_of([&] { waiter->begin_write(); });
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(e.slug() == "busy");
    CHECK(waited >= std::chrono::milliseconds(250));
    holder->rollback();
}

TEST_CASE("a write after another connection's commit succeeds", "[store][sqlite]") {
    TempDir dir;
    auto first = open_store(dir.file("s.db"));
    auto second = open_store(dir.file("s.db"));
    first->set_meta("testing", "1");
    CHECK(second->meta("testing") == std::optional<std::string>("1"));  // second has read
    first->put_operator({"alice", {Role::operator_}, at(100)});           // first commits after that
    REQUIRE_NOTHROW(second->begin_write());
    second->put_operator({"bob", {Role::reviewer}, at(200)});
    second->commit();
    CHECK(first->find_operator("bob").has_value());
}
