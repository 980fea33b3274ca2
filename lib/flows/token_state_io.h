// Between the stored token (store/records.h) and the state machine (rules/token_state.h),
// and the settling of a 24-hour freeze that has run out.
#pragma once

#include "flows/context.h"
#include "rules/token_state.h"

#include <nlohmann/json.hpp>

namespace kunlun {

TokenPolicy token_policy(const Settings& settings);

// The customer's device (67 `not-found` when it is not theirs).
const DeviceRecord& require_token_device(const CustomerRecord& customer, const std::string& device_id);

// The stored token, or a fresh not-enabled one with an entry per app installed on the device.
// Apps installed since the token was stored get an (unlinked) entry too.
TokenState load_token_state(Context& ctx, const CustomerRecord& customer, const DeviceRecord& device,
                            std::string* pin_hash = nullptr);
void save_token_state(Context& ctx, const std::string& customer_id, const std::string& device_id,
                      const TokenState& state, const std::string& pin_hash);

// In its own transaction: a 24-hour freeze found ended is written back and audited
// ("unfrozen: expired") at once, so the history shows it even if the command that noticed
// it is then refused.
void settle_token(Context& ctx, const std::string& customer_id, const std::string& device_id);

nlohmann::json token_apps_json(const Context& ctx, const TokenState& state);

// One command's view of a token, loaded inside its transaction after the role check.
struct LoadedToken {
    CustomerRecord customer;
    DeviceRecord device;
    TokenState state;
    std::string pin_hash;
    TokenPolicy policy;
};

LoadedToken load_token(Context& ctx, const std::string& customer_id, const std::string& device_id,
                       std::string_view command);
// The state machine's verdict on an event, without the side checks: a refusal (77, its slug)
// ends the command before any secret is looked at.
TokenTransition decide(const Context& ctx, const LoadedToken& token, TokenEventKind kind, const std::string& app);
[[noreturn]] void refuse_token(const Context& ctx, const TokenRefusal& refusal);
// While frozen every command but status, report and unfreeze is refused first (77 token-frozen).
void refuse_if_frozen(const Context& ctx, const LoadedToken& token);
void save_token(Context& ctx, const LoadedToken& token);
nlohmann::json token_audit_details(const LoadedToken& token, const std::string& app,
                                   const std::vector<TokenEffect>& effects);
// What a token command prints: the status fields plus what the command did.
nlohmann::json token_result(const Context& ctx, const LoadedToken& token, const std::vector<TokenEffect>& effects);
std::vector<std::string> effect_names(const std::vector<TokenEffect>& effects);

}  // namespace kunlun
