#include "flows/session.h"

#include "crypto/field_cipher.h"
#include "crypto/master_key.h"
#include "error.h"
#include "flows/roles.h"
#include "rules/rfc3339.h"
#include "store/open_store.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace kunlun {

namespace session {

Context unopened_context(const SessionOptions& options) {
    Config config = load_config(options);
    BankZone zone(config.settings.bank_timezone);
    return Context{std::move(config), std::move(zone), StoreLocator::resolve(options.store)};
}

Overrides read_overrides() {
    Overrides o;
    if (const char* now = std::getenv("KUNLUNCTL_NOW"); now != nullptr && *now != '\0') {
        o.now = parse_rfc3339(now);
        if (!o.now) {
            fail(Exit::usage, "usage", "KUNLUNCTL_NOW='{}' is not an RFC 3339 time such as 2026-03-02T10:00:00+08:00",
                 now);
        }
    }
    if (const char* op = std::getenv("KUNLUNCTL_OPERATOR"); op != nullptr && *op != '\0') o.operator_name = op;
    return o;
}

void check_overrides(const Overrides& overrides, bool testing) {
    if (overrides.any() && !testing) {
        fail(Exit::refused, "override-refused",
             "{} is honoured only on a test store (created with `init --testing`); unset it",
             overrides.now ? "KUNLUNCTL_NOW" : "KUNLUNCTL_OPERATOR");
    }
}

std::string os_operator_name() {
    uid_t uid = ::geteuid();
    struct passwd pw {};
    struct passwd* result = nullptr;
    std::string buffer(16384, '\0');
    if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &result) == 0 && result != nullptr) {
        return pw.pw_name;
    }
    return "uid" + std::to_string(uid);
}

std::string store_operator_name(const OpenedStore& opened) {
    return opened.database_role.value_or(os_operator_name());
}

std::filesystem::path key_file(const Context& ctx) {
    if (!ctx.settings().keys_file.empty()) return ctx.settings().keys_file;
    return ctx.locator.default_key_file();
}

StoreKeys derive_store_keys(const MasterKey& key) {
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

void attach_keys(Context& ctx) { ctx.store->attach_keys(derive_store_keys(*ctx.master_key)); }

}  // namespace session

Argon2Cost Context::argon2_cost() const {
    const auto& s = settings();
    return Argon2Cost{static_cast<std::uint32_t>(s.argon2_memory_kib), static_cast<std::uint32_t>(s.argon2_time_cost),
                      static_cast<std::uint32_t>(s.argon2_parallelism)};
}

OperatorRecord Context::require_role(std::initializer_list<Role> roles, std::string_view command) const {
    std::vector<std::string> names;
    for (Role r : roles) names.emplace_back(role_name(r));
    auto op = store->find_operator(operator_name);
    if (!op) {
        fail(Exit::refused, "permission",
             "'{}' is not a registered operator; `{}` needs the {} role (an admin runs: kunlunctl operator add {} --role {})",
             operator_name, command, fmt::join(names, " or "), operator_name, names.front());
    }
    for (Role r : roles) {
        if (has_role(*op, r)) return *op;
    }
    fail(Exit::refused, "permission", "`{}` needs the {} role; '{}' holds: {}", command, fmt::join(names, " or "),
         operator_name, op->roles.empty() ? std::string("no role") : fmt::format("{}", fmt::join(role_names(op->roles), ", ")));
}

void Context::audit(std::string_view command, std::string_view customer, std::string_view outcome,
                    const nlohmann::json& details) const {
    AuditDraft d;
    d.at_real = real_now;
    d.at_effective = now;
    d.operator_name = operator_name;
    d.command = std::string(command);
    d.customer = std::string(customer);
    d.outcome = std::string(outcome);
    d.details = details.dump();
    store->append_audit(d);
}

Config load_config(const SessionOptions& options) { return Config::load(Config::standard_layers(options.config)); }

Context open_session(const SessionOptions& options) {
    Context ctx = session::unopened_context(options);
    auto overrides = session::read_overrides();
    auto opened = open_store(ctx.locator, ctx.settings(), StoreOpening::existing);
    ctx.store = std::move(opened.store);
    auto version = ctx.store->schema_version();
    if (version == 0) {
        fail(Exit::unavailable, "store-unavailable", "{} is not an initialised store: run `kunlunctl init`",
             ctx.locator.display());
    }
    if (version > ctx.store->latest_schema_version()) ctx.store->migrate();  // refuses a newer schema, says why
    ctx.testing = ctx.store->meta("testing").value_or("0") == "1";
    session::check_overrides(overrides, ctx.testing);
    ctx.master_key = std::make_shared<MasterKey>(MasterKey::load(session::key_file(ctx)));
    if (auto id = ctx.store->meta("key_id"); id && *id != ctx.master_key->key_id()) {
        fail(Exit::config, "config", "the key file {} is not the key of the store {} (key id {} expected)",
             session::key_file(ctx).string(), ctx.locator.display(), *id);
    }
    session::attach_keys(ctx);
    ctx.real_now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    ctx.now = overrides.now.value_or(ctx.real_now);
    ctx.operator_name = overrides.operator_name.value_or(session::store_operator_name(opened));
    // An older schema is brought up to date once the key and overrides are known good, and
    // the upgrade is audited like any other change.
    if (version < ctx.store->latest_schema_version()) {
        auto applied = ctx.store->migrate();
        if (!applied.empty()) {
            Transaction tx(*ctx.store, Transaction::Kind::write);
            ctx.audit("migrate", "", "ok", {{"migrated", applied}, {"schema_version", ctx.store->latest_schema_version()}});
            tx.commit();
        }
    }
    return ctx;
}

}  // namespace kunlun
