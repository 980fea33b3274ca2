#include "notify/outbox.h"

#include "error.h"
#include "flows/command.h"
#include "notify/delivery.h"
#include "rules/identity.h"

namespace kunlun {
namespace {

const std::string& template_text(const Settings& s, const std::string& name) {
    if (name == "otp") return s.tpl_otp;
    if (name == "login_password_changed") return s.tpl_login_changed;
    if (name == "txn_password_changed") return s.tpl_txn_changed;
    if (name == "case_submitted") return s.tpl_case_submitted;
    if (name == "case_approved") return s.tpl_case_approved;
    if (name == "case_rejected") return s.tpl_case_rejected;
    if (name == "case_expired") return s.tpl_case_expired;
    if (name == "phone_changed") return s.tpl_phone_changed;
    if (name == "token_frozen") return s.tpl_token_frozen;
    fail(Exit::internal, "internal", "no message template '{}'", name);
}

}  // namespace

std::string render_template(const Settings& settings, const std::string& name, const nlohmann::json& params) {
    std::string text = template_text(settings, name);
    nlohmann::json all = params;
    all["bank"] = settings.bank_name;
    all["sms_number"] = settings.bank_sms_number;
    for (const auto& [key, value] : all.items()) {
        std::string placeholder = "{" + key + "}";
        std::string replacement = value.is_string() ? value.get<std::string>() : value.dump();
        for (auto pos = text.find(placeholder); pos != std::string::npos;
             pos = text.find(placeholder, pos + replacement.size())) {
            text.replace(pos, placeholder.size(), replacement);
        }
    }
    return text;
}

OutboxMessage queued_message(const Context& ctx, const Notification& n) {
    nlohmann::json stored = n.params;
    nlohmann::json secret = nlohmann::json::object();
    if (!n.secret_param.empty() && stored.contains(n.secret_param)) {
        secret[n.secret_param] = stored[n.secret_param];
        stored[n.secret_param] = "******";
    }
    OutboxMessage m;
    m.customer_id = n.customer_id;
    m.to = n.to;
    m.template_name = n.template_name;
    m.params = stored.dump();
    m.text = render_template(ctx.settings(), n.template_name, stored);
    if (!secret.empty()) m.secret_params = secret.dump();
    m.created_at = ctx.now;
    m.next_attempt_at = ctx.now;
    return m;
}

std::int64_t enqueue_notification(Context& ctx, const Notification& n) {
    return ctx.store->enqueue(queued_message(ctx, n));
}

nlohmann::json sink_message(const Context& ctx, const OutboxMessage& m) {
    nlohmann::json params = nlohmann::json::parse(m.params, nullptr, false);
    if (!params.is_object()) params = nlohmann::json::object();
    std::string text = m.text;
    if (!m.secret_params.empty()) {
        nlohmann::json secret = nlohmann::json::parse(m.secret_params, nullptr, false);
        if (secret.is_object()) {
            for (const auto& [key, value] : secret.items()) params[key] = value;
            text = render_template(ctx.settings(), m.template_name, params);
        }
    }
    return {{"id", m.id},       {"to", m.to},   {"template", m.template_name},
            {"params", params}, {"text", text}, {"at", ctx.format_time(ctx.now)}};
}

nlohmann::json outbox_row(const Context& ctx, const OutboxMessage& m) {
    return {{"id", m.id},
            {"customer", m.customer_id},
            {"to", mask_phone(m.to)},
            {"template", m.template_name},
            {"state", m.state},
            {"attempts", m.attempts},
            {"created_at", ctx.format_time(m.created_at)},
            {"next_attempt_at",
             m.state == "pending" ? nlohmann::json(ctx.format_time(m.next_attempt_at)) : nlohmann::json(nullptr)},
            {"sent_at", m.sent_at ? nlohmann::json(ctx.format_time(*m.sent_at)) : nlohmann::json(nullptr)},
            {"last_error", m.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.last_error)}};
}

nlohmann::json list_outbox(Context& ctx, const std::optional<std::string>& state, std::optional<std::int64_t> limit) {
    if (limit && *limit < 0) fail(Exit::usage, "usage", "--limit must be 0 or more");
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::operator_, Role::admin}, "notify list");
    nlohmann::json rows = nlohmann::json::array();
    if (limit && *limit == 0) return rows;
    ctx.store->for_each_outbox(state, std::nullopt, [&](const OutboxMessage& m) {
        rows.push_back(outbox_row(ctx, m));
        return !limit || static_cast<std::int64_t>(rows.size()) < *limit;
    });
    return rows;
}

nlohmann::json dispatch_notifications(Context& ctx, const std::atomic<bool>* stop) {
    {
        Transaction tx(*ctx.store, Transaction::Kind::read);
        ctx.require_role({Role::operator_, Role::admin}, "notify dispatch");
    }
    return deliver_outbox(ctx, stop).to_json();
}

nlohmann::json retry_dead(Context& ctx, std::optional<std::int64_t> id) {
    return run_write(ctx, "notify retry", "", [&] {
        ctx.require_role({Role::operator_, Role::admin}, "notify retry");
        std::vector<OutboxMessage> dead;
        // Dead letters come from the (state, id) index; only a refusal
        // walks the whole outbox to tell an unknown id from a message that is not dead.
        ctx.store->for_each_outbox(std::string("dead"), std::nullopt, [&](const OutboxMessage& m) {
            if (!id || m.id == *id) dead.push_back(m);
            return !id || m.id != *id;
        });
        if (id && dead.empty()) {
            std::optional<OutboxMessage> found;
            ctx.store->for_each_outbox(std::nullopt, std::nullopt, [&](const OutboxMessage& m) {
                if (m.id == *id) found = m;
                return m.id < *id;
            });
            if (!found)
                fail(Exit::not_found, "not-found", "no message {} in the outbox (see `kunlunctl notify list`)", *id);
            fail(Exit::refused, "not-dead",
                 "message {} is {}, not a dead letter: only dead letters are retried "
                 "(see `kunlunctl notify list --state dead`)",
                 *id, found->state);
        }
        nlohmann::json ids = nlohmann::json::array();
        for (auto& m : dead) {
            m.state = "pending";
            m.attempts = 0;
            m.next_attempt_at = ctx.now;
            ctx.store->update_outbox(m);
            ids.push_back(m.id);
        }
        if (!dead.empty()) {
            ctx.audit("notify retry", id ? std::string_view(dead.front().customer_id) : std::string_view(), "ok",
                      {{"ids", ids}, {"count", dead.size()}, {"all_dead", !id.has_value()}});
        }
        return nlohmann::json({{"retried", dead.size()}, {"ids", ids}});
    });
}

}  // namespace kunlun
