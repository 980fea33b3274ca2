#include "flows/review.h"

#include "error.h"
#include "flows/cases.h"
#include "flows/command.h"
#include "flows/phone_change.h"
#include "notify/outbox.h"
#include "rules/identity.h"

#include <array>

namespace kunlun {
namespace {

struct Reason {
    std::string_view code;
    std::string_view text;  // the customer's words, for the SMS
};

constexpr std::array<Reason, 6> kReasons = {{
    {"weak-password", "新密码过于简单，不符合安全要求"},
    {"materials-unclear", "提交的证件照片不清晰或不完整"},
    {"face-mismatch", "人脸识别结果与证件照片不一致"},
    {"identity-mismatch", "身份信息核验不一致"},
    {"duplicate", "存在重复的申请"},
    {"other", "申请未满足审核要求"},
}};

// Where the result SMS goes: the contact phone for a login reset (the customer lost the
// reserved one), the reserved phone otherwise; a phone change tells both numbers.
std::vector<std::string> result_recipients(const CaseRecord& c, const std::optional<CustomerRecord>& customer) {
    if (c.kind == "reset-login" && !c.contact_phone.empty()) return {c.contact_phone};
    std::vector<std::string> to;
    if (customer) to.push_back(customer->phone);
    if (c.kind == "change-phone" && !c.staged_phone.empty() && (to.empty() || to.front() != c.staged_phone)) {
        to.push_back(c.staged_phone);
    }
    return to;
}

void notify_result(Context& ctx, const CaseRecord& c, const std::string& template_name, nlohmann::json params,
                   const std::vector<std::string>& recipients) {
    params["kind_name"] = case_kind_name(c.kind);
    params["case"] = c.id;
    for (const auto& to : recipients) enqueue_notification(ctx, {c.customer_id, to, template_name, params, ""});
}

void require_decidable(const Context& ctx, const CaseRecord& c) {
    if (c.state != "pending") {
        fail(Exit::refused, "already-decided", "case {} is {} already; it cannot be decided again", c.id, c.state);
    }
    if (c.submitted_by == ctx.operator_name) {
        fail(Exit::refused, "four-eyes", "'{}' submitted case {}: another reviewer must decide it", ctx.operator_name, c.id);
    }
    // Past its expiry a case is the batch's to close, not a reviewer's to decide.
    if (ctx.now > c.expires_at) {
        fail(Exit::refused, "already-decided", "case {} expired at {}; the customer must apply again", c.id,
             ctx.format_time(c.expires_at));
    }
}

void close_case(Context& ctx, CaseRecord& c, const std::string& state, const std::string& reason,
                const std::string& note, bool automatic) {
    c.state = state;
    c.decided_at = ctx.now;
    c.decided_by = ctx.operator_name;
    c.decision_auto = automatic;
    c.reason = reason;
    c.note = note;
    c.staged_secret_enc.clear();
    ctx.store->update_case(c);  // wipes the sealed copy in the same statement
}

// The case's customer: as the caller read it, or read now.
std::optional<CustomerRecord> customer_of(Context& ctx, const CaseRecord& c, const CustomerRecord* known) {
    if (known != nullptr) return *known;
    return ctx.store->find_customer(c.customer_id);
}

}  // namespace

bool is_reason_code(const std::string& code) {
    return std::any_of(kReasons.begin(), kReasons.end(), [&](const Reason& r) { return r.code == code; });
}

std::string reason_text(const std::string& code) {
    for (const auto& r : kReasons) {
        if (r.code == code) return std::string(r.text);
    }
    return std::string(kReasons.back().text);
}

void apply_approval(Context& ctx, CaseRecord& c, const std::string& note, bool automatic, CustomerRecord* known) {
    std::optional<CustomerRecord> read;
    if (known == nullptr) read = ctx.store->find_customer(c.customer_id);
    auto recipients = result_recipients(c, known != nullptr ? std::optional<CustomerRecord>(*known) : read);
    CustomerRecord* customer = known != nullptr ? known : read ? &*read : nullptr;
    if (customer == nullptr) fail(Exit::not_found, "not-found", "case {}: customer {} no longer exists", c.id, c.customer_id);
    if (c.kind == "reset-login") {
        auto& login = customer->login;
        login.hash = c.staged_hash;
        login.failures = 0;
        login.locked_at.reset();
        login.locked_reason.clear();
        login.must_change = false;
        ctx.store->update_login(customer->id, login);
        auto history = ctx.store->login_history(customer->id);
        history.insert(history.begin(), c.staged_hash);
        history.resize(std::min(history.size(), static_cast<std::size_t>(ctx.settings().login_history)));
        ctx.store->set_login_history(customer->id, history);
    } else if (c.kind == "reset-txn") {
        bool found = false;
        for (auto& a : customer->accounts) {
            if (a.number != c.account) continue;
            a.txn_hash = c.staged_hash;
            a.txn_failures = 0;
            a.txn_locked_at.reset();
            ctx.store->update_account_txn(a.number, a);
            found = true;
        }
        if (!found) fail(Exit::not_found, "not-found", "case {}: the account no longer exists", c.id);
    } else if (c.kind == "change-phone") {
        lock_reserved_phone(ctx, c.staged_phone);
        if (auto owner = ctx.store->customer_with_phone(c.staged_phone); owner && *owner != c.customer_id) {
            fail(Exit::data, "phone-taken", "case {}: {} became customer {}'s reserved phone meanwhile", c.id,
                 mask_phone(c.staged_phone), *owner);
        }
        ctx.store->update_phone(c.customer_id, c.staged_phone, ctx.now);
        notify_phone_changed(ctx, c.customer_id, customer->phone, c.staged_phone);
        customer->phone = c.staged_phone;
        customer->phone_changed_at = ctx.now;
    } else {
        fail(Exit::internal, "internal", "case {}: unknown kind {}", c.id, c.kind);
    }
    close_case(ctx, c, "approved", "", note, automatic);
    notify_result(ctx, c, "case_approved", nlohmann::json::object(), recipients);
    ctx.audit("review approve", c.customer_id, "ok",
              {{"case", c.id}, {"kind", c.kind}, {"auto", automatic}, {"submitted_by", c.submitted_by}});
}

void apply_rejection(Context& ctx, CaseRecord& c, const std::string& reason, const std::string& note, bool automatic,
                     const CustomerRecord* known) {
    auto recipients = result_recipients(c, customer_of(ctx, c, known));
    close_case(ctx, c, "rejected", reason, note, automatic);
    notify_result(ctx, c, "case_rejected", {{"reason", reason}, {"reason_text", reason_text(reason)}}, recipients);
    ctx.audit("review reject", c.customer_id, "ok",
              {{"case", c.id}, {"kind", c.kind}, {"reason", reason}, {"auto", automatic}});
}

void apply_expiry(Context& ctx, CaseRecord& c, const CustomerRecord* known) {
    auto recipients = result_recipients(c, customer_of(ctx, c, known));
    close_case(ctx, c, "expired", "", "", true);
    notify_result(ctx, c, "case_expired", {{"days", ctx.settings().review_expire_business_days}}, recipients);
    ctx.audit("review expire", c.customer_id, "ok", {{"case", c.id}, {"kind", c.kind}});
}

nlohmann::json approve_case(Context& ctx, const std::string& case_id, const std::string& note) {
    return run_write(ctx, "review approve", "", [&] {
        ctx.require_role({Role::reviewer}, "review approve");
        auto c = require_case(ctx, case_id);
        require_decidable(ctx, c);
        apply_approval(ctx, c, note, false);
        return case_json(ctx, c, true);
    });
}

nlohmann::json reject_case(Context& ctx, const std::string& case_id, const std::string& reason, const std::string& note) {
    if (!is_reason_code(reason)) {
        fail(Exit::usage, "usage",
             "unknown reason '{}': use weak-password, materials-unclear, face-mismatch, identity-mismatch, duplicate or other",
             reason);
    }
    return run_write(ctx, "review reject", "", [&] {
        ctx.require_role({Role::reviewer}, "review reject");
        auto c = require_case(ctx, case_id);
        require_decidable(ctx, c);
        apply_rejection(ctx, c, reason, note, false);
        return case_json(ctx, c, true);
    });
}

}  // namespace kunlun
