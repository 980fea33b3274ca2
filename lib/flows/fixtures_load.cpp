// fixtures load: read every file, validate every record (naming file, line and field), then
// apply them all in one transaction. Passwords given in clear are hashed once per distinct
// value; loading a record that is already in the store as it is changes nothing.
#include "crypto/certificate.h"
#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/password_hash.h"
#include "crypto/secret.h"
#include "error.h"
#include "flows/command.h"
#include "flows/fixtures.h"
#include "flows/operators.h"
#include "flows/roles.h"
#include "rules/identity.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace kunlun {
namespace {

// A customer as the fixture gives it: the record, plus secrets that may still be in clear.
struct FixtureCustomer {
    CustomerRecord record;
    std::optional<std::string> login_password;               // clear, hashed at apply time
    std::vector<std::optional<std::string>> txn_passwords;   // per account, clear
    std::string where;                                       // file:line for conflict errors
};

struct FixtureSet {
    std::vector<std::pair<OperatorRecord, std::string>> operators;
    std::vector<FixtureCustomer> customers;
};

std::string read_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) fail(Exit::no_input, "no-input", "no fixture file {}", path.string());
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(Exit::no_input, "no-input", "cannot read fixture file {}", path.string());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The node of `key`, or the table itself when the key is missing (for the error's line).
const toml::node& node_or(const toml::table& t, std::string_view key) {
    const toml::node* n = t.get(key);
    return n != nullptr ? *n : static_cast<const toml::node&>(t);
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

// Reads one file's records with strict checking; every error names file, line and field.
class FixtureReader {
public:
    FixtureReader(std::filesystem::path path, std::chrono::year_month_day today) : path_(std::move(path)), today_(today) {}

    [[noreturn]] void bad(const toml::node& node, const std::string& field, const std::string& what) const {
        fail(Exit::data, "invalid-fixture", "{}:{}: {}: {}", path_.string(), node.source().begin.line, field, what);
    }

    void only_keys(const toml::table& t, const std::string& field, std::initializer_list<std::string_view> allowed) const {
        for (const auto& [k, v] : t) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
                bad(v, field + "." + std::string(k.str()), "unknown field");
            }
        }
    }

    std::string text(const toml::table& t, const std::string& field, std::string_view key, bool required = true) const {
        const toml::node* n = t.get(key);
        if (n == nullptr) {
            if (required) bad(t, field + "." + std::string(key), "missing");
            return {};
        }
        if (!n->is_string()) bad(*n, field + "." + std::string(key), "must be a string");
        return **n->as_string();
    }

    std::optional<bool> flag(const toml::table& t, const std::string& field, std::string_view key) const {
        const toml::node* n = t.get(key);
        if (n == nullptr) return std::nullopt;
        if (!n->is_boolean()) bad(*n, field + "." + std::string(key), "must be true or false");
        return **n->as_boolean();
    }

    std::optional<std::int64_t> integer(const toml::table& t, const std::string& field, std::string_view key) const {
        const toml::node* n = t.get(key);
        if (n == nullptr) return std::nullopt;
        if (!n->is_integer()) bad(*n, field + "." + std::string(key), "must be an integer");
        return **n->as_integer();
    }

    std::vector<std::string> strings(const toml::table& t, const std::string& field, std::string_view key) const {
        std::vector<std::string> out;
        const toml::node* n = t.get(key);
        if (n == nullptr) bad(t, field + "." + std::string(key), "missing");
        const auto* arr = n->as_array();
        if (arr == nullptr) bad(*n, field + "." + std::string(key), "must be an array of strings");
        for (const auto& e : *arr) {
            if (!e.is_string()) bad(e, field + "." + std::string(key), "must be an array of strings");
            out.push_back(**e.as_string());
        }
        return out;
    }

    // Runs a rule that throws Error and re-throws it as invalid-fixture at this node.
    template <typename F>
    auto checked(const toml::node& node, const std::string& field, F&& rule) const {
        try {
            return rule();
        } catch (const Error& e) {
            bad(node, field, e.what());
        }
    }

    const toml::array* tables(const toml::table& t, std::string_view key, const std::string& field) const {
        const toml::node* n = t.get(key);
        if (n == nullptr) return nullptr;
        const auto* arr = n->as_array();
        if (arr == nullptr || !arr->is_array_of_tables()) bad(*n, field, "must be an array of tables ([[...]])");
        return arr;
    }

    void read(const toml::table& root, FixtureSet& set) const {
        only_keys(root, "file", {"operator", "customer"});
        if (const auto* ops = tables(root, "operator", "operator")) {
            for (std::size_t i = 0; i < ops->size(); ++i) set.operators.push_back(read_operator(*ops->get(i)->as_table(), i));
        }
        if (const auto* customers = tables(root, "customer", "customer")) {
            for (std::size_t i = 0; i < customers->size(); ++i) {
                set.customers.push_back(read_customer(*customers->get(i)->as_table(), i));
            }
        }
    }

    std::pair<OperatorRecord, std::string> read_operator(const toml::table& t, std::size_t i) const {
        std::string field = fmt::format("operator[{}]", i);
        only_keys(t, field, {"name", "roles"});
        OperatorRecord op;
        op.name = text(t, field, "name");
        checked(*t.get("name"), field + ".name", [&] { validate_operator_name(op.name); return 0; });
        for (const auto& word : strings(t, field, "roles")) {
            auto role = parse_role(word);
            if (!role) bad(*t.get("roles"), field + ".roles", fmt::format("unknown role '{}'", word));
            if (std::find(op.roles.begin(), op.roles.end(), *role) == op.roles.end()) op.roles.push_back(*role);
        }
        if (op.roles.empty()) bad(*t.get("roles"), field + ".roles", "at least one role");
        return {op, where(t)};
    }

    std::string where(const toml::node& n) const { return fmt::format("{}:{}", path_.string(), n.source().begin.line); }

    FixtureCustomer read_customer(const toml::table& t, std::size_t i) const {
        std::string field = fmt::format("customer[{}]", i);
        only_keys(t, field, {"id", "name", "id_type", "id_number", "phone", "status", "login_password",
                             "login_password_hash", "account", "device", "eshield", "otp_device"});
        FixtureCustomer fc;
        fc.where = where(t);
        auto& c = fc.record;
        c.id = text(t, field, "id");
        if (c.id.empty() || c.id.size() > 32 ||
            !std::all_of(c.id.begin(), c.id.end(), [](unsigned char ch) { return std::isalnum(ch) != 0 || ch == '-' || ch == '_'; })) {
            bad(*t.get("id"), field + ".id", "1-32 letters, digits, '-' or '_'");
        }
        field = fmt::format("customer {}", c.id);
        c.name = text(t, field, "name");
        if (auto n = utf8_length(c.name); n < 1 || n > 64) bad(*t.get("name"), field + ".name", "1-64 characters");
        c.id_type = text(t, field, "id_type");
        auto type = parse_id_type(c.id_type);
        if (!type) bad(*t.get("id_type"), field + ".id_type", "one of resident-id, hkid, passport");
        c.id_number = checked(node_or(t, "id_number"), field + ".id_number",
                              [&] { return normalize_id_number(*type, text(t, field, "id_number"), today_); });
        c.phone = checked(node_or(t, "phone"), field + ".phone",
                          [&] { return normalize_phone(text(t, field, "phone")); });
        if (auto status = text(t, field, "status", false); !status.empty()) {
            if (status != "active" && status != "removed") bad(*t.get("status"), field + ".status", "active or removed");
            c.status = status;
        }
        read_secret_pair(t, field, "login_password", fc.login_password, c.login.hash);
        if (const auto* accounts = tables(t, "account", field + ".account")) {
            for (std::size_t a = 0; a < accounts->size(); ++a) read_account(*accounts->get(a)->as_table(), field, a, fc);
        }
        if (const auto* devices = tables(t, "device", field + ".device")) {
            for (std::size_t d = 0; d < devices->size(); ++d) c.devices.push_back(read_device(*devices->get(d)->as_table(), field, d));
        }
        if (const toml::node* e = t.get("eshield")) c.eshield = read_eshield(*e, field + ".eshield");
        if (const toml::node* o = t.get("otp_device")) c.otp_device = read_otp_device(*o, field + ".otp_device");
        return fc;
    }

    void read_secret_pair(const toml::table& t, const std::string& field, const std::string& key,
                          std::optional<std::string>& clear, std::string& hash) const {
        std::string hash_key = key + "_hash";
        if (t.get(key) != nullptr && t.get(hash_key) != nullptr) bad(*t.get(hash_key), field + "." + hash_key, "give " + key + " or " + hash_key + ", not both");
        if (t.get(key) != nullptr) {
            clear = text(t, field, key);
            if (clear->empty()) bad(*t.get(key), field + "." + key, "empty");
        }
        if (t.get(hash_key) != nullptr) {
            hash = text(t, field, hash_key);
            if (!is_phc_argon2id(hash)) bad(*t.get(hash_key), field + "." + hash_key, "not an Argon2id PHC string ($argon2id$v=19$...)");
        }
    }

    void read_account(const toml::table& t, const std::string& owner, std::size_t i, FixtureCustomer& fc) const {
        std::string field = fmt::format("{}.account[{}]", owner, i);
        only_keys(t, field, {"number", "class", "txn_password", "txn_password_hash"});
        AccountRecord a;
        a.number = checked(node_or(t, "number"), field + ".number",
                           [&] { return normalize_account_number(text(t, field, "number")); });
        a.account_class = text(t, field, "class");
        if (a.account_class != "I" && a.account_class != "II" && a.account_class != "III") {
            bad(*t.get("class"), field + ".class", "I, II or III");
        }
        std::optional<std::string> clear;
        read_secret_pair(t, field, "txn_password", clear, a.txn_hash);
        if (clear && (clear->size() != 6 || !std::all_of(clear->begin(), clear->end(), ::isdigit))) {
            bad(*t.get("txn_password"), field + ".txn_password", "exactly 6 digits");
        }
        fc.record.accounts.push_back(std::move(a));
        fc.txn_passwords.push_back(std::move(clear));
    }

    DeviceRecord read_device(const toml::table& t, const std::string& owner, std::size_t i) const {
        std::string field = fmt::format("{}.device[{}]", owner, i);
        only_keys(t, field, {"id", "apps", "encrypted", "app_version", "rooted"});
        DeviceRecord d;
        d.id = text(t, field, "id");
        if (d.id.empty() || d.id.size() > 64 || d.id.find(',') != std::string::npos) bad(*t.get("id"), field + ".id", "1-64 characters, no comma");
        d.apps = strings(t, field, "apps");
        for (const auto& app : d.apps) {
            if (app != "mobile-banking" && app != "invest") bad(*t.get("apps"), field + ".apps", fmt::format("unknown app '{}' (mobile-banking, invest)", app));
        }
        d.encrypted = flag(t, field, "encrypted").value_or(false);
        d.app_version = text(t, field, "app_version", false);
        d.rooted = flag(t, field, "rooted").value_or(false);
        return d;
    }

    EshieldRecord read_eshield(const toml::node& n, const std::string& field) const {
        const auto* t = n.as_table();
        if (t == nullptr) bad(n, field, "must be a table");
        only_keys(*t, field, {"certificate", "certificate_pem"});
        EshieldRecord e;
        if (t->get("certificate_pem") != nullptr) {
            e.certificate_pem = text(*t, field, "certificate_pem");
        } else {
            auto rel = text(*t, field, "certificate");
            auto path = path_.parent_path() / rel;
            std::ifstream in(path, std::ios::binary);
            if (!in) bad(*t->get("certificate"), field + ".certificate", fmt::format("cannot read {}", path.string()));
            std::stringstream pem;
            pem << in.rdbuf();
            e.certificate_pem = pem.str();
        }
        // The same key rule as `eshield register`: RSA >= 2048, ECDSA P-256 or SM2.
        e.fingerprint = checked(n, field, [&] { return inspect_certificate(e.certificate_pem).fingerprint; });
        return e;
    }

    OtpDeviceRecord read_otp_device(const toml::node& n, const std::string& field) const {
        const auto* t = n.as_table();
        if (t == nullptr) bad(n, field, "must be a table");
        only_keys(*t, field, {"type", "secret_base32", "digits", "algorithm", "period", "counter"});
        OtpDeviceRecord d;
        d.type = text(*t, field, "type");
        if (d.type != "totp" && d.type != "hotp") bad(*t->get("type"), field + ".type", "totp or hotp");
        d.secret_base32 = text(*t, field, "secret_base32");
        auto secret = checked(*t->get("secret_base32"), field + ".secret_base32", [&] { return base32_decode(d.secret_base32); });
        if (secret.size() < 10) bad(*t->get("secret_base32"), field + ".secret_base32", "at least 80 bits (16 base32 characters)");
        d.digits = integer(*t, field, "digits").value_or(6);
        if (d.digits < 6 || d.digits > 8) bad(*t->get("digits"), field + ".digits", "6 to 8");
        d.algorithm = text(*t, field, "algorithm", false);
        if (d.algorithm.empty()) d.algorithm = "SHA1";
        if (d.algorithm != "SHA1" && d.algorithm != "SHA256" && d.algorithm != "SHA512") bad(*t->get("algorithm"), field + ".algorithm", "SHA1, SHA256 or SHA512");
        d.period = integer(*t, field, "period").value_or(30);
        if (d.period < 10 || d.period > 300) bad(*t->get("period"), field + ".period", "10 to 300 seconds");
        d.counter = integer(*t, field, "counter").value_or(0);
        if (d.counter < 0) bad(*t->get("counter"), field + ".counter", "not negative");
        return d;
    }

private:
    std::filesystem::path path_;
    std::chrono::year_month_day today_;
};

