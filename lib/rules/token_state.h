// The mobile security code — the device soft token (domain.md §5, seed 003) — as a state
// machine of pure rules: one token per (customer, device), each app on the device linked to it
// or not, with its own biometric switch and the time from which it may confirm high-risk
// transactions. No I/O and no clock: `now` travels in the event, the numbers in TokenPolicy
// (filled from `[policy.token]`). The flows check secrets and identity, then feed the outcome
// here as events and persist and audit what comes back. docs/token.md has the table.
#pragma once

#include "rules/rfc3339.h"  // Instant, the same alias as store/records.h

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kunlun {

enum class TokenStatus { not_enabled, active, frozen, frozen_permanent };

// "not-enabled" | "active" | "frozen" | "frozen-permanent": the spellings of `token status`
// and of the store.
std::string_view token_status_name(TokenStatus status);
std::optional<TokenStatus> parse_token_status(std::string_view text);

// Frozen for 24 hours or permanently: the states in which only unfreeze is accepted.
constexpr bool is_frozen(TokenStatus status) {
    return status == TokenStatus::frozen || status == TokenStatus::frozen_permanent;
}

// One app installed on the device.
struct TokenApp {
    std::string app;
    bool linked = false;
    bool biometric = false;                   // only ever true while linked
    std::optional<Instant> high_risk_from{};  // set while linked: high-risk use allowed from then on

    friend bool operator==(const TokenApp&, const TokenApp&) = default;
};

struct TokenState {
    TokenStatus status = TokenStatus::not_enabled;
    std::optional<Instant> frozen_until{};  // set while status == frozen
    std::int64_t wrong_pins = 0;            // consecutive wrong PINs
    // Start times of the freezes, both kinds, oldest first; the flow keeps those within the window.
    std::vector<Instant> freezes{};
    // One entry per app installed on the device; the flow seeds it from the device's app list.
    std::vector<TokenApp> apps{};

    friend bool operator==(const TokenState&, const TokenState&) = default;
};

// The numbers of domain.md §5, defaults as there; each has a `policy.token.*` key (docs/token.md).
struct TokenPolicy {
    std::int64_t max_wrong_pins = 6;                               // policy.token.max_pin_failures
    std::chrono::seconds freeze_duration{std::chrono::hours{24}};  // policy.token.freeze_hours
    std::int64_t permanent_after_freezes = 3;                      // policy.token.permanent_after
    std::chrono::seconds freeze_window{std::chrono::days{90}};     // policy.token.freeze_window_days
    std::chrono::seconds high_risk_wait{std::chrono::hours{6}};    // policy.token.high_risk_delay_hours
    // policy.token.waiting_apps: apps with the high-risk wait after enable and sync.
    std::vector<std::string> waiting_apps{"mobile-banking"};
    // policy.token.session_ending_apps: disabling there logs the customer out.
    std::vector<std::string> session_ending_apps{"invest"};
};

enum class TokenEventKind {
    enable,           // enabled in `app` (login, ID digits, SMS code and the new PIN checked by the flow)
    sync,             // `app` linked to the token another app holds (PIN fed before as pin_ok)
    disable,          // disabled in `app`: every app on the device loses it
    pin_ok,           // the PIN entered in `app` was right
    pin_wrong,        // the PIN entered in `app` was wrong
    high_risk_use,    // `app` wants to confirm a high-risk transaction with the token
    biometric_on,     // in `app`; PIN, SMS code and the device's biometric check done by the flow
    biometric_off,    // in `app`
    unfreeze_branch,  // at a branch, identity checked in person by the operator
    unfreeze_device,  // with a code from the customer's e-password device
};

// "enable", "sync", "disable", "pin-ok", "pin-wrong", "high-risk-use", "biometric-on",
// "biometric-off", "unfreeze-branch", "unfreeze-device": for audit details and reports.
std::string_view token_event_name(TokenEventKind kind);

struct TokenEvent {
    TokenEventKind kind;
    std::string app;  // the app the customer acts in; ignored by unfreeze_* (the token is per device)
    Instant now{};
};

// What a transition did beyond the state itself, for the audit log and the notifications.
enum class TokenEffect {
    frozen,                  // frozen until frozen_until
    frozen_permanent,        // frozen until unfrozen at a branch or with the e-password device
    unfrozen_expired,        // a 24-hour freeze found ended (audit: "unfrozen: expired")
    unfrozen,                // ended by unfreeze_branch / unfreeze_device
    counter_cleared,         // a non-zero wrong-PIN counter set back to 0
    sessions_ended,          // the customer must log in again (disable from a session-ending app)
    high_risk_wait_started,  // the app's high-risk wait (re)started
    biometrics_off,          // disable turned off at least one app's biometric switch
};

// "frozen", "frozen-permanent", "unfrozen-expired", "unfrozen", "counter-cleared",
// "sessions-ended", "high-risk-wait-started", "biometrics-off".
std::string_view token_effect_name(TokenEffect effect);

// Why an event is not allowed. The flow answers exit 77 (Exit::refused) with this slug and
// message; `until` is the time the refusal is about (frozen_until, high_risk_from), for the
// flow to print in the bank's zone. The message gives it in RFC 3339 UTC.
struct TokenRefusal {
    std::string slug;
    std::string message;
    std::optional<Instant> until{};
};

struct TokenTransition {
    TokenState next;
    std::vector<TokenEffect> effects{};
    std::optional<TokenRefusal> refusal{};
};

// A 24-hour freeze whose frozen_until has passed (now >= frozen_until) becomes active,
// wrong_pins cleared, effect unfrozen_expired. Any other state comes back as it is, no effects.
TokenTransition settle(const TokenState& state, Instant now, const TokenPolicy& policy);

// Applies one event. It settles first (at event.now), so an ended freeze never refuses, and the
// settle's unfrozen_expired comes first in the effects. A refused event returns the settled
// state — the state given, unless the freeze had just ended — with its effects and no others.
// A wrong PIN is not a refusal here: it changes the counter (and may freeze); the flow refuses
// the command after persisting `next`.
TokenTransition apply(const TokenState& state, const TokenEvent& event, const TokenPolicy& policy);

// Starts of the freezes within [now - freeze_window, now], both ends included, oldest first:
// the ones that count towards a permanent freeze, for `token report`.
std::vector<Instant> freezes_within(const TokenState& state, Instant now, const TokenPolicy& policy);

// The app's entry, or nullptr when it is not installed on the device.
const TokenApp* find_token_app(const TokenState& state, std::string_view app);

// Wrong PINs the token still takes before it freezes, for the flow's "N attempts left"
// message: 6 when none was wrong, 1 after the fifth; 0 while frozen or not enabled.
std::int64_t wrong_pins_left(const TokenState& state, const TokenPolicy& policy);

}  // namespace kunlun
