// The token commands. Each one: settle a freeze that has run out (its own transaction), then
// one write transaction — the state machine's verdict first (a frozen token is refused before
// any other check), then identity / codes / PIN, then the new state, audit and SMS together.
#include "flows/token.h"

#include "crypto/password_hash.h"
#include "crypto/random.h"
#include "error.h"
#include "flows/command.h"
#include "flows/customers.h"
#include "flows/otp.h"
#include "flows/otp_device.h"
#include "flows/phone_change.h"
#include "flows/token_state_io.h"
#include "notify/outbox.h"
#include "rules/identity.h"

#include <algorithm>

namespace kunlun {
namespace {

void notify_frozen(Context& ctx, const LoadedToken& l) {
    std::string until = l.state.status == TokenStatus::frozen
                            ? "至" + ctx.format_time(*l.state.frozen_until)
                            : std::string("（永久冻结，请至网点或使用电子密码器解冻）");
    enqueue_notification(ctx, {l.customer.id, l.customer.phone, "token_frozen", {{"until_text", until}}, ""});
}

// Checks the PIN entered in `app`. A wrong one counts towards the freeze: the count (and a
// freeze it causes, with its SMS) is kept and the command refused. The refusal is the one
// audit entry of the command (run_write writes it): what the wrong PIN did — the state and a
// freeze's effect — goes into its details rather than into a second entry.
void check_pin(Context& ctx, LoadedToken& l, const std::string& app, const Secret& pin) {
    bool right = !l.pin_hash.empty() && verify_secret(pin, l.pin_hash);
    auto t = apply(l.state, TokenEvent{right ? TokenEventKind::pin_ok : TokenEventKind::pin_wrong, app, ctx.now}, l.policy);
    if (t.refusal) refuse_token(ctx, *t.refusal);
    l.state = t.next;
    if (right) {
        if (needs_rehash(l.pin_hash, ctx.argon2_cost())) l.pin_hash = hash_secret(pin, ctx.argon2_cost());
        return;
    }
    save_token(ctx, l);
    ctx.refusal_scope.update(token_audit_details(l, app, t.effects));
    if (is_frozen(l.state.status)) {
        notify_frozen(ctx, l);
        if (l.state.status == TokenStatus::frozen) {
            throw KeptRefusal(Exit::refused, "token-frozen",
                              fmt::format("wrong PIN: {} in a row; the mobile security code is frozen until {}",
                                          l.policy.max_wrong_pins, ctx.format_time(*l.state.frozen_until)));
        }
        throw KeptRefusal(Exit::refused, "token-frozen",
                          fmt::format("wrong PIN: {} in a row, freeze number {} within {} days; the mobile security "
                                      "code is frozen permanently: unfreeze at a branch or with the e-password device",
                                      l.policy.max_wrong_pins, l.policy.permanent_after_freezes,
                                      std::chrono::duration_cast<std::chrono::days>(l.policy.freeze_window).count()));
    }
    throw KeptRefusal(Exit::refused, "wrong-password",
                      fmt::format("wrong PIN; {} more wrong PIN(s) freeze the mobile security code",
                                  wrong_pins_left(l.state, l.policy)));
}

// The 3 digits asked for by `token challenge`: a wrong answer uses the challenge up.
void check_id_digits(Context& ctx, const LoadedToken& l, const std::string& digits) {
    auto ch = ctx.store->find_token_challenge(l.customer.id, l.device.id);
    if (!ch || ch->state != "active") {
        fail(Exit::refused, "challenge-invalid", "no open ID-digit challenge for device {}: run `kunlunctl token "
             "challenge --customer {} --device {}` first", l.device.id, l.customer.id, l.device.id);
    }
    if (ctx.now >= ch->expires_at) {
        fail(Exit::refused, "challenge-expired", "the ID-digit challenge expired at {}: ask for a new one",
             ctx.format_time(ch->expires_at));
    }
    bool right = digits.size() == ch->positions.size();
    for (std::size_t i = 0; right && i < digits.size(); ++i) {
        auto pos = static_cast<std::size_t>(ch->positions[i]);
        right = pos >= 1 && pos <= l.customer.id_number.size() && l.customer.id_number[pos - 1] == digits[i];
    }
    ch->state = "used";
    ctx.store->put_token_challenge(*ch);
    if (!right) {
        throw KeptRefusal(Exit::refused, "id-digits-mismatch",
                          "the ID-number digits do not match the positions asked for; the challenge is used up: ask "
                          "for a new one");
    }
}


// The frame of every token command that changes state: settle an ended freeze (its own
// transaction), then one write transaction that loads the token after the role check and,
// unless the command is an unfreeze, refuses a frozen token before anything else.
enum class WhileFrozen { refuse, allow };

template <typename F>
nlohmann::json token_command(Context& ctx, const TokenTarget& target, std::string_view command, WhileFrozen frozen,
                             F&& body) {
    settle_token(ctx, target.customer_id, target.device_id);
    return run_write(ctx, command, target.customer_id, [&] {
        auto l = load_token(ctx, target.customer_id, target.device_id, command);
        if (frozen == WhileFrozen::refuse) refuse_if_frozen(ctx, l);
        return body(l);
    });
}

// Keeps the new state, audits it with `extra` details, and answers the command's JSON.
nlohmann::json keep(Context& ctx, LoadedToken& l, std::string_view command, const std::string& app,
                    const TokenTransition& t, const nlohmann::json& extra = nlohmann::json::object()) {
    l.state = t.next;
    save_token(ctx, l);
    auto details = token_audit_details(l, app, t.effects);
    details.update(extra);
    ctx.audit(command, l.customer.id, "ok", details);
    return token_result(ctx, l, t.effects);
}

}  // namespace

nlohmann::json token_challenge(Context& ctx, const TokenTarget& target) {
    return token_command(ctx, target, "token challenge", WhileFrozen::refuse, [&](LoadedToken& l) {
        // Positions are counted in the ID number as stored (an HKID without its brackets);
        // only digits are asked for, as on the bank's screen.
        std::vector<int> candidates;
        for (std::size_t i = 0; i < l.customer.id_number.size(); ++i) {
            char ch = l.customer.id_number[i];
            if (ch >= '0' && ch <= '9') candidates.push_back(static_cast<int>(i + 1));
        }
        if (candidates.size() < 3) {
            fail(Exit::refused, "id-digits-unavailable", "customer {}'s ID number holds fewer than 3 digits: enable the "
                 "mobile security code at a branch", l.customer.id);
        }
        std::vector<int> positions;
        while (positions.size() < 3) {
            auto pick = static_cast<std::size_t>(random_below(candidates.size()));
            positions.push_back(candidates[pick]);
            candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
        }
        std::sort(positions.begin(), positions.end());
        TokenChallengeRecord ch{l.customer.id, l.device.id, positions, ctx.now,
                                ctx.now + std::chrono::seconds(ctx.settings().token_challenge_ttl_s), "active"};
        ctx.store->put_token_challenge(ch);
        ctx.audit("token challenge", l.customer.id, "ok", {{"device", l.device.id}, {"positions", positions}});
        return nlohmann::json{{"customer", l.customer.id},
                              {"device", l.device.id},
                              {"positions", positions},
                              {"expires_at", ctx.format_time(ch.expires_at)}};
    });
}

nlohmann::json token_enable(Context& ctx, const TokenTarget& target, const std::string& app, const std::string& id_digits,
                            const std::string& otp, const NewSecret& pin) {
    return token_command(ctx, target, "token enable", WhileFrozen::refuse, [&](LoadedToken& l) {
        refuse_during_cooling_off(ctx, l.customer, "enabling the mobile security code");
        // Enabling happens inside a logged-in session (seed 003): a locked login cannot.
        if (l.customer.login.locked_at) {
            fail(Exit::refused, "locked", "customer {}'s login is locked: reset the login password before enabling the "
                 "mobile security code", l.customer.id);
        }
        auto t = decide(ctx, l, TokenEventKind::enable, app);
        check_id_digits(ctx, l, id_digits);
        consume_otp(ctx, l.customer.id, "token", l.customer.phone, otp);
        check_confirmation(pin.value, pin.confirmation);
        check_new_six_digit_pin(l.customer, pin.value, "token PIN");
        l.pin_hash = hash_secret(pin.value, ctx.argon2_cost());
        return keep(ctx, l, "token enable", app, t);
    });
}

nlohmann::json token_sync(Context& ctx, const TokenTarget& target, const std::string& app, const Secret& pin) {
    return token_command(ctx, target, "token sync", WhileFrozen::refuse, [&](LoadedToken& l) {
        decide(ctx, l, TokenEventKind::sync, app);
        check_pin(ctx, l, app, pin);
        return keep(ctx, l, "token sync", app, decide(ctx, l, TokenEventKind::sync, app));
    });
}

nlohmann::json token_disable(Context& ctx, const TokenTarget& target, const std::string& app) {
    return token_command(ctx, target, "token disable", WhileFrozen::refuse, [&](LoadedToken& l) {
        auto t = decide(ctx, l, TokenEventKind::disable, app);
        l.state = t.next;
        l.pin_hash.clear();
        save_token(ctx, l);
        bool sessions_ended = std::find(t.effects.begin(), t.effects.end(), TokenEffect::sessions_ended) != t.effects.end();
        if (sessions_ended) {
            // Seed 003: after disabling in the investment app the customer logs in again with
            // the password and an SMS code.
            l.customer.login.otp_required = true;
            ctx.store->update_login(l.customer.id, l.customer.login);
        }
        ctx.audit("token disable", l.customer.id, "ok", token_audit_details(l, app, t.effects));
        auto j = token_result(ctx, l, t.effects);
        j["relogin_requires_otp"] = l.customer.login.otp_required;
        return j;
    });
}

nlohmann::json token_verify(Context& ctx, const TokenTarget& target, const std::string& app, bool high_risk,
                            const Secret& pin) {
    return token_command(ctx, target, "token verify", WhileFrozen::refuse, [&](LoadedToken& l) {
        // The app must hold the token, checked before the PIN is (docs/token.md): the
        // high-risk check says so; without --high-risk the rules accept a PIN in any installed
        // app (sync needs that), so the command asks for a linked app itself.
        if (high_risk) {
            decide(ctx, l, TokenEventKind::high_risk_use, app);
        } else {
            decide(ctx, l, TokenEventKind::pin_ok, app);  // not enabled, app not installed
            if (const TokenApp* a = find_token_app(l.state, app); a != nullptr && !a->linked) {
                fail(Exit::refused, "app-not-linked",
                     "the app '{}' is not linked to the mobile security code on device {}: sync it before checking "
                     "the PIN in it", app, l.device.id);
            }
        }
        check_pin(ctx, l, app, pin);
        save_token(ctx, l);
        auto details = token_audit_details(l, app, {});
        details["high_risk"] = high_risk;
        ctx.audit("token verify", l.customer.id, "ok", details);
        auto j = token_result(ctx, l, {});
        j["ok"] = true;
        j["high_risk"] = high_risk;
        return j;
    });
}

nlohmann::json token_biometric_on(Context& ctx, const TokenTarget& target, const std::string& app, const std::string& otp,
                                  const Secret& pin) {
    return token_command(ctx, target, "token biometric", WhileFrozen::refuse, [&](LoadedToken& l) {
        decide(ctx, l, TokenEventKind::biometric_on, app);
        check_pin(ctx, l, app, pin);
        consume_otp(ctx, l.customer.id, "token", l.customer.phone, otp);
        return keep(ctx, l, "token biometric", app, decide(ctx, l, TokenEventKind::biometric_on, app),
                    {{"biometric", "on"}});
    });
}

nlohmann::json token_biometric_off(Context& ctx, const TokenTarget& target, const std::string& app) {
    return token_command(ctx, target, "token biometric", WhileFrozen::refuse, [&](LoadedToken& l) {
        return keep(ctx, l, "token biometric", app, decide(ctx, l, TokenEventKind::biometric_off, app),
                    {{"biometric", "off"}});
    });
}

nlohmann::json token_unfreeze_at_branch(Context& ctx, const TokenTarget& target, const IdentityClaim& claim) {
    return token_command(ctx, target, "token unfreeze", WhileFrozen::allow, [&](LoadedToken& l) {
        auto t = decide(ctx, l, TokenEventKind::unfreeze_branch, "");
        check_identity(l.customer, claim, ctx.zone.local_day(ctx.now));
        return keep(ctx, l, "token unfreeze", "", t,
                    {{"path", "at-branch"}, {"was", token_status_name(l.state.status)}});
    });
}

nlohmann::json token_unfreeze_with_device(Context& ctx, const TokenTarget& target, const std::string& code) {
    return token_command(ctx, target, "token unfreeze", WhileFrozen::allow, [&](LoadedToken& l) {
        auto t = decide(ctx, l, TokenEventKind::unfreeze_device, "");
        consume_otp_device_code(ctx, l.customer, code);
        return keep(ctx, l, "token unfreeze", "", t,
                    {{"path", "otp-device"}, {"was", token_status_name(l.state.status)}});
    });
}

}  // namespace kunlun
