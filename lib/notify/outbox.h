// Every notification goes through the outbox, in the transaction that causes it (domain.md
// §7). One-time codes are delivered at once, inside that transaction: either the code is
// stored and delivered, or neither. The stored row never holds the code.
#pragma once

#include "flows/context.h"

#include <nlohmann/json.hpp>

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

std::int64_t enqueue_notification(Context& ctx, const Notification& n);
// Enqueues and delivers now (one-time codes). A sink failure throws (74) and the caller's
// transaction rolls back, so no code exists that the customer never got.
void deliver_now(Context& ctx, const Notification& n);

// Delivers every pending message that is due; retries with back-off; parks dead letters.
// No role check: the caller has made it (`notify dispatch`: operator or admin; the review
// batch: reviewer, which delivers the notifications it causes itself).
nlohmann::json dispatch_outbox(Context& ctx);
nlohmann::json outbox_row(const Context& ctx, const OutboxMessage& m);

// `notify list [--state S] [--limit N]` (operator, admin): messages in id order, as
// outbox_row; every matching one unless a limit is given.
nlohmann::json list_outbox(Context& ctx, const std::optional<std::string>& state,
                           std::optional<std::int64_t> limit = std::nullopt);
// `notify dispatch` (operator, admin): the role check, then dispatch_outbox.
nlohmann::json dispatch_notifications(Context& ctx);
// `notify retry ID | --all-dead` (operator, admin): puts dead letters back in the queue
// (pending, attempts 0, due now), audited in the same transaction. With an id: 67
// `not-found` for an unknown message, 77 `not-dead` for one that is not a dead letter.
// Returns {"retried": N, "ids": [...]}.
nlohmann::json retry_dead(Context& ctx, std::optional<std::int64_t> id);

}  // namespace kunlun
