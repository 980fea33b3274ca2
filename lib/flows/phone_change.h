// Changing the reserved phone (domain.md §4) and the cooling-off that follows every change.
#pragma once

#include "flows/context.h"
#include "flows/credentials.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kunlun {

struct PhoneChangeRequest {
    std::string customer_id;
    IdentityClaim claim;
    std::string new_phone;
    std::string device_id;
    std::string face;       // must be "pass"
    std::string face_ref;
    bool carrier_verified = false;
    std::string new_phone_otp;
    // Exactly one way to prove the customer: the old phone's code, the old phone lost plus a
    // card of theirs (→ a review case), or an e-shield signature.
    std::optional<std::string> old_phone_otp;
    bool old_phone_unavailable = false;
    std::optional<std::string> card;
    std::optional<std::string> eshield_challenge;
    std::optional<std::string> eshield_signature;
};

// Effective at once (old-phone code or e-shield) → {"customer", "path", "effective": true, ...};
// old phone unavailable → the review case's JSON.
nlohmann::json change_phone(Context& ctx, const PhoneChangeRequest& request);

// Held until the transaction ends: two changes to the same new number (on a shared store)
// take turns, so the second sees the first's owner and is refused. The lock's name is the
// number's blind index, never the number.
void lock_reserved_phone(Context& ctx, const std::string& e164);

// SMS `phone_changed` to the old and the new number, inside the caller's transaction (every
// change: at once, or when its review case is approved).
void notify_phone_changed(Context& ctx, const std::string& customer_id, const std::string& old_phone,
                          const std::string& new_phone);

// Refuses (77 `cooling-off`, saying until when) a high-risk operation for a customer whose
// reserved phone changed less than policy.phone_change.cooling_off_hours ago.
void refuse_during_cooling_off(const Context& ctx, const CustomerRecord& customer, std::string_view operation);

}  // namespace kunlun
