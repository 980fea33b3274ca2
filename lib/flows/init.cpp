#include "flows/init.h"

#include "crypto/master_key.h"
#include "error.h"
#include "flows/session.h"
#include "store/open_store.h"

namespace kunlun {
namespace {

std::shared_ptr<const MasterKey> load_or_create_key(const std::filesystem::path& path, bool& created) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return std::make_shared<MasterKey>(MasterKey::load(path));
    try {
        auto key = std::make_shared<MasterKey>(MasterKey::create(path));
        created = true;
        return key;
    } catch (const Error& e) {
        if (e.slug() != "key-exists") throw;  // another init created it a moment ago
        return std::make_shared<MasterKey>(MasterKey::load(path));
    }
}

}  // namespace

InitReport init_store(const SessionOptions& options, bool testing) {
    Context ctx = session::unopened_context(options);
    auto overrides = session::read_overrides();
    // A refused first init must leave nothing behind: check the overrides before the store
    // file is created (a new store is a test store exactly when --testing is given). A
    // PostgreSQL database exists already; it is checked once connected, before any change.
    std::error_code exists_ec;
    if (ctx.locator.kind == StoreLocator::Kind::sqlite && !std::filesystem::exists(ctx.locator.path, exists_ec)) {
        session::check_overrides(overrides, testing);
    }
    auto opened = open_store(ctx.locator, ctx.settings(), StoreOpening::create_if_missing);
    ctx.store = std::move(opened.store);
    InitReport report;
    report.store = ctx.locator.display();
    report.key_file = session::key_file(ctx).string();

    // A store whose first init did not finish (no key id recorded) is finished now.
    bool fresh = ctx.store->schema_version() == 0 || !ctx.store->meta("key_id");
    ctx.testing = fresh ? testing : ctx.store->meta("testing").value_or("0") == "1";
    session::check_overrides(overrides, ctx.testing);
    if (!fresh && testing && !ctx.testing) {
        fail(Exit::refused, "override-refused",
             "{} is a production store; it cannot become a test store (create a new one with `init --testing`)",
             report.store);
    }
    ctx.master_key = fresh ? load_or_create_key(session::key_file(ctx), report.key_created)
                           : std::make_shared<MasterKey>(MasterKey::load(session::key_file(ctx)));
    ctx.real_now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    ctx.now = overrides.now.value_or(ctx.real_now);
    ctx.operator_name = overrides.operator_name.value_or(session::store_operator_name(opened));

    if (!fresh) {
        if (auto id = ctx.store->meta("key_id"); id && *id != ctx.master_key->key_id()) {
            fail(Exit::config, "config", "the key file {} is not the key of the store {}", report.key_file, report.store);
        }
        session::attach_keys(ctx);
        ctx.require_role({Role::admin}, "init");
    }
    report.migrated = ctx.store->migrate();
    report.schema_version = ctx.store->latest_schema_version();
    report.testing = ctx.testing;
    if (fresh) session::attach_keys(ctx);

    if (!fresh && report.migrated.empty()) return report;  // nothing to do, nothing written

    Transaction tx(*ctx.store, Transaction::Kind::write);
    if (fresh) {
        // Two first `init` at once (a shared store): the second finds the first one's key id
        // here and leaves the store as the first made it.
        ctx.store->lock_named("init");
        if (auto id = ctx.store->meta("key_id")) {
            if (*id != ctx.master_key->key_id()) {
                fail(Exit::config, "config", "the key file {} is not the key of the store {}", report.key_file, report.store);
            }
            report.testing = ctx.store->meta("testing").value_or("0") == "1";
            return report;
        }
    }
    nlohmann::json details = {{"schema_version", report.schema_version}, {"migrated", report.migrated}};
    if (fresh) {
        report.created = true;
        report.admin = ctx.operator_name;
        ctx.store->set_meta("key_id", ctx.master_key->key_id());
        ctx.store->set_meta("testing", ctx.testing ? "1" : "0");
        ctx.store->set_meta("created_at", std::to_string(ctx.real_now.time_since_epoch().count()));
        ctx.store->put_operator({ctx.operator_name, {Role::admin}, ctx.now});
        details["testing"] = ctx.testing;
        details["admin"] = ctx.operator_name;
    }
    ctx.audit("init", "", "ok", details);
    tx.commit();
    return report;
}

}  // namespace kunlun
