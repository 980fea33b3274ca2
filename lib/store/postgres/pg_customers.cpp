// Customers and what hangs off them: accounts, devices, e-shield, e-password device, login
// history. PII is sealed on the way in and opened on the way out (store/sealed_fields.h,
// the same forms as SQLite's); lookups use the blind index.
#include "error.h"
#include "store/postgres/pg_store.h"

#include <map>
#include "store/record_text.h"

namespace kunlun {
namespace {

constexpr const char* kCustomerColumns =
    "id, name, id_type, id_number_enc, phone_enc, status, login_hash, login_failures, login_locked_at, "
    "login_locked_reason, login_must_change, created_at, phone_changed_at, login_otp_required";

}  // namespace

void PgStore::update_phone(const std::string& customer_id, const std::string& e164, Instant changed_at) {
    db_->run("UPDATE customers SET phone_enc = $1, phone_idx = $2, phone_changed_at = $3 WHERE id = $4",
             pg::Params()
                 .bytes(seal_field(keys(), "customers.phone", customer_id, e164))
                 .bytes(blind_index(keys(), "customers.phone", e164))
                 .time(changed_at)
                 .text(customer_id));
}

void PgStore::update_login(const std::string& customer_id, const LoginCredential& login) {
    db_->run("UPDATE customers SET login_hash = $1, login_failures = $2, login_locked_at = $3, "
             "login_locked_reason = $4, login_must_change = $5, login_otp_required = $6 WHERE id = $7",
             pg::Params()
                 .text(login.hash)
                 .integer(login.failures)
                 .time_or_null(login.locked_at)
                 .text(login.locked_reason)
                 .boolean(login.must_change)
                 .boolean(login.otp_required)
                 .text(customer_id));
}

void PgStore::update_account_txn(const std::string& number, const AccountRecord& a) {
    db_->run("UPDATE accounts SET txn_hash = $1, txn_failures = $2, txn_locked_at = $3 WHERE number_idx = $4",
             pg::Params()
                 .text(a.txn_hash)
                 .integer(a.txn_failures)
                 .time_or_null(a.txn_locked_at)
                 .bytes(blind_index(keys(), "accounts.number", number)));
}

CustomerRecord PgStore::read_customer(const pg::Rows& r, int i) {
    CustomerRecord c;
    c.id = r.text(i, 0);
    c.name = r.text(i, 1);
    c.id_type = r.text(i, 2);
    c.id_number = open_field(keys(), "customers.id_number", c.id, r.bytes(i, 3));
    c.phone = open_field(keys(), "customers.phone", c.id, r.bytes(i, 4));
    c.status = r.text(i, 5);
    c.login.hash = r.text(i, 6);
    c.login.failures = r.integer(i, 7);
    c.login.locked_at = r.time_or_null(i, 8);
    c.login.locked_reason = r.text(i, 9);
    c.login.must_change = r.boolean(i, 10);
    c.created_at = r.time(i, 11);
    c.phone_changed_at = r.time_or_null(i, 12);
    c.login.otp_required = r.boolean(i, 13);
    return c;
}

void PgStore::load_customer_children(CustomerRecord& c, CustomerParts parts) {
    auto acc = db_->run("SELECT number_enc, class, txn_hash, txn_failures, txn_locked_at FROM accounts "
                        "WHERE customer_id = $1 ORDER BY position",
                        pg::Params().text(c.id));
    for (int i = 0; i < acc.size(); ++i) {
        AccountRecord a;
        a.number = open_field(keys(), "accounts.number", c.id, acc.bytes(i, 0));
        a.account_class = acc.text(i, 1);
        a.txn_hash = acc.text(i, 2);
        a.txn_failures = acc.integer(i, 3);
        a.txn_locked_at = acc.time_or_null(i, 4);
        c.accounts.push_back(std::move(a));
    }
    if (parts == CustomerParts::row_and_accounts) return;
    auto dev = db_->run("SELECT device_id, apps, encrypted, app_version, rooted FROM devices WHERE customer_id = $1 "
                        "ORDER BY device_id",
                        pg::Params().text(c.id));
    for (int i = 0; i < dev.size(); ++i) {
        c.devices.push_back({dev.text(i, 0), apps_from_text(dev.text(i, 1)), dev.boolean(i, 2), dev.text(i, 3),
                             dev.boolean(i, 4)});
    }
    auto es = db_->run("SELECT certificate_pem, fingerprint FROM eshields WHERE customer_id = $1", pg::Params().text(c.id));
    if (!es.empty()) c.eshield = EshieldRecord{es.text(0, 0), es.text(0, 1)};
    auto od = db_->run("SELECT type, secret_enc, digits, algorithm, period, counter, last_step, failures "
                       "FROM otp_devices WHERE customer_id = $1",
                       pg::Params().text(c.id));
    if (!od.empty()) {
        OtpDeviceRecord d;
        d.type = od.text(0, 0);
        d.secret_base32 = open_field(keys(), "otp_devices.secret", c.id, od.bytes(0, 1));
        d.digits = od.integer(0, 2);
        d.algorithm = od.text(0, 3);
        d.period = od.integer(0, 4);
        d.counter = od.integer(0, 5);
        if (!od.null(0, 6)) d.last_step = od.integer(0, 6);
        d.failures = od.integer(0, 7);
        c.otp_device = std::move(d);
    }
}

// Inside a write transaction the customer's row stays locked until it ends: two commands on
// one customer (a failure counter, a new case withdrawing the older one) take turns.
std::optional<CustomerRecord> PgStore::find_customer(const std::string& id, CustomerParts parts) {
    auto rows = db_->run(std::string("SELECT ") + kCustomerColumns + " FROM customers WHERE id = $1" + row_lock(),
                         pg::Params().text(id));
    if (rows.empty()) return std::nullopt;
    CustomerRecord c = read_customer(rows, 0);
    load_customer_children(c, parts);
    return c;
}

std::vector<CustomerRecord> PgStore::find_customers(const std::vector<std::string>& ids, CustomerParts parts) {
    std::vector<CustomerRecord> out;
    if (ids.empty()) return out;
    const std::string list = pg::text_array(ids);
    // Locked in id order, as one statement: two batch workers never wait on each other in a cycle.
    auto rows = db_->run(std::string("SELECT ") + kCustomerColumns + " FROM customers WHERE id = ANY($1::text[]) ORDER BY id" +
                             row_lock(),
                         pg::Params().text(list));
    std::map<std::string, std::size_t> at;
    for (int i = 0; i < rows.size(); ++i) {
        out.push_back(read_customer(rows, i));
        at[out.back().id] = out.size() - 1;
    }
    if (parts == CustomerParts::all) {
        for (auto& c : out) load_customer_children(c, parts);
        return out;
    }
    auto acc = db_->run("SELECT customer_id, number_enc, class, txn_hash, txn_failures, txn_locked_at FROM accounts "
                        "WHERE customer_id = ANY($1::text[]) ORDER BY customer_id, position",
                        pg::Params().text(list));
    for (int i = 0; i < acc.size(); ++i) {
        auto it = at.find(acc.text(i, 0));
        if (it == at.end()) continue;
        auto& c = out[it->second];
        AccountRecord a;
        a.number = open_field(keys(), "accounts.number", c.id, acc.bytes(i, 1));
        a.account_class = acc.text(i, 2);
        a.txn_hash = acc.text(i, 3);
        a.txn_failures = acc.integer(i, 4);
        a.txn_locked_at = acc.time_or_null(i, 5);
        c.accounts.push_back(std::move(a));
    }
    return out;
}

bool PgStore::customer_exists(const std::string& id) {
    return !db_->run("SELECT 1 FROM customers WHERE id = $1", pg::Params().text(id)).empty();
}

std::optional<std::string> PgStore::customer_with_phone(const std::string& e164) {
    auto rows = db_->run("SELECT id FROM customers WHERE phone_idx = $1 LIMIT 1",
                         pg::Params().bytes(blind_index(keys(), "customers.phone", e164)));
    if (rows.empty()) return std::nullopt;
    return rows.text(0, 0);
}

std::optional<std::string> PgStore::customer_with_account(const std::string& number) {
    auto rows = db_->run("SELECT customer_id FROM accounts WHERE number_idx = $1",
                         pg::Params().bytes(blind_index(keys(), "accounts.number", number)));
    if (rows.empty()) return std::nullopt;
    return rows.text(0, 0);
}

void PgStore::for_each_customer(const std::function<bool(const CustomerRecord&)>& visit) {
    // Pages by id: a million customers never sit in memory, and no cursor is held open.
    constexpr std::int64_t kPage = 500;
    std::string after;  // every id sorts after "" (COLLATE "C")
    while (true) {
        auto rows = db_->run(std::string("SELECT ") + kCustomerColumns +
                                 " FROM customers WHERE id > $1 ORDER BY id LIMIT $2",
                             pg::Params().text(after).integer(kPage));
        for (int i = 0; i < rows.size(); ++i) {
            CustomerRecord c = read_customer(rows, i);
            load_customer_children(c);
            after = c.id;
            if (!visit(c)) return;
        }
        if (rows.size() < kPage) return;
    }
}

void PgStore::insert_customer(const CustomerRecord& c) {
    db_->run("INSERT INTO customers (id, name, id_type, id_number_enc, id_number_idx, phone_enc, phone_idx, status, "
             "login_hash, login_failures, login_locked_at, login_locked_reason, login_must_change, created_at, "
             "phone_changed_at, login_otp_required) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
             pg::Params()
                 .text(c.id)
                 .text(c.name)
                 .text(c.id_type)
                 .bytes(seal_field(keys(), "customers.id_number", c.id, c.id_number))
                 .bytes(blind_index(keys(), "customers.id_number", c.id_number))
                 .bytes(seal_field(keys(), "customers.phone", c.id, c.phone))
                 .bytes(blind_index(keys(), "customers.phone", c.phone))
                 .text(c.status)
                 .text(c.login.hash)
                 .integer(c.login.failures)
                 .time_or_null(c.login.locked_at)
                 .text(c.login.locked_reason)
                 .boolean(c.login.must_change)
                 .time(c.created_at)
                 .time_or_null(c.phone_changed_at)
                 .boolean(c.login.otp_required));
    std::int64_t position = 0;
    for (const auto& a : c.accounts) {
        db_->run("INSERT INTO accounts (number_idx, number_enc, customer_id, position, class, txn_hash, txn_failures, "
                 "txn_locked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                 pg::Params()
                     .bytes(blind_index(keys(), "accounts.number", a.number))
                     .bytes(seal_field(keys(), "accounts.number", c.id, a.number))
                     .text(c.id)
                     .integer(position++)
                     .text(a.account_class)
                     .text(a.txn_hash)
                     .integer(a.txn_failures)
                     .time_or_null(a.txn_locked_at));
    }
    for (const auto& d : c.devices) {
        db_->run("INSERT INTO devices (customer_id, device_id, apps, encrypted, app_version, rooted) "
                 "VALUES ($1, $2, $3, $4, $5, $6)",
                 pg::Params().text(c.id).text(d.id).text(apps_text(d.apps)).boolean(d.encrypted).text(d.app_version).boolean(d.rooted));
    }
    if (c.eshield) put_eshield(c.id, *c.eshield);
    if (c.otp_device) {
        const auto& o = *c.otp_device;
        db_->run("INSERT INTO otp_devices (customer_id, type, secret_enc, digits, algorithm, period, counter, "
                 "last_step, failures) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                 pg::Params()
                     .text(c.id)
                     .text(o.type)
                     .bytes(seal_field(keys(), "otp_devices.secret", c.id, o.secret_base32))
                     .integer(o.digits)
                     .text(o.algorithm)
                     .integer(o.period)
                     .integer(o.counter)
                     .integer_or_null(o.last_step)
                     .integer(o.failures));
    }
}

std::vector<std::string> PgStore::login_history(const std::string& customer_id) {
    auto rows = db_->run("SELECT hash FROM login_history WHERE customer_id = $1 ORDER BY position",
                         pg::Params().text(customer_id));
    std::vector<std::string> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(rows.text(i, 0));
    return out;
}

void PgStore::set_login_history(const std::string& customer_id, const std::vector<std::string>& hashes) {
    db_->run("DELETE FROM login_history WHERE customer_id = $1", pg::Params().text(customer_id));
    std::int64_t position = 0;
    for (const auto& h : hashes) {
        db_->run("INSERT INTO login_history (customer_id, position, hash) VALUES ($1, $2, $3)",
                 pg::Params().text(customer_id).integer(position++).text(h));
    }
}

}  // namespace kunlun
