#include "flows/token_state_io.h"

#include "error.h"
#include "flows/customers.h"
#include "flows/roles.h"
#include "rules/rfc3339.h"

#include <sstream>

namespace kunlun {
namespace {

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        auto b = item.find_first_not_of(" \t");
        auto e = item.find_last_not_of(" \t");
        if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    }
    return out;
}

nlohmann::json time_or_null(const Context& ctx, const std::optional<Instant>& t) {
    return t ? nlohmann::json(ctx.format_time(*t)) : nlohmann::json(nullptr);
}

}  // namespace

TokenPolicy token_policy(const Settings& s) {
    TokenPolicy p;
    p.max_wrong_pins = s.token_max_pin_failures;
    p.freeze_duration = std::chrono::hours(s.token_freeze_h);
    p.permanent_after_freezes = s.token_permanent_after;
    p.freeze_window = std::chrono::days(s.token_freeze_window_days);
    p.high_risk_wait = std::chrono::hours(s.token_high_risk_delay_h);
    p.waiting_apps = split_list(s.token_waiting_apps);
    p.session_ending_apps = split_list(s.token_session_ending_apps);
    return p;
}

const DeviceRecord& require_token_device(const CustomerRecord& c, const std::string& device_id) {
    if (const DeviceRecord* d = find_device(c, device_id)) return *d;
    fail(Exit::not_found, "not-found", "customer {} has no device {}", c.id, device_id);
}

TokenState load_token_state(Context& ctx, const CustomerRecord& c, const DeviceRecord& device, std::string* pin_hash) {
    TokenState s;
    if (auto stored = ctx.store->find_token(c.id, device.id)) {
        auto status = parse_token_status(stored->status);
        if (!status) fail(Exit::internal, "internal", "token of {}/{} has an unknown state '{}'", c.id, device.id, stored->status);
        s.status = *status;
        s.frozen_until = stored->frozen_until;
        s.wrong_pins = stored->wrong_pins;
        s.freezes = stored->freezes;
        for (const auto& a : stored->apps) s.apps.push_back({a.app, a.linked, a.biometric, a.high_risk_from});
        if (pin_hash != nullptr) *pin_hash = stored->pin_hash;
    }
    for (const auto& app : device.apps) {
        if (find_token_app(s, app) == nullptr) s.apps.push_back({app, false, false, std::nullopt});
    }
    return s;
}

void save_token_state(Context& ctx, const std::string& customer_id, const std::string& device_id, const TokenState& s,
                      const std::string& pin_hash) {
    TokenRecord r;
    r.customer_id = customer_id;
    r.device_id = device_id;
    r.status = std::string(token_status_name(s.status));
    r.frozen_until = s.frozen_until;
    r.wrong_pins = s.wrong_pins;
    r.pin_hash = s.status == TokenStatus::not_enabled ? std::string() : pin_hash;
    // Only the freezes that can still count (or be reported) are kept: those older than the
    // window are dropped. A freeze recorded after `now` (the clock set back) does not count
    // now (freezes_within) but will once the clock catches up, so it is kept, not erased.
    auto oldest = ctx.now - token_policy(ctx.settings()).freeze_window;
    for (Instant f : s.freezes) {
        if (f >= oldest) r.freezes.push_back(f);
    }
    for (const auto& a : s.apps) r.apps.push_back({a.app, a.linked, a.biometric, a.high_risk_from});
    r.updated_at = ctx.now;
    ctx.store->put_token(r);
}

void settle_token(Context& ctx, const std::string& customer_id, const std::string& device_id) {
    Transaction tx(*ctx.store, Transaction::Kind::write);
    // Only for an operator: anyone else is refused (and audited) by the command itself.
    auto op = ctx.store->find_operator(ctx.operator_name);
    if (!op || !has_role(*op, Role::operator_)) return;
    auto c = ctx.store->find_customer(customer_id);
    if (!c) return;  // the command itself says "not found"
    auto stored = ctx.store->find_token(customer_id, device_id);
    if (!stored || stored->status != "frozen") return;
    const DeviceRecord* device = find_device(*c, device_id);
    if (device == nullptr) return;
    std::string pin_hash;
    TokenState state = load_token_state(ctx, *c, *device, &pin_hash);
    auto t = settle(state, ctx.now, token_policy(ctx.settings()));
    if (t.effects.empty()) return;
    save_token_state(ctx, customer_id, device_id, t.next, pin_hash);
    ctx.audit("token settle", customer_id, "ok",
              {{"device", device_id}, {"event", "unfrozen: expired"}, {"frozen_until", ctx.format_time(*state.frozen_until)}});
    tx.commit();
}