// Hashes each distinct clear secret once (Argon2id is slow on purpose).
class HashCache {
public:
    explicit HashCache(Argon2Cost cost) : cost_(cost) {}
    const std::string& hash(const std::string& clear) {
        auto it = hashes_.find(clear);
        if (it == hashes_.end()) it = hashes_.emplace(clear, hash_secret(Secret(std::string(clear)), cost_)).first;
        return it->second;
    }

private:
    Argon2Cost cost_;
    std::map<std::string, std::string> hashes_;
};

bool same_secret(const std::optional<std::string>& clear, const std::string& fixture_hash, const std::string& stored) {
    if (clear) return !stored.empty() && verify_secret(Secret(std::string(*clear)), stored);
    return fixture_hash == stored;
}

bool same_customer(const FixtureCustomer& f, const CustomerRecord& s) {
    const auto& c = f.record;
    if (c.name != s.name || c.id_type != s.id_type || c.id_number != s.id_number || c.phone != s.phone ||
        c.status != s.status || c.accounts.size() != s.accounts.size() || c.devices.size() != s.devices.size() ||
        c.eshield.has_value() != s.eshield.has_value() || c.otp_device.has_value() != s.otp_device.has_value()) {
        return false;
    }
    if ((f.login_password || !c.login.hash.empty() || !s.login.hash.empty()) &&
        !same_secret(f.login_password, c.login.hash, s.login.hash)) {
        return false;
    }
    for (std::size_t i = 0; i < c.accounts.size(); ++i) {
        const auto& a = c.accounts[i];
        const auto& b = s.accounts[i];
        if (a.number != b.number || a.account_class != b.account_class) return false;
        if ((f.txn_passwords[i] || !a.txn_hash.empty() || !b.txn_hash.empty()) &&
            !same_secret(f.txn_passwords[i], a.txn_hash, b.txn_hash)) {
            return false;
        }
    }
    // The store returns devices in id order; a fixture may list them in any order.
    auto by_id = [](std::vector<DeviceRecord> devices) {
        std::sort(devices.begin(), devices.end(), [](const DeviceRecord& x, const DeviceRecord& y) { return x.id < y.id; });
        return devices;
    };
    const auto fixture_devices = by_id(c.devices);
    const auto stored_devices = by_id(s.devices);
    for (std::size_t i = 0; i < fixture_devices.size(); ++i) {
        const auto& a = fixture_devices[i];
        const auto& b = stored_devices[i];
        if (a.id != b.id || a.apps != b.apps || a.encrypted != b.encrypted || a.app_version != b.app_version ||
            a.rooted != b.rooted) {
            return false;
        }
    }
    if (c.eshield && c.eshield->fingerprint != s.eshield->fingerprint) return false;
    if (c.otp_device) {
        const auto& a = *c.otp_device;
        const auto& b = *s.otp_device;
        if (a.type != b.type || a.secret_base32 != b.secret_base32 || a.digits != b.digits ||
            a.algorithm != b.algorithm || a.period != b.period) {
            return false;
        }
    }
    return true;
}

