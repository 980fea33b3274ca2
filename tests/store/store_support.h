// The store conformance suite's set-up: every test that states a rule of the Store interface
// runs once per backend (TEMPLATE_TEST_CASE over SqliteBackend and PgBackend), each on a
// fresh store: a temporary SQLite file, or a new database on a throwaway PostgreSQL cluster
// (tests/pg/cluster.py) that ctest starts for the run, or this process starts for itself.
#pragma once

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

#include "../unit/support.h"

#include "crypto/audit_chain.h"
#include "crypto/field_cipher.h"
#include "crypto/master_key.h"
#include "error.h"
#include "flows/session.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <memory>
#include <span>
#include <string>

namespace kunlun::store_test {

namespace fs = std::filesystem;

using test::file_bytes;
using test::TempDir;

// The bytes of every regular file under `dir`, skipping files that disappear mid-walk.
inline std::string bytes_under(const fs::path& dir) {
    std::string out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) continue;
        std::ifstream in(it->path(), std::ios::binary);
        if (in) out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
}

inline MasterKey test_master_key(unsigned char fill) {
    std::array<unsigned char, SecretKey::size> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(fill + i);
    return MasterKey::from_bytes(bytes);
}

// The store's keys, derived from a master key exactly as a session derives them.
inline StoreKeys keys_from(const MasterKey& key) { return session::derive_store_keys(key); }

// --- the PostgreSQL cluster ---

// The cluster ctest started ($KUNLUN_TEST_PG_STATE), else one this process starts on first
// use and stops and removes when it exits.
class TestCluster {
public:
    static TestCluster& get() {
        static TestCluster cluster;
        return cluster;
    }
    [[nodiscard]] bool available() const { return !socket_.empty(); }
    [[nodiscard]] const std::string& why_not() const { return why_not_; }
    [[nodiscard]] const std::string& socket() const { return socket_; }
    [[nodiscard]] const std::string& bindir() const { return bindir_; }
    [[nodiscard]] const std::string& data_dir() const { return data_dir_; }

    [[nodiscard]] std::string uri(const std::string& database, const std::string& user = "") const {
        return "postgresql:///" + database + "?host=" + socket_ + "&user=" + (user.empty() ? superuser_ : user);
    }
    // Runs SQL as the superuser on `database`.
    void exec(const std::string& sql, const std::string& database = "postgres") const {
        pg::Connection c(uri(database), 10, "test cluster");
        c.exec(sql);
    }
    std::string create_database() {
        auto name = "kunlun_store_" + to_hex(random_bytes(6));
        exec("CREATE DATABASE " + name);
        return name;
    }

    TestCluster(const TestCluster&) = delete;
    TestCluster& operator=(const TestCluster&) = delete;
    ~TestCluster() {
        if (own_) std::system(("python3 " + script() + " stop " + state_file_.string() + " >/dev/null").c_str());
    }

private:
    TestCluster() {
        const char* shared = std::getenv("KUNLUN_TEST_PG_STATE");
        if (shared != nullptr && fs::exists(shared)) {
            state_file_ = shared;
        } else {
            state_file_ = fs::temp_directory_path() / fmt::format("kunlun-store-tests-{}.json", ::getpid());
            int rc = std::system(("python3 " + script() + " start " + state_file_.string() + " >/dev/null").c_str());
            own_ = rc == 0;
            if (rc != 0) {
                why_not_ = "no PostgreSQL test cluster could be started (are the postgresql server programs installed?)";
                return;
            }
        }
        auto state = nlohmann::json::parse(file_bytes(state_file_));
        socket_ = state["socket"];
        superuser_ = state["user"];
        bindir_ = state["bindir"];
        data_dir_ = std::string(state["dir"]) + "/data";
    }
    static std::string script() { return std::string(KUNLUN_SOURCE_DIR) + "/tests/pg/cluster.py"; }

    fs::path state_file_;
    bool own_ = false;
    std::string socket_, superuser_, bindir_, data_dir_, why_not_;
};

// --- the backends ---

// A fresh SQLite store file in a temporary directory.
class SqliteBackend {
public:
    static constexpr const char* name = "sqlite";
    static bool available() { return true; }
    static std::string why_not() { return {}; }

    // A new connection to this backend's store, neither migrated nor keyed.
    std::unique_ptr<Store> connect(std::int64_t busy_ms = 1000) {
        return std::make_unique<SqliteStore>(path(), SqliteStore::Mode::create_if_missing, busy_ms);
    }
    // Raw SQL, bypassing the store (a DBA's or an attacker's change).
    void exec(const std::string& sql) {
        SQLite::Database raw(path().string(), SQLite::OPEN_READWRITE);
        raw.exec(sql);
    }
    // The first row's columns of a query, as bytes.
    std::vector<std::string> row_bytes(const std::string& sql) {
        SQLite::Database raw(path().string(), SQLite::OPEN_READONLY);
        SQLite::Statement q(raw, sql);
        std::vector<std::string> out;
        if (!q.executeStep()) return out;
        for (int i = 0; i < q.getColumnCount(); ++i) {
            out.emplace_back(static_cast<const char*>(q.getColumn(i).getBlob()), static_cast<std::size_t>(q.getColumn(i).getBytes()));
        }
        return out;
    }
    void set_schema_version(std::int64_t v) { exec("PRAGMA user_version = " + std::to_string(v)); }
    // Everything the store keeps on disk: the database file and its write-ahead log.
    std::string disk_bytes() { return file_bytes(path()) + file_bytes(fs::path(path().string() + "-wal")); }
    fs::path path() const { return dir_.file("s.db"); }

private:
    TempDir dir_;
};

