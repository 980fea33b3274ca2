// Customers and what hangs off them: accounts, devices, e-shield, e-password device, login
// history. PII is sealed on the way in and opened on the way out; lookups use the blind index.
#include "crypto/field_cipher.h"
#include "error.h"
#include "store/record_text.h"
#include "store/sqlite/sqlite_guard.h"
#include "store/sqlite/sqlite_store.h"

#include <nlohmann/json.hpp>

#include <map>

namespace kunlun {
namespace {

constexpr const char* kCustomerColumns =
    "id, name, id_type, id_number_enc, phone_enc, status, login_hash, login_failures, login_locked_at, "
    "login_locked_reason, login_must_change, created_at, phone_changed_at, login_otp_required";

}  // namespace

std::optional<Instant> optional_time(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return Instant(std::chrono::seconds(c.getInt64()));
}

void bind_optional_time(SQLite::Statement& q, int index, const std::optional<Instant>& t) {
    if (t) {
        q.bind(index, static_cast<std::int64_t>(t->time_since_epoch().count()));
    } else {
        q.bind(index);
    }
}

void bind_blob(SQLite::Statement& q, int index, const std::vector<unsigned char>& bytes) {
    if (bytes.empty()) {
        q.bind(index);
    } else {
        q.bind(index, bytes.data(), static_cast<int>(bytes.size()));
    }
}

std::vector<unsigned char> blob_of(const SQLite::Column& c) {
    if (c.isNull()) return {};
    const auto* p = static_cast<const unsigned char*>(c.getBlob());
    return {p, p + c.getBytes()};
}

void SqliteStore::update_phone(const std::string& customer_id, const std::string& e164, Instant changed_at) {
    guarded(path_, [&] {
        auto& q = prepared("UPDATE customers SET phone_enc = ?, phone_idx = ?, phone_changed_at = ? WHERE id = ?");
        bind_blob(q, 1, seal("customers.phone", customer_id, e164));
        bind_blob(q, 2, index_of("customers.phone", e164));
        q.bind(3, seconds_of(changed_at));
        q.bind(4, customer_id);
        return q.exec();
    });
}

void SqliteStore::update_login(const std::string& customer_id, const LoginCredential& login) {
    guarded(path_, [&] {
        auto& q = prepared(
            "UPDATE customers SET login_hash = ?, login_failures = ?, login_locked_at = ?, login_locked_reason = ?, "
            "login_must_change = ?, login_otp_required = ? WHERE id = ?");
        q.bind(1, login.hash);
        q.bind(2, static_cast<std::int64_t>(login.failures));
        bind_optional_time(q, 3, login.locked_at);
        q.bind(4, login.locked_reason);
        q.bind(5, login.must_change ? 1 : 0);
        q.bind(6, login.otp_required ? 1 : 0);
        q.bind(7, customer_id);
        return q.exec();
    });
}

void SqliteStore::update_account_txn(const std::string& number, const AccountRecord& a) {
    guarded(path_, [&] {
        auto& q = prepared("UPDATE accounts SET txn_hash = ?, txn_failures = ?, txn_locked_at = ? WHERE number_idx = ?");
        q.bind(1, a.txn_hash);
        q.bind(2, static_cast<std::int64_t>(a.txn_failures));
        bind_optional_time(q, 3, a.txn_locked_at);
        bind_blob(q, 4, index_of("accounts.number", number));
        return q.exec();
    });
}

CustomerRecord SqliteStore::read_customer_row(SQLite::Statement& q) {
    CustomerRecord c;
    c.id = q.getColumn(0).getString();
    c.name = q.getColumn(1).getString();
    c.id_type = q.getColumn(2).getString();
    c.id_number = open_column("customers.id_number", c.id, q.getColumn(3));
    c.phone = open_column("customers.phone", c.id, q.getColumn(4));
    c.status = q.getColumn(5).getString();
    c.login.hash = q.getColumn(6).getString();
    c.login.failures = q.getColumn(7).getInt64();
    c.login.locked_at = optional_time(q.getColumn(8));
    c.login.locked_reason = q.getColumn(9).getString();
    c.login.must_change = q.getColumn(10).getInt() != 0;
    c.created_at = Instant(std::chrono::seconds(q.getColumn(11).getInt64()));
    c.phone_changed_at = optional_time(q.getColumn(12));
    c.login.otp_required = q.getColumn(13).getInt() != 0;
    return c;
}

void SqliteStore::load_customer_children(CustomerRecord& c, CustomerParts parts) {
    auto& acc = prepared(
        "SELECT number_enc, class, txn_hash, txn_failures, txn_locked_at FROM accounts "
        "WHERE customer_id = ? ORDER BY position");
    acc.bind(1, c.id);
    while (acc.executeStep()) {
        AccountRecord a;
        a.number = open_column("accounts.number", c.id, acc.getColumn(0));
        a.account_class = acc.getColumn(1).getString();
        a.txn_hash = acc.getColumn(2).getString();
        a.txn_failures = acc.getColumn(3).getInt64();
        a.txn_locked_at = optional_time(acc.getColumn(4));
        c.accounts.push_back(std::move(a));
    }
    if (parts == CustomerParts::row_and_accounts) return;
    auto& dev = prepared(
        "SELECT device_id, apps, encrypted, app_version, rooted FROM devices WHERE customer_id = ? ORDER BY device_id");
    dev.bind(1, c.id);
    while (dev.executeStep()) {
        c.devices.push_back({dev.getColumn(0).getString(), apps_from_text(dev.getColumn(1).getString()),
                             dev.getColumn(2).getInt() != 0, dev.getColumn(3).getString(), dev.getColumn(4).getInt() != 0});
    }
    auto& es = prepared("SELECT certificate_pem, fingerprint FROM eshields WHERE customer_id = ?");
    es.bind(1, c.id);
    if (es.executeStep()) c.eshield = EshieldRecord{es.getColumn(0).getString(), es.getColumn(1).getString()};
    auto& od = prepared(
        "SELECT type, secret_enc, digits, algorithm, period, counter, last_step, failures FROM otp_devices "
        "WHERE customer_id = ?");
    od.bind(1, c.id);
    if (od.executeStep()) {
        OtpDeviceRecord d;
        d.type = od.getColumn(0).getString();
        d.secret_base32 = open_column("otp_devices.secret", c.id, od.getColumn(1));
        d.digits = od.getColumn(2).getInt64();
        d.algorithm = od.getColumn(3).getString();
        d.period = od.getColumn(4).getInt64();
        d.counter = od.getColumn(5).getInt64();
        if (!od.getColumn(6).isNull()) d.last_step = od.getColumn(6).getInt64();
        d.failures = od.getColumn(7).getInt64();
        c.otp_device = std::move(d);
    }
}

std::optional<CustomerRecord> SqliteStore::find_customer(const std::string& id, CustomerParts parts) {
    return guarded(path_, [&]() -> std::optional<CustomerRecord> {
        static const std::string sql = std::string("SELECT ") + kCustomerColumns + " FROM customers WHERE id = ?";
        auto& q = prepared(sql.c_str());
        q.bind(1, id);
        if (!q.executeStep()) return std::nullopt;
        CustomerRecord c = read_customer_row(q);
        q.reset();
        load_customer_children(c, parts);
        return c;
    });
}

std::vector<CustomerRecord> SqliteStore::find_customers(const std::vector<std::string>& ids, CustomerParts parts) {
    return guarded(path_, [&] {
        std::vector<CustomerRecord> out;
        if (ids.empty()) return out;
        const std::string list = nlohmann::json(ids).dump();
        static const std::string sql = std::string("SELECT ") + kCustomerColumns +
                                       " FROM customers WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id";
        auto& q = prepared(sql.c_str());
        q.bind(1, list);
        std::map<std::string, std::size_t> at;
        while (q.executeStep()) {
            out.push_back(read_customer_row(q));
            at[out.back().id] = out.size() - 1;
        }
        auto& acc = prepared(
            "SELECT customer_id, number_enc, class, txn_hash, txn_failures, txn_locked_at FROM accounts "
            "WHERE customer_id IN (SELECT value FROM json_each(?)) ORDER BY customer_id, position");
        acc.bind(1, list);
        while (acc.executeStep()) {
            auto it = at.find(acc.getColumn(0).getString());
            if (it == at.end()) continue;
            auto& c = out[it->second];
            AccountRecord a;
            a.number = open_column("accounts.number", c.id, acc.getColumn(1));
            a.account_class = acc.getColumn(2).getString();
            a.txn_hash = acc.getColumn(3).getString();
            a.txn_failures = acc.getColumn(4).getInt64();
            a.txn_locked_at = optional_time(acc.getColumn(5));
            c.accounts.push_back(std::move(a));
        }
        if (parts == CustomerParts::all) {
            for (auto& c : out) {
                c.accounts.clear();
                load_customer_children(c, parts);
            }
        }
        return out;
    });
}

bool SqliteStore::customer_exists(const std::string& id) {
    return guarded(path_, [&] {
        auto& q = prepared("SELECT 1 FROM customers WHERE id = ?");
        q.bind(1, id);
        return q.executeStep();
    });
}

std::optional<std::string> SqliteStore::customer_with_phone(const std::string& e164) {
    return guarded(path_, [&]() -> std::optional<std::string> {
        auto& q = prepared("SELECT id FROM customers WHERE phone_idx = ? LIMIT 1");
        auto idx = index_of("customers.phone", e164);
        q.bind(1, idx.data(), static_cast<int>(idx.size()));
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getString();
    });
}

std::optional<std::string> SqliteStore::customer_with_account(const std::string& number) {
    return guarded(path_, [&]() -> std::optional<std::string> {
        auto& q = prepared("SELECT customer_id FROM accounts WHERE number_idx = ?");
        auto idx = index_of("accounts.number", number);
        q.bind(1, idx.data(), static_cast<int>(idx.size()));
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getString();
    });
}

void SqliteStore::for_each_customer(const std::function<bool(const CustomerRecord&)>& visit) {
    guarded(path_, [&] {
        SQLite::Statement q(*db_, std::string("SELECT ") + kCustomerColumns + " FROM customers ORDER BY id");
        while (q.executeStep()) {
            CustomerRecord c = read_customer_row(q);
            load_customer_children(c);
            if (!visit(c)) break;
        }
        return 0;
    });
}

void SqliteStore::insert_customer(const CustomerRecord& c) {
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO customers (id, name, id_type, id_number_enc, id_number_idx, phone_enc, phone_idx, status, "
            "login_hash, login_failures, login_locked_at, login_locked_reason, login_must_change, created_at, "
            "phone_changed_at, login_otp_required) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        auto id_enc = seal("customers.id_number", c.id, c.id_number);
        auto id_idx = index_of("customers.id_number", c.id_number);
        auto ph_enc = seal("customers.phone", c.id, c.phone);
        auto ph_idx = index_of("customers.phone", c.phone);
        q.bind(1, c.id);
        q.bind(2, c.name);
        q.bind(3, c.id_type);
        q.bind(4, id_enc.data(), static_cast<int>(id_enc.size()));
        q.bind(5, id_idx.data(), static_cast<int>(id_idx.size()));
        q.bind(6, ph_enc.data(), static_cast<int>(ph_enc.size()));
        q.bind(7, ph_idx.data(), static_cast<int>(ph_idx.size()));
        q.bind(8, c.status);
        q.bind(9, c.login.hash);
        q.bind(10, static_cast<std::int64_t>(c.login.failures));
        bind_optional_time(q, 11, c.login.locked_at);
        q.bind(12, c.login.locked_reason);
        q.bind(13, c.login.must_change ? 1 : 0);
        q.bind(14, static_cast<std::int64_t>(c.created_at.time_since_epoch().count()));
        bind_optional_time(q, 15, c.phone_changed_at);
        q.bind(16, c.login.otp_required ? 1 : 0);
        q.exec();

        int position = 0;
        for (const auto& a : c.accounts) {
            auto& qa = prepared(
                "INSERT INTO accounts (number_idx, number_enc, customer_id, position, class, txn_hash, txn_failures, "
                "txn_locked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            auto n_idx = index_of("accounts.number", a.number);
            auto n_enc = seal("accounts.number", c.id, a.number);
            qa.bind(1, n_idx.data(), static_cast<int>(n_idx.size()));
            qa.bind(2, n_enc.data(), static_cast<int>(n_enc.size()));
            qa.bind(3, c.id);
            qa.bind(4, position++);
            qa.bind(5, a.account_class);
            qa.bind(6, a.txn_hash);
            qa.bind(7, static_cast<std::int64_t>(a.txn_failures));
            bind_optional_time(qa, 8, a.txn_locked_at);
            qa.exec();
        }
        for (const auto& d : c.devices) {
            auto& qd = prepared(
                "INSERT INTO devices (customer_id, device_id, apps, encrypted, app_version, rooted) VALUES (?, ?, ?, ?, ?, ?)");
            qd.bind(1, c.id);
            qd.bind(2, d.id);
            qd.bind(3, apps_text(d.apps));
            qd.bind(4, d.encrypted ? 1 : 0);
            qd.bind(5, d.app_version);
            qd.bind(6, d.rooted ? 1 : 0);
            qd.exec();
        }
        if (c.eshield) put_eshield(c.id, *c.eshield);
        if (c.otp_device) {
            auto& qo = prepared(
                "INSERT INTO otp_devices (customer_id, type, secret_enc, digits, algorithm, period, counter, last_step) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            auto s_enc = seal("otp_devices.secret", c.id, c.otp_device->secret_base32);
            qo.bind(1, c.id);
            qo.bind(2, c.otp_device->type);
            qo.bind(3, s_enc.data(), static_cast<int>(s_enc.size()));
            qo.bind(4, static_cast<std::int64_t>(c.otp_device->digits));
            qo.bind(5, c.otp_device->algorithm);
            qo.bind(6, static_cast<std::int64_t>(c.otp_device->period));
            qo.bind(7, static_cast<std::int64_t>(c.otp_device->counter));
            if (c.otp_device->last_step) {
                qo.bind(8, *c.otp_device->last_step);
            } else {
                qo.bind(8);
            }
            qo.exec();
        }
        return 0;
    });
}

std::vector<std::string> SqliteStore::login_history(const std::string& customer_id) {
    return guarded(path_, [&] {
        std::vector<std::string> out;
        auto& q = prepared("SELECT hash FROM login_history WHERE customer_id = ? ORDER BY position");
        q.bind(1, customer_id);
        while (q.executeStep()) out.push_back(q.getColumn(0).getString());
        return out;
    });
}

void SqliteStore::set_login_history(const std::string& customer_id, const std::vector<std::string>& hashes) {
    guarded(path_, [&] {
        auto& del = prepared("DELETE FROM login_history WHERE customer_id = ?");
        del.bind(1, customer_id);
        del.exec();
        int position = 0;
        for (const auto& h : hashes) {
            auto& ins = prepared("INSERT INTO login_history (customer_id, position, hash) VALUES (?, ?, ?)");
            ins.bind(1, customer_id);
            ins.bind(2, position++);
            ins.bind(3, h);
            ins.exec();
        }
        return 0;
    });
}

}  // namespace kunlun
