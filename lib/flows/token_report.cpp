// `token status` and `token report`: what an operator reads, and the support bundle attached
// to a ticket. Masked, no secret: the PIN hash never leaves the store.
#include "error.h"
#include "flows/token.h"
#include "flows/token_state_io.h"
#include "rules/identity.h"

#include <deque>

namespace kunlun {
namespace {

constexpr std::size_t kReportAuditEntries = 50;

nlohmann::json status_json(const Context& ctx, const LoadedToken& l) {
    auto j = token_result(ctx, l, {});
    j.erase("effects");
    j["wrong_pins"] = l.state.wrong_pins;
    j["wrong_pins_left"] = wrong_pins_left(l.state, l.policy);
    j["relogin_requires_otp"] = l.customer.login.otp_required;
    return j;
}

LoadedToken read_token(Context& ctx, const TokenTarget& target, std::string_view command) {
    return load_token(ctx, target.customer_id, target.device_id, command);
}

}  // namespace

nlohmann::json token_status(Context& ctx, const TokenTarget& target) {
    settle_token(ctx, target.customer_id, target.device_id);
    Transaction tx(*ctx.store, Transaction::Kind::read);
    return status_json(ctx, read_token(ctx, target, "token status"));
}

nlohmann::json token_report(Context& ctx, const TokenTarget& target) {
    settle_token(ctx, target.customer_id, target.device_id);
    Transaction tx(*ctx.store, Transaction::Kind::read);
    auto l = read_token(ctx, target, "token report");
    auto j = status_json(ctx, l);
    j["generated_at"] = ctx.format_time(ctx.now);
    j["generated_by"] = ctx.operator_name;
    j["phone"] = mask_phone(l.customer.phone);
    j["device_attestation"] = {{"apps", l.device.apps}, {"encrypted", l.device.encrypted},
                               {"app_version", l.device.app_version}, {"rooted", l.device.rooted}};
    nlohmann::json freezes = nlohmann::json::array();
    for (Instant at : freezes_within(l.state, ctx.now, l.policy)) freezes.push_back(ctx.format_time(at));
    j["freezes_within_window"] = freezes;
    j["freeze_window_days"] = std::chrono::duration_cast<std::chrono::days>(l.policy.freeze_window).count();
    // The last entries about this device's token, oldest first; audit details are masked
    // when written, so they are copied as they are.
    std::deque<nlohmann::json> recent;
    ctx.store->for_each_audit(l.customer.id, [&](const AuditEntry& e) {
        if (e.command.rfind("token", 0) != 0) return true;
        auto details = nlohmann::json::parse(e.details, nullptr, false);
        if (!details.is_object() || details.value("device", "") != l.device.id) return true;
        recent.push_back({{"seq", e.seq}, {"at", ctx.format_time(e.at_effective)}, {"operator", e.operator_name},
                          {"command", e.command}, {"outcome", e.outcome}, {"details", details}});
        if (recent.size() > kReportAuditEntries) recent.pop_front();
        return true;
    });
    j["history"] = nlohmann::json(std::vector<nlohmann::json>(recent.begin(), recent.end()));
    return j;
}

std::string token_report_text(const nlohmann::json& r) {
    auto text = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    std::string out = fmt::format(
        "Mobile security code report\n"
        "  customer:      {} (reserved phone {})\n"
        "  device:        {}\n"
        "  state:         {}\n"
        "  frozen until:  {}\n"
        "  wrong PINs:    {} ({} left before a freeze)\n"
        "  relogin needs SMS code: {}\n"
        "  generated:     {} by {}\n\nApps\n",
        text(r["customer"]), text(r["phone"]), text(r["device"]), text(r["state"]),
        r["frozen_until"].is_null() ? std::string("-") : text(r["frozen_until"]), text(r["wrong_pins"]),
        text(r["wrong_pins_left"]), r["relogin_requires_otp"].get<bool>() ? "yes" : "no", text(r["generated_at"]),
        text(r["generated_by"]));
    for (const auto& a : r["apps"]) {
        out += fmt::format("  {:<16} linked: {:<3}  biometric: {:<3}  high-risk from: {}\n", text(a["app"]),
                           a["linked"].get<bool>() ? "yes" : "no", a["biometric"].get<bool>() ? "on" : "off",
                           a["high_risk_from"].is_null() ? std::string("-") : text(a["high_risk_from"]));
    }
    out += fmt::format("\nFreezes within {} days\n", text(r["freeze_window_days"]));
    if (r["freezes_within_window"].empty()) out += "  none\n";
    for (const auto& f : r["freezes_within_window"]) out += "  " + text(f) + "\n";
    out += "\nHistory (last entries, oldest first)\n";
    if (r["history"].empty()) out += "  none\n";
    for (const auto& h : r["history"]) {
        out += fmt::format("  #{} {} {} {} {} {}\n", text(h["seq"]), text(h["at"]), text(h["operator"]),
                           text(h["command"]), text(h["outcome"]), h["details"].dump());
    }
    return out;
}

}  // namespace kunlun