nlohmann::json token_apps_json(const Context& ctx, const TokenState& s) {
    nlohmann::json apps = nlohmann::json::array();
    for (const auto& a : s.apps) {
        apps.push_back({{"app", a.app}, {"linked", a.linked}, {"biometric", a.biometric},
                        {"high_risk_from", time_or_null(ctx, a.high_risk_from)}});
    }
    return apps;
}

LoadedToken load_token(Context& ctx, const std::string& customer_id, const std::string& device_id,
                       std::string_view command) {
    ctx.refusal_scope = {{"device", device_id}};
    ctx.require_role({Role::operator_}, command);
    LoadedToken l;
    l.customer = require_customer(ctx, customer_id);
    l.device = require_token_device(l.customer, device_id);
    l.state = load_token_state(ctx, l.customer, l.device, &l.pin_hash);
    l.policy = token_policy(ctx.settings());
    return l;
}

void refuse_token(const Context& ctx, const TokenRefusal& r) {
    std::string message = r.message;
    if (r.until) {
        // The rules speak UTC; an operator reads the bank's local time.
        std::string zulu = format_rfc3339(*r.until, std::chrono::seconds{0}, true);
        if (auto at = message.find(zulu); at != std::string::npos) message.replace(at, zulu.size(), ctx.format_time(*r.until));
    }
    fail(Exit::refused, r.slug, "{}", message);
}

TokenTransition decide(const Context& ctx, const LoadedToken& l, TokenEventKind kind, const std::string& app) {
    auto t = apply(l.state, TokenEvent{kind, app, ctx.now}, l.policy);
    if (t.refusal) refuse_token(ctx, *t.refusal);
    return t;
}

void refuse_if_frozen(const Context& ctx, const LoadedToken& l) {
    if (!is_frozen(l.state.status)) return;
    if (l.state.status == TokenStatus::frozen && !l.state.frozen_until) {
        // No end recorded (a damaged record): it never ends by itself (docs/token.md, damaged
        // records fail closed), and there is no time to print.
        fail(Exit::refused, "token-frozen", "the mobile security code on device {} is frozen with no end recorded: "
             "unfreeze at a branch (token unfreeze --at-branch)", l.device.id);
    }
    if (l.state.status == TokenStatus::frozen) {
        fail(Exit::refused, "token-frozen", "the mobile security code on device {} is frozen after {} wrong PINs until {}: "
             "wait, or unfreeze at a branch", l.device.id, l.policy.max_wrong_pins, ctx.format_time(*l.state.frozen_until));
    }
    fail(Exit::refused, "token-frozen", "the mobile security code on device {} is frozen permanently: unfreeze at a "
         "branch (token unfreeze --at-branch) or with the e-password device (--otp-device-code)", l.device.id);
}

void save_token(Context& ctx, const LoadedToken& l) {
    save_token_state(ctx, l.customer.id, l.device.id, l.state, l.pin_hash);
}

nlohmann::json token_audit_details(const LoadedToken& l, const std::string& app, const std::vector<TokenEffect>& effects) {
    nlohmann::json d{{"device", l.device.id}, {"state", token_status_name(l.state.status)}};
    if (!app.empty()) d["app"] = app;
    if (!effects.empty()) d["effects"] = effect_names(effects);
    return d;
}

nlohmann::json token_result(const Context& ctx, const LoadedToken& l, const std::vector<TokenEffect>& effects) {
    return {{"customer", l.customer.id},
            {"device", l.device.id},
            {"state", token_status_name(l.state.status)},
            {"frozen_until", time_or_null(ctx, l.state.frozen_until)},
            {"apps", token_apps_json(ctx, l.state)},
            {"effects", effect_names(effects)}};
}

std::vector<std::string> effect_names(const std::vector<TokenEffect>& effects) {
    std::vector<std::string> out;
    for (auto e : effects) out.emplace_back(token_effect_name(e));
    return out;
}

}  // namespace kunlun
