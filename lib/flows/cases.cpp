#include "flows/cases.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/field_cipher.h"
#include "crypto/master_key.h"
#include "crypto/random.h"
#include "error.h"
#include "flows/calendar.h"
#include "notify/outbox.h"
#include "rules/identity.h"
#include "rules/rfc3339.h"

namespace kunlun {
namespace {

FieldCipher staged_cipher(const Context& ctx) { return FieldCipher(ctx.master_key->derive("staged-secret")); }

}  // namespace

std::string submit_case_id(const Context& ctx) {
    auto day = ctx.zone.local_day(ctx.now);
    auto date = format_iso_date(day);
    date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
    return "K" + date + "-" + to_hex(random_bytes(4));
}

std::string identity_ref(const Context& ctx, const CustomerRecord& customer) {
    auto key = ctx.master_key->derive("identity-ref");
    std::string message = customer.id_type + '\0' + customer.id_number + '\0' + customer.name;
    return to_hex(hmac_sha256(key, bytes_of(message)));
}

// "2026年10月8日": how the customer's SMS names the due day (the end of that day).
std::string customer_date(const Context& ctx, Instant t) {
    auto day = ctx.zone.local_day(t);
    return fmt::format("{}年{}月{}日", static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                       static_cast<unsigned>(day.day()));
}

std::string case_kind_name(const std::string& kind) {
    if (kind == "reset-login") return "登录密码重置";
    if (kind == "reset-txn") return "交易密码重置";
    if (kind == "change-phone") return "预留手机号变更";
    return kind;
}

std::vector<unsigned char> seal_staged_secret(const Context& ctx, const std::string& case_id, const Secret& secret) {
    return staged_cipher(ctx).seal(secret.reveal(), case_id);
}

Secret open_staged_secret(const Context& ctx, const CaseRecord& c) {
    return Secret(staged_cipher(ctx).open(c.staged_secret_enc, c.id));
}

CaseRecord submit_case(Context& ctx, CaseRecord c, const std::string& notify_to) {
    if (c.id.empty()) c.id = submit_case_id(ctx);
    c.state = "pending";
    if (auto customer = ctx.store->find_customer(c.customer_id)) {
        c.checks = nlohmann::json({{"identity_ref", identity_ref(ctx, *customer)}}).dump();
    }
    c.submitted_at = ctx.now;
    c.submitted_by = ctx.operator_name;
    auto calendar = business_calendar(ctx);
    auto submitted_day = ctx.zone.local_day(ctx.now);
    c.due_at = ctx.zone.end_of_day(due_day(calendar, submitted_day));
    c.expires_at = ctx.zone.end_of_day(
        expiry_day(calendar, submitted_day, static_cast<int>(ctx.settings().review_expire_business_days)));
    report_missing_years(ctx, calendar);
    // A newer case of the same kind for the same customer withdraws the older one (§6).
    for (const auto& older_id : ctx.store->pending_cases_of(c.customer_id, c.kind)) {
        auto older = ctx.store->find_case(older_id);
        if (!older) continue;
        older->state = "withdrawn";
        older->decided_at = ctx.now;
        older->decided_by = ctx.operator_name;
        older->reason = "superseded";
        older->note = "withdrawn by the newer case " + c.id;
        ctx.store->update_case(*older);
        ctx.audit("case withdraw", c.customer_id, "ok", {{"case", older_id}, {"kind", c.kind}, {"superseded_by", c.id}});
    }
    ctx.store->insert_case(c);
    enqueue_notification(ctx, {c.customer_id, notify_to, "case_submitted",
                               {{"kind_name", case_kind_name(c.kind)}, {"case", c.id}, {"due", customer_date(ctx, c.due_at)}}, ""});
    nlohmann::json details = {{"case", c.id}, {"kind", c.kind}, {"due_at", ctx.format_time(c.due_at)},
                              {"face", c.face_result}};
    if (!c.account.empty()) details["account"] = mask_account(c.account);
    ctx.audit("case submit", c.customer_id, "ok", details);
    return c;
}

nlohmann::json case_json(const Context& ctx, const CaseRecord& c, bool full) {
    nlohmann::json j = {
        {"id", c.id},
        {"kind", c.kind},
        {"state", c.state},
        {"customer", c.customer_id},
        {"due_at", ctx.format_time(c.due_at)},
        {"reason", c.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.reason)},
        {"submitted_at", ctx.format_time(c.submitted_at)},
        {"overdue", c.state == "pending" && ctx.now > c.due_at},
    };
    if (!c.account.empty()) j["account"] = mask_account(c.account);
    if (!full) return j;
    j["submitted_by"] = c.submitted_by;
    j["expires_at"] = ctx.format_time(c.expires_at);
    j["face"] = {{"result", c.face_result}, {"ref", c.face_ref.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.face_ref)}};
    if (!c.contact_phone.empty()) j["contact_phone"] = mask_phone(c.contact_phone);
    if (!c.staged_phone.empty()) j["new_phone"] = mask_phone(c.staged_phone);
    // Whether the sealed copy of a staged secret is still held (it is wiped by the decision).
    j["staged_secret"] = !c.staged_secret_enc.empty();
    nlohmann::json materials = nlohmann::json::array();
    for (const auto& m : c.materials) {
        materials.push_back({{"role", m.role}, {"sha256", m.sha256}, {"media", m.media}, {"size", m.size}});
    }
    j["materials"] = materials;
    j["checks"] = nlohmann::json::parse(c.checks, nullptr, false);
    if (c.decided_at) {
        j["decision"] = {{"by", c.decided_by}, {"at", ctx.format_time(*c.decided_at)}, {"auto", c.decision_auto},
                         {"note", c.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.note)}};
    } else {
        j["decision"] = nullptr;
    }
    return j;
}

CaseRecord require_case(Context& ctx, const std::string& id) {
    auto c = ctx.store->find_case(id);
    if (!c) fail(Exit::not_found, "not-found", "no case '{}' (see `kunlunctl review list`)", id);
    return std::move(*c);
}

nlohmann::json list_cases(Context& ctx, const std::optional<std::string>& state, const std::optional<std::string>& kind,
                          bool overdue) {
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::admin, Role::operator_, Role::reviewer, Role::auditor}, "review list");
    CaseFilter filter;
    filter.state = state;
    filter.kind = kind;
    if (overdue) filter.overdue_at = ctx.now;
    nlohmann::json out = nlohmann::json::array();
    ctx.store->for_each_case(filter, [&](const CaseRecord& c) {
        out.push_back(case_json(ctx, c));
        return true;
    });
    return out;
}

nlohmann::json show_case(Context& ctx, const std::string& id) {
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::admin, Role::operator_, Role::reviewer, Role::auditor}, "review show");
    return case_json(ctx, require_case(ctx, id), true);
}

}  // namespace kunlun
