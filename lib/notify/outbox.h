// Every notification goes through the outbox, in the transaction that causes it (docs/notify.md).
// One-time codes are delivered at once, right after that transaction commits
// (notify/delivery.h); the stored row holds the code only sealed, until it is delivered.
#pragma once

#include "flows/context.h"

#include <nlohmann/json.hpp>

#include <atomic>

namespace kunlun {

struct Notification {
    std::string customer_id;
    std::string to;                // E.164
    std::string template_name;     // otp | login_password_changed | ...
    nlohmann::json params = nlohmann::json::object();
    std::string secret_param;      // a param to redact in the stored row ("code")
};

// Renders the template of `name` with params (+ {bank}, {sms_number}).
std::string render_template(const Settings& settings, const std::string& name, const nlohmann::json& params);

// The row a notification is queued as: params with the secret one redacted ("******") and
// kept apart in secret_params, the text rendered from the redacted params.
OutboxMessage queued_message(const Context& ctx, const Notification& n);
std::int64_t enqueue_notification(Context& ctx, const Notification& n);
// What a sink receives for a queued message: {"id", "to", "template", "params", "text", "at"},
// the secret params restored and the text rendered with them.
nlohmann::json sink_message(const Context& ctx, const OutboxMessage& m);
nlohmann::json outbox_row(const Context& ctx, const OutboxMessage& m);

// `notify list [--state S] [--limit N]` (operator, admin): messages in id order, as
// outbox_row; every matching one unless a limit is given.
nlohmann::json list_outbox(Context& ctx, const std::optional<std::string>& state,
                           std::optional<std::int64_t> limit = std::nullopt);
// `notify dispatch` (operator, admin): the role check, then deliver_outbox (notify/delivery.h);
// `stop` (SIGINT/SIGTERM) ends it after the page in flight. {"sent", "retrying", "dead",
// "interrupted"}.
nlohmann::json dispatch_notifications(Context& ctx, const std::atomic<bool>* stop = nullptr);
// `notify retry ID | --all-dead` (operator, admin): puts dead letters back in the queue
// (pending, attempts 0, due now), audited in the same transaction. With an id: 67
// `not-found` for an unknown message, 77 `not-dead` for one that is not a dead letter.
// Returns {"retried": N, "ids": [...]}.
nlohmann::json retry_dead(Context& ctx, std::optional<std::int64_t> id);

}  // namespace kunlun
