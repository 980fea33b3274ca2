#include "flows/customers.h"

#include "error.h"
#include "flows/roles.h"
#include "rules/identity.h"

namespace kunlun {
namespace {

nlohmann::json time_or_null(const Context& ctx, const std::optional<Instant>& t) {
    return t ? nlohmann::json(ctx.format_time(*t)) : nlohmann::json(nullptr);
}

std::string masked_id(const CustomerRecord& c) {
    auto type = parse_id_type(c.id_type);
    return type ? mask_id_number(*type, c.id_number) : mask_tail(c.id_number);
}

}  // namespace

const DeviceRecord* find_device(const CustomerRecord& c, const std::string& device_id) {
    for (const auto& d : c.devices) {
        if (d.id == device_id) return &d;
    }
    return nullptr;
}

CustomerRecord require_customer(Context& ctx, const std::string& id) {
    auto c = ctx.store->find_customer(id);
    if (!c) fail(Exit::not_found, "not-found", "no customer '{}' (see `kunlunctl customer list`)", id);
    return std::move(*c);
}

nlohmann::json customer_view(const Context& ctx, const CustomerRecord& c) {
    const auto& s = ctx.settings();
    bool login_locked = c.login.locked_at.has_value();
    nlohmann::json login = {
        {"locked", login_locked},
        {"must_change", c.login.must_change},
        {"failures", c.login.failures},
        {"attempts_left", login_locked ? 0 : std::max<std::int64_t>(0, s.login_max_failures - c.login.failures)},
        {"locked_at", time_or_null(ctx, c.login.locked_at)},
        {"locked_reason", login_locked ? nlohmann::json(c.login.locked_reason) : nlohmann::json(nullptr)},
        {"password_set", !c.login.hash.empty()},
        {"otp_required", c.login.otp_required},  // sessions ended: next login needs password + SMS code
    };
    nlohmann::json accounts = nlohmann::json::array();
    for (const auto& a : c.accounts) {
        bool locked = a.txn_locked_at.has_value();
        accounts.push_back({
            {"number", mask_account(a.number)},
            {"class", a.account_class},
            {"txn_locked", locked},
            {"txn_failures", a.txn_failures},
            {"txn_attempts_left", locked ? 0 : std::max<std::int64_t>(0, s.txn_max_failures - a.txn_failures)},
            {"txn_locked_at", time_or_null(ctx, a.txn_locked_at)},
            {"txn_locked_reason",
             locked ? nlohmann::json(fmt::format("{} consecutive wrong transaction passwords", s.txn_max_failures))
                    : nlohmann::json(nullptr)},
        });
    }
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& d : c.devices) {
        devices.push_back({{"id", d.id}, {"apps", d.apps}, {"encrypted", d.encrypted}, {"app_version", d.app_version},
                           {"rooted", d.rooted}});
    }
    return {
        {"id", c.id},
        {"name", c.name},
        {"id_type", c.id_type},
        {"id_number", masked_id(c)},
        {"phone", mask_phone(c.phone)},
        {"status", c.status},
        {"login", login},
        {"accounts", accounts},
        {"devices", devices},
        {"eshield", c.eshield ? nlohmann::json({{"fingerprint", c.eshield->fingerprint}}) : nlohmann::json(nullptr)},
        {"otp_device", c.otp_device ? nlohmann::json({{"type", c.otp_device->type}}) : nlohmann::json(nullptr)},
    };
}

nlohmann::json show_customer(Context& ctx, const std::string& id) {
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::admin, Role::operator_, Role::reviewer, Role::auditor}, "customer show");
    return customer_view(ctx, require_customer(ctx, id));
}

void list_customers(Context& ctx, const std::function<void(const nlohmann::json&)>& row) {
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::admin, Role::operator_, Role::reviewer, Role::auditor}, "customer list");
    ctx.store->for_each_customer([&](const CustomerRecord& c) {
        row({{"id", c.id},
             {"name", c.name},
             {"phone", mask_phone(c.phone)},
             {"status", c.status},
             {"login_locked", c.login.locked_at.has_value()},
             {"accounts", c.accounts.size()}});
        return true;
    });
}

}  // namespace kunlun
