#include "rules/token_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

namespace kunlun {
namespace {

constexpr std::array<std::pair<TokenStatus, std::string_view>, 4> kStatusNames = {{
    {TokenStatus::not_enabled, "not-enabled"},
    {TokenStatus::active, "active"},
    {TokenStatus::frozen, "frozen"},
    {TokenStatus::frozen_permanent, "frozen-permanent"},
}};

// Messages carry times in UTC so that they read the same in every log; the flow prints
// `until` in the bank's zone where the customer sees it.
std::string utc(Instant t) { return format_rfc3339(t, std::chrono::seconds{0}, true); }

bool listed(const std::vector<std::string>& apps, std::string_view app) {
    return std::find(apps.begin(), apps.end(), app) != apps.end();
}

TokenApp* find_app(TokenState& state, std::string_view app) {
    auto it = std::find_if(state.apps.begin(), state.apps.end(), [&](const TokenApp& a) { return a.app == app; });
    return it == state.apps.end() ? nullptr : &*it;
}

// A refused event: the state as it was (after the settle), the settle's effects, the reason.
TokenTransition refuse(TokenTransition settled, std::string slug, std::string message,
                       std::optional<Instant> until = std::nullopt) {
    settled.refusal = TokenRefusal{std::move(slug), std::move(message), until};
    return settled;
}

TokenTransition refuse_frozen(TokenTransition settled) {
    const auto& s = settled.next;
    if (s.status == TokenStatus::frozen_permanent) {
        return refuse(std::move(settled), "token-frozen",
                      "the mobile security code is frozen permanently: unfreeze at a branch or with the "
                      "e-password device");
    }
    if (!s.frozen_until) {
        // No end recorded (a damaged record): it cannot end by itself, so only a branch helps.
        return refuse(std::move(settled), "token-frozen", "the mobile security code is frozen: unfreeze at a branch");
    }
    auto until = *s.frozen_until;
    return refuse(std::move(settled), "token-frozen",
                  fmt::format("the mobile security code is frozen until {}: unfreeze at a branch, or wait until then",
                              utc(until)),
                  until);
}

TokenTransition refuse_not_enabled(TokenTransition settled, std::string_view what) {
    return refuse(std::move(settled), "token-not-enabled",
                  fmt::format("the mobile security code is not enabled on this device: enable it in an app before {}",
                              what));
}

// The app the event names must be installed on the device (the flow seeds `apps` from the
// device record); nullptr after filling in the refusal.
TokenApp* installed(TokenTransition& t, std::string_view app) {
    TokenApp* a = find_app(t.next, app);
    if (a == nullptr) {
        t = refuse(std::move(t), "app-not-installed",
                   fmt::format("the app '{}' is not installed on this device", app));
    }
    return a;
}

// As installed(), and the app must be linked to the token.
TokenApp* linked(TokenTransition& t, std::string_view app, std::string_view what) {
    TokenApp* a = installed(t, app);
    if (a != nullptr && !a->linked) {
        t = refuse(std::move(t), "app-not-linked",
                   fmt::format("the app '{}' is not linked to the mobile security code on this device: sync it "
                               "before {}",
                               app, what));
        return nullptr;
    }
    return a;
}

// Links `app` with a fresh high-risk wait: the wait restarts on every enable and sync.
void link(TokenTransition& t, TokenApp& app, Instant now, const TokenPolicy& policy) {
    app.linked = true;
    // Biometric login is its own step (PIN + SMS code + the device's check), never carried over.
    app.biometric = false;
    bool waits = listed(policy.waiting_apps, app.app) && policy.high_risk_wait > std::chrono::seconds{0};
    app.high_risk_from = waits ? now + policy.high_risk_wait : now;
    if (waits) t.effects.push_back(TokenEffect::high_risk_wait_started);
}

void clear_counter(TokenTransition& t) {
    if (t.next.wrong_pins > 0) t.effects.push_back(TokenEffect::counter_cleared);
    t.next.wrong_pins = 0;
}

void enable(TokenTransition& t, const TokenEvent& e, const TokenPolicy& policy) {
    if (t.next.status == TokenStatus::active) {
        const TokenApp* a = find_token_app(t.next, e.app);
        std::string message =
            a != nullptr && a->linked
                ? fmt::format("the mobile security code is already enabled in '{}' on this device", e.app)
                : fmt::format("the mobile security code is already enabled on this device: use sync to link '{}', "
                              "or disable it first",
                              e.app);
        t = refuse(std::move(t), "token-already-enabled", std::move(message));
        return;
    }
    TokenApp* a = installed(t, e.app);
    if (a == nullptr) return;
    t.next.status = TokenStatus::active;
    // A new PIN has just been set: the count of wrong ones starts again.
    clear_counter(t);
    link(t, *a, e.now, policy);
}

void sync(TokenTransition& t, const TokenEvent& e, const TokenPolicy& policy) {
    if (t.next.status == TokenStatus::not_enabled) {
        t = refuse_not_enabled(std::move(t), "syncing another app to it");
        return;
    }
    TokenApp* a = installed(t, e.app);
    if (a == nullptr) return;
    if (a->linked) {
        t = refuse(std::move(t), "app-already-linked",
                   fmt::format("the app '{}' is already linked to the mobile security code on this device", e.app));
        return;
    }
    bool another = std::any_of(t.next.apps.begin(), t.next.apps.end(), [](const TokenApp& x) { return x.linked; });
    if (!another) {
        // Active with no app holding it cannot come out of these rules; a record that says so
        // has nothing to sync from, so the customer enables afresh.
        t = refuse_not_enabled(std::move(t), "syncing: no app on this device holds it");
        return;
    }
    link(t, *a, e.now, policy);
}

void disable(TokenTransition& t, const TokenEvent& e, const TokenPolicy& policy) {
    if (t.next.status == TokenStatus::not_enabled) {
        t = refuse_not_enabled(std::move(t), "disabling it");
        return;
    }
    if (linked(t, e.app, "disabling the mobile security code from it") == nullptr) return;
    bool biometrics = false;
    for (auto& a : t.next.apps) {
        biometrics = biometrics || a.biometric;
        a.linked = false;
        a.biometric = false;
        a.high_risk_from.reset();
    }
    t.next.status = TokenStatus::not_enabled;
    // The PIN the counter counted against is gone with the token.
    clear_counter(t);
    if (listed(policy.session_ending_apps, e.app)) t.effects.push_back(TokenEffect::sessions_ended);
    if (biometrics) t.effects.push_back(TokenEffect::biometrics_off);
}

void pin_ok(TokenTransition& t, const TokenEvent& e) {
    if (t.next.status == TokenStatus::not_enabled) {
        t = refuse_not_enabled(std::move(t), "a PIN can be checked");
        return;
    }
    // Installed is enough: sync checks the PIN in the app that is about to be linked.
    if (installed(t, e.app) == nullptr) return;
    clear_counter(t);
}

void pin_wrong(TokenTransition& t, const TokenEvent& e, const TokenPolicy& policy) {
    if (t.next.status == TokenStatus::not_enabled) {
        t = refuse_not_enabled(std::move(t), "a PIN can be checked");
        return;
    }
    if (installed(t, e.app) == nullptr) return;
    auto& s = t.next;
    ++s.wrong_pins;
    if (s.wrong_pins < policy.max_wrong_pins) return;
    // The counter stays at its maximum while frozen: it shows why, and unfreezing clears it.
    s.freezes.push_back(e.now);
    auto recent = static_cast<std::int64_t>(freezes_within(s, e.now, policy).size());
    if (recent >= policy.permanent_after_freezes) {
        s.status = TokenStatus::frozen_permanent;
        s.frozen_until.reset();
        t.effects.push_back(TokenEffect::frozen_permanent);
    } else {
        s.status = TokenStatus::frozen;
        s.frozen_until = e.now + policy.freeze_duration;
        t.effects.push_back(TokenEffect::frozen);
    }
}

void high_risk_use(TokenTransition& t, const TokenEvent& e) {
    if (t.next.status == TokenStatus::not_enabled) {
        t = refuse_not_enabled(std::move(t), "it can confirm a high-risk transaction");
        return;
    }
    const TokenApp* a = linked(t, e.app, "confirming a high-risk transaction in it");
    if (a == nullptr) return;
    if (!a->high_risk_from) {
        // Linked without a start (a damaged record): refused rather than guessed open.
        t = refuse(std::move(t), "high-risk-not-yet",
                   fmt::format("the mobile security code in '{}' has no high-risk start time: sync it again", e.app));
        return;
    }
    if (e.now < *a->high_risk_from) {
        auto from = *a->high_risk_from;
        t = refuse(std::move(t), "high-risk-not-yet",
                   fmt::format("the mobile security code in '{}' may confirm high-risk transactions from {}", e.app,
                               utc(from)),
                   from);
    }
}

void biometric(TokenTransition& t, const TokenEvent& e, bool on) {
    if (t.next.status == TokenStatus::not_enabled) {
        t = refuse_not_enabled(std::move(t), "switching biometric login");
        return;
    }
    TokenApp* a = linked(t, e.app, "switching biometric login in it");
    if (a == nullptr) return;
    // Switching to the position it already has is not an error: the customer gets what was asked.
    a->biometric = on;
}

void unfreeze(TokenTransition& t, const TokenEvent& e) {
    auto& s = t.next;
    if (!is_frozen(s.status)) {
        t = refuse(std::move(t), "token-not-frozen", "the mobile security code on this device is not frozen");
        return;
    }
    if (e.kind == TokenEventKind::unfreeze_device && s.status == TokenStatus::frozen) {
        // Seed 003: the e-password device ends a permanent freeze only; a 24-hour one needs a
        // branch or time.
        if (s.frozen_until) {
            auto until = *s.frozen_until;
            t = refuse(std::move(t), "unfreeze-not-allowed",
                       fmt::format("a 24-hour freeze cannot be ended with the e-password device: unfreeze at a "
                                   "branch, or wait until {}",
                                   utc(until)),
                       until);
        } else {
            t = refuse(std::move(t), "unfreeze-not-allowed",
                       "a 24-hour freeze cannot be ended with the e-password device: unfreeze at a branch");
        }
        return;
    }
    s.status = TokenStatus::active;
    s.frozen_until.reset();
    t.effects.push_back(TokenEffect::unfrozen);
    clear_counter(t);
}

}  // namespace

std::string_view token_status_name(TokenStatus status) {
    for (const auto& [s, name] : kStatusNames) {
        if (s == status) return name;
    }
    return "unknown";
}

std::optional<TokenStatus> parse_token_status(std::string_view text) {
    for (const auto& [s, name] : kStatusNames) {
        if (name == text) return s;
    }
    return std::nullopt;
}

std::string_view token_event_name(TokenEventKind kind) {
    switch (kind) {
        case TokenEventKind::enable: return "enable";
        case TokenEventKind::sync: return "sync";
        case TokenEventKind::disable: return "disable";
        case TokenEventKind::pin_ok: return "pin-ok";
        case TokenEventKind::pin_wrong: return "pin-wrong";
        case TokenEventKind::high_risk_use: return "high-risk-use";
        case TokenEventKind::biometric_on: return "biometric-on";
        case TokenEventKind::biometric_off: return "biometric-off";
        case TokenEventKind::unfreeze_branch: return "unfreeze-branch";
        case TokenEventKind::unfreeze_device: return "unfreeze-device";
    }
    return "unknown";
}

std::string_view token_effect_name(TokenEffect effect) {
    switch (effect) {
        case TokenEffect::frozen: return "frozen";
        case TokenEffect::frozen_permanent: return "frozen-permanent";
        case TokenEffect::unfrozen_expired: return "unfrozen-expired";
        case TokenEffect::unfrozen: return "unfrozen";
        case TokenEffect::counter_cleared: return "counter-cleared";
        case TokenEffect::sessions_ended: return "sessions-ended";
        case TokenEffect::high_risk_wait_started: return "high-risk-wait-started";
        case TokenEffect::biometrics_off: return "biometrics-off";
    }
    return "unknown";
}

const TokenApp* find_token_app(const TokenState& state, std::string_view app) {
    auto it = std::find_if(state.apps.begin(), state.apps.end(), [&](const TokenApp& a) { return a.app == app; });
    return it == state.apps.end() ? nullptr : &*it;
}

std::int64_t wrong_pins_left(const TokenState& state, const TokenPolicy& policy) {
    if (state.status != TokenStatus::active) return 0;
    return std::max<std::int64_t>(0, policy.max_wrong_pins - state.wrong_pins);
}

std::vector<Instant> freezes_within(const TokenState& state, Instant now, const TokenPolicy& policy) {
    std::vector<Instant> out;
    for (auto f : state.freezes) {
        // Both ends count: a freeze exactly freeze_window ago is still "within 90 days".
        if (f >= now - policy.freeze_window && f <= now) out.push_back(f);
    }
    std::sort(out.begin(), out.end());
    return out;
}

TokenTransition settle(const TokenState& state, Instant now, const TokenPolicy& /*policy*/) {
    TokenTransition t{state, {}, std::nullopt};
    auto& s = t.next;
    // At frozen_until itself the 24 hours are over.
    if (s.status == TokenStatus::frozen && s.frozen_until && now >= *s.frozen_until) {
        s.status = TokenStatus::active;
        s.frozen_until.reset();
        // The expiry entry says the counter went with it: no separate counter_cleared.
        s.wrong_pins = 0;
        t.effects.push_back(TokenEffect::unfrozen_expired);
    }
    return t;
}

TokenTransition apply(const TokenState& state, const TokenEvent& event, const TokenPolicy& policy) {
    TokenTransition t = settle(state, event.now, policy);
    bool unfreezing = event.kind == TokenEventKind::unfreeze_branch || event.kind == TokenEventKind::unfreeze_device;
    // While frozen nothing but an unfreeze is looked at: not the app, not the PIN.
    if (is_frozen(t.next.status) && !unfreezing) return refuse_frozen(std::move(t));
    switch (event.kind) {
        case TokenEventKind::enable: enable(t, event, policy); break;
        case TokenEventKind::sync: sync(t, event, policy); break;
        case TokenEventKind::disable: disable(t, event, policy); break;
        case TokenEventKind::pin_ok: pin_ok(t, event); break;
        case TokenEventKind::pin_wrong: pin_wrong(t, event, policy); break;
        case TokenEventKind::high_risk_use: high_risk_use(t, event); break;
        case TokenEventKind::biometric_on: biometric(t, event, true); break;
        case TokenEventKind::biometric_off: biometric(t, event, false); break;
        case TokenEventKind::unfreeze_branch:
        case TokenEventKind::unfreeze_device: unfreeze(t, event); break;
    }
    return t;
}

}  // namespace kunlun
