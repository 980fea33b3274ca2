// The customer's e-shield (USB key certificate, domain.md §1/§4): registration, signing
// challenges, and checking a signature over one. A challenge is single-use: it is used up by
// the first signature presented for it, right or wrong, so a wrong one cannot be retried.
#pragma once

#include "flows/context.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kunlun {

nlohmann::json register_eshield(Context& ctx, const std::string& customer_id, const std::string& certificate_file);

// `purpose` empty: the challenge may authorise either e-shield operation (reset-txn or
// change-phone); otherwise only that one. Returns {"id", "to_sign" (base64), "expires_at"};
// `raw_out` receives the exact bytes to sign.
nlohmann::json eshield_challenge(Context& ctx, const std::string& customer_id, const std::string& purpose,
                                 std::string* raw_out = nullptr);

// Inside the caller's write transaction: checks the challenge (the customer's, active, not
// expired, for `purpose`), the certificate (still valid) and the signature, and uses the
// challenge up. A wrong signature throws KeptRefusal(77, signature-invalid): the used-up
// challenge commits with the audit entry.
void consume_eshield_signature(Context& ctx, const CustomerRecord& customer, const std::string& challenge_id,
                               const std::string& signature_file, const std::string& purpose);

}  // namespace kunlun
