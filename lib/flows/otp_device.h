// The customer's e-password device (hardware OTP, domain.md §1): HOTP (RFC 4226) with a
// look-ahead window and a moving counter, TOTP (RFC 6238) within ±N steps. A code is
// accepted once: the counter moves past it, or the TOTP step is remembered.
#pragma once

#include "flows/context.h"

#include <nlohmann/json.hpp>

namespace kunlun {

// Inside the caller's write transaction. A wrong code throws KeptRefusal(77,
// otp-device-invalid), a code already used KeptRefusal(77, otp-replayed); both are audited
// and count towards policy.otp_device.max_failures, which locks the device (77 locked).
void consume_otp_device_code(Context& ctx, const CustomerRecord& customer, const std::string& code);

// `otp-device verify`: checks a code on its own (the channel's check of the device).
nlohmann::json verify_otp_device(Context& ctx, const std::string& customer_id, const std::string& code);

// `otp-device resync`: two consecutive HOTP codes found within the wider resync window move
// the counter past them and unlock the device. A TOTP device needs no resync (65) unless it
// is locked: then two codes of consecutive time steps, the second current, unlock it.
nlohmann::json resync_otp_device(Context& ctx, const std::string& customer_id, const std::string& code1,
                                 const std::string& code2);

}  // namespace kunlun