[[noreturn]] void conflict(const std::string& where, const std::string& what) {
    fail(Exit::data, "invalid-fixture", "{}: {}", where, what);
}

// Within the load and against the store: one customer per id, per reserved phone, per account.
void check_unique(Context& ctx, const FixtureSet& set) {
    std::set<std::string> ids, phones, accounts, operators;
    for (const auto& [op, where] : set.operators) {
        if (!operators.insert(op.name).second) conflict(where, fmt::format("operator '{}' appears twice", op.name));
    }
    for (const auto& fc : set.customers) {
        const auto& c = fc.record;
        if (!ids.insert(c.id).second) conflict(fc.where, fmt::format("customer '{}' appears twice", c.id));
        if (!phones.insert(c.phone).second) conflict(fc.where, fmt::format("customer '{}': phone {} is another customer's reserved phone", c.id, mask_phone(c.phone)));
        if (auto owner = ctx.store->customer_with_phone(c.phone); owner && *owner != c.id) {
            conflict(fc.where, fmt::format("customer '{}': phone {} is the reserved phone of customer {}", c.id, mask_phone(c.phone), *owner));
        }
        std::set<std::string> device_ids;
        for (const auto& d : c.devices) {
            if (!device_ids.insert(d.id).second) conflict(fc.where, fmt::format("customer '{}': device '{}' appears twice", c.id, d.id));
        }
        for (const auto& a : c.accounts) {
            if (!accounts.insert(a.number).second) conflict(fc.where, fmt::format("customer '{}': account {} appears twice", c.id, mask_account(a.number)));
            if (auto owner = ctx.store->customer_with_account(a.number); owner && *owner != c.id) {
                conflict(fc.where, fmt::format("customer '{}': account {} belongs to customer {}", c.id, mask_account(a.number), *owner));
            }
        }
    }
}

}  // namespace

