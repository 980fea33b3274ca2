// The mobile security code — the device soft token (domain.md §5) — as operator commands.
// The state machine is rules/token_state.h; these flows check identity, codes and PINs, feed
// the outcome to it as events, and persist, audit and notify what comes back.
#pragma once

#include "crypto/secret.h"
#include "flows/context.h"
#include "flows/credentials.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kunlun {

struct TokenTarget {
    std::string customer_id;
    std::string device_id;
};

nlohmann::json token_challenge(Context& ctx, const TokenTarget& target);
nlohmann::json token_enable(Context& ctx, const TokenTarget& target, const std::string& app, const std::string& id_digits,
                            const std::string& otp, const NewSecret& pin);
nlohmann::json token_sync(Context& ctx, const TokenTarget& target, const std::string& app, const Secret& pin);
nlohmann::json token_disable(Context& ctx, const TokenTarget& target, const std::string& app);
nlohmann::json token_verify(Context& ctx, const TokenTarget& target, const std::string& app, bool high_risk,
                            const Secret& pin);
nlohmann::json token_unfreeze_at_branch(Context& ctx, const TokenTarget& target, const IdentityClaim& claim);
nlohmann::json token_unfreeze_with_device(Context& ctx, const TokenTarget& target, const std::string& code);
nlohmann::json token_biometric_on(Context& ctx, const TokenTarget& target, const std::string& app, const std::string& otp,
                                  const Secret& pin);
nlohmann::json token_biometric_off(Context& ctx, const TokenTarget& target, const std::string& app);

// {"state", "frozen_until", "apps": [{"app", "linked", "biometric", "high_risk_from"}], ...}
nlohmann::json token_status(Context& ctx, const TokenTarget& target);
// The support bundle: state, apps, counters, freezes within the window, the last 50 audit
// entries about this token; masked, no secret.
nlohmann::json token_report(Context& ctx, const TokenTarget& target);
std::string token_report_text(const nlohmann::json& report);

}  // namespace kunlun
