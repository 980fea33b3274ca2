// Shared set-up for the SqliteStore tests: temporary files, keys derived from a fixed master
// key the way a session derives them, a full sample customer.
#pragma once

#include "store/sqlite/sqlite_store.h"

#include "../unit/support.h"

#include "crypto/field_cipher.h"
#include "crypto/master_key.h"
#include "flows/session.h"
#include "error.h"

#include <array>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace kunlun::store_test {

namespace fs = std::filesystem;

using test::file_bytes;
using test::TempDir;

inline MasterKey test_master_key(unsigned char fill) {
    std::array<unsigned char, SecretKey::size> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(fill + i);
    return MasterKey::from_bytes(bytes);
}

// The store's keys, derived from a master key exactly as a session derives them.
inline StoreKeys keys_from(const MasterKey& key) { return session::derive_store_keys(key); }

// A migrated store with keys attached.
inline std::unique_ptr<SqliteStore> open_store(const fs::path& path, unsigned char key_fill = 1, std::int64_t busy_ms = 1000) {
    auto store = std::make_unique<SqliteStore>(path, SqliteStore::Mode::create_if_missing, busy_ms);
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

}  // namespace kunlun::store_test