nlohmann::json load_fixtures(Context& ctx, const std::vector<std::filesystem::path>& files) {
    if (files.empty()) fail(Exit::usage, "usage", "give at least one fixture file");
    FixtureSet set;
    nlohmann::json sources = nlohmann::json::array();
    auto today = ctx.zone.local_day(ctx.now);
    for (const auto& path : files) {
        std::string body = read_file(path);
        toml::table root;
        try {
            root = toml::parse(body, path.string());
        } catch (const toml::parse_error& e) {
            fail(Exit::data, "invalid-fixture", "{}:{}: {}", path.string(), e.source().begin.line, e.description());
        }
        FixtureReader(path, today).read(root, set);
        sources.push_back({{"file", path.string()}, {"sha256", to_hex(sha256(body))}});
    }

    // Hashed once, outside the attempts: a retried transaction does not pay Argon2 again.
    HashCache hashes(ctx.argon2_cost());
    // One transaction for the whole set, run again from the start after a transient
    // conflict with another writer on a shared store.
    return with_conflict_retries(ctx, [&] {
        Transaction tx(*ctx.store, Transaction::Kind::write);
        ctx.require_role({Role::admin}, "fixtures load");
        check_unique(ctx, set);
        std::int64_t created = 0, unchanged = 0, operators_created = 0, operators_unchanged = 0;
        for (const auto& [op, where] : set.operators) {
            if (auto existing = ctx.store->find_operator(op.name)) {
                auto a = role_names(existing->roles), b = role_names(op.roles);
                std::sort(a.begin(), a.end());
                std::sort(b.begin(), b.end());
                if (a != b) conflict(where, fmt::format("operator '{}' exists with other roles ({})", op.name, fmt::join(a, ", ")));
                ++operators_unchanged;
                continue;
            }
            OperatorRecord record = op;
            record.created_at = ctx.now;
            ctx.store->put_operator(record);
            ++operators_created;
        }
        for (auto& fc : set.customers) {
            if (auto existing = ctx.store->find_customer(fc.record.id)) {
                if (!same_customer(fc, *existing)) {
                    conflict(fc.where, fmt::format("customer '{}' exists in the store with other data", fc.record.id));
                }
                ++unchanged;
                continue;
            }
            CustomerRecord record = fc.record;
            record.created_at = ctx.now;
            if (fc.login_password) record.login.hash = hashes.hash(*fc.login_password);
            for (std::size_t i = 0; i < record.accounts.size(); ++i) {
                if (fc.txn_passwords[i]) record.accounts[i].txn_hash = hashes.hash(*fc.txn_passwords[i]);
            }
            ctx.store->insert_customer(record);
            if (!record.login.hash.empty()) ctx.store->set_login_history(record.id, {record.login.hash});
            ++created;
        }
        nlohmann::json summary = {{"customers_created", created},
                                  {"customers_unchanged", unchanged},
                                  {"operators_created", operators_created},
                                  {"operators_unchanged", operators_unchanged}};
        if (created + operators_created > 0) {
            nlohmann::json details = summary;
            details["files"] = sources;
            ctx.audit("fixtures load", "", "ok", details);
        }
        tx.commit();
        return summary;
    });
}

}  // namespace kunlun