// A new database on the test cluster, dropped afterwards.
class PgBackend {
public:
    static constexpr const char* name = "postgresql";
    static bool available() { return TestCluster::get().available(); }
    static std::string why_not() { return TestCluster::get().why_not(); }

    PgBackend() : database_(TestCluster::get().create_database()) {}
    PgBackend(const PgBackend&) = delete;
    PgBackend& operator=(const PgBackend&) = delete;
    ~PgBackend() {
        try {
            TestCluster::get().exec("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
        } catch (...) {  // NOLINT(bugprone-empty-catch): the cluster goes away at the end anyway
        }
    }

    std::unique_ptr<Store> connect(std::int64_t /*busy_ms*/ = 1000) {
        return std::make_unique<PgStore>(uri(), 5, "test store " + database_);
    }
    void exec(const std::string& sql) { TestCluster::get().exec(sql, database_); }
    std::vector<std::string> row_bytes(const std::string& sql) {
        pg::Connection c(uri(), 5, "test");
        auto rows = c.exec(sql);
        std::vector<std::string> out;
        if (rows.empty()) return out;
        for (int i = 0; i < rows.columns(); ++i) {  // bytea columns only
            auto b = rows.bytes(0, i);
            out.emplace_back(b.begin(), b.end());
        }
        return out;
    }
    void set_schema_version(std::int64_t v) {
        exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" + std::to_string(v) + ", 0)");
    }
    // Everything the cluster keeps on disk for this database, after a checkpoint: the
    // database's own directory and the write-ahead log. The cluster is shared with test
    // processes running at the same time, which create, drop and recycle files while we
    // read, so a file that vanishes under the walk is skipped rather than an error.
    std::string disk_bytes() {
        exec("CHECKPOINT");
        pg::Connection c(uri(), 5, "test");
        auto oid = c.exec("SELECT oid::text FROM pg_database WHERE datname = current_database()").text(0, 0);
        auto data = fs::path(TestCluster::get().data_dir());
        return bytes_under(data / "base" / oid) + bytes_under(data / "pg_wal");
    }
    std::string uri(const std::string& user = "") const { return TestCluster::get().uri(database_, user); }
    const std::string& database() const { return database_; }

private:
    std::string database_;
};

// Skips (with a message saying why) a test whose backend cannot run here: only PostgreSQL,
// and only when its server programs are missing.
#define KUNLUN_REQUIRE_BACKEND(Backend)                                              \
    do {                                                                             \
        if (!Backend::available()) {                                                 \
            WARN("skipped on " << Backend::name << ": " << Backend::why_not());      \
            return;                                                                  \
        }                                                                            \
    } while (false)

// A migrated store of backend `b` with keys attached.
template <typename Backend>
std::unique_ptr<Store> open_migrated(Backend& b, unsigned char key_fill = 1, std::int64_t busy_ms = 1000) {
    auto store = b.connect(busy_ms);
    store->migrate();
    store->attach_keys(keys_from(test_master_key(key_fill)));
    return store;
}

inline Instant at(std::int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }

inline CustomerRecord sample_customer() {
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

// Another customer with its own phone, ID and no account, e-shield or OTP device.
inline CustomerRecord plain_customer(const std::string& id, const std::string& phone) {
    CustomerRecord c;
    c.id = id;
    c.name = "客户" + id;
    c.id_type = "passport";
    c.id_number = "P" + id;
    c.phone = phone;
    c.created_at = at(1772409600);
    return c;
}

inline void insert(Store& store, const CustomerRecord& c) {
    Transaction tx(store, Transaction::Kind::write);
    store.insert_customer(c);
    tx.commit();
}

// Runs `body` and returns the Error it throws (fails the test if it throws none).
template <typename F>
inline Error error_of(F&& body) {
    return test::error_from(std::forward<F>(body), "expected an Error");
}

inline AuditDraft draft(const std::string& command, const std::string& details) {
    AuditDraft d;
    d.at_real = at(1772409600);
    d.at_effective = at(1772409600);
    d.operator_name = "root";
    d.command = command;
    d.outcome = "ok";
    d.details = details;
    return d;
}

// Every audit entry, in sequence order.
inline std::vector<AuditEntry> audit_entries(Store& store) {
    std::vector<AuditEntry> out;
    store.for_each_audit(std::nullopt, [&](const AuditEntry& e) {
        out.push_back(e);
        return true;
    });
    return out;
}

// `entries` (a whole chain, oldest first) are one chain under `key`: seq 1, 2, 3, ... and each
// MAC over its entry and the MAC before it.
inline void check_one_chain(const std::vector<AuditEntry>& entries, std::span<const unsigned char> key) {
    std::vector<unsigned char> previous;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        INFO("seq " << entries[i].seq);
        CHECK(entries[i].seq == static_cast<std::int64_t>(i + 1));
        CHECK(entries[i].mac == audit_mac(key, previous, entries[i]));
        previous = entries[i].mac;
    }
}

}  // namespace kunlun::store_test
