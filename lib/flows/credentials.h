// The login and transaction passwords (domain.md §2, §3): verification with lockout, the
// rules a new one must pass, and the resets that take effect at once.
#pragma once

#include "crypto/secret.h"
#include "flows/context.h"

#include <nlohmann/json.hpp>
#include <optional>

namespace kunlun {

struct IdentityClaim {
    std::optional<std::string> id_type;  // default: the customer's registered type
    std::string id_number;
    std::string name;
};

// Identity = ID type + number + name; a mismatch is exit 77 `identity-mismatch`.
void check_identity(const CustomerRecord& customer, const IdentityClaim& claim, std::chrono::year_month_day today);

// A new password entered twice: 65 `confirmation-mismatch` if they differ.
void check_confirmation(const Secret& value, const Secret& confirmation);

// Refuses (65 `weak-password`, naming the rule) a login password against the rule in force,
// the customer's personal data, the common-password list and the last N passwords.
void check_new_login_password(Context& ctx, const CustomerRecord& customer, const Secret& password);
void check_new_txn_password(Context& ctx, const CustomerRecord& customer, const Secret& password);
// A new 6-digit PIN (transaction password, soft-token PIN): 65 `weak-password` naming the rule.
void check_new_six_digit_pin(const CustomerRecord& customer, const Secret& pin, std::string_view what);

// The rule in force for a staged secret (no history check: the batch never hashes).
std::optional<std::string> current_rule_problem(const Context& ctx, const CustomerRecord& customer,
                                                const std::string& case_kind, const Secret& secret);

// `otp`: the SMS code (purpose login) a customer whose sessions were ended must also give.
nlohmann::json verify_login(Context& ctx, const std::string& customer_id, const Secret& password,
                            const std::optional<std::string>& otp = std::nullopt);
nlohmann::json verify_txn(Context& ctx, const std::string& customer_id, const std::string& account, const Secret& password);

struct NewSecret {
    Secret value;
    Secret confirmation;
};

nlohmann::json reset_login_with_phone(Context& ctx, const std::string& customer_id, const IdentityClaim& claim,
                                      const std::string& phone, const std::string& otp, const NewSecret& password);
nlohmann::json reset_login_at_branch(Context& ctx, const std::string& customer_id, const IdentityClaim& claim);
// Forgotten transaction password with the customer's e-shield (domain.md §3): a signature
// over a fresh challenge → effective at once, no review; refused during a phone change's
// cooling-off.
nlohmann::json reset_txn_with_eshield(Context& ctx, const std::string& customer_id, const std::string& account,
                                      const std::string& challenge_id, const std::string& signature_file,
                                      const NewSecret& password);
nlohmann::json modify_txn_password(Context& ctx, const std::string& customer_id, const std::string& account,
                                   const std::string& otp, const Secret& old_password, const NewSecret& password);

}  // namespace kunlun

namespace kunlun {

struct MaterialFiles {
    std::string id_front, id_back, handheld;
};

// Reserved phone unavailable (domain.md §2): face + materials + contact phone and its code;
// the new password is checked now and staged on a review case.
nlohmann::json reset_login_without_phone(Context& ctx, const std::string& customer_id, const IdentityClaim& claim,
                                         const std::string& face, const std::string& face_ref,
                                         const MaterialFiles& materials, const std::string& contact_phone,
                                         const std::string& contact_otp, const NewSecret& password);

// Forgotten or locked transaction password (domain.md §3): face passed (or failed more than
// 3 times: `failed-over-limit`), materials, a code to the reserved phone → a review case.
nlohmann::json reset_txn_reviewed(Context& ctx, const std::string& customer_id, const std::string& account,
                                  const std::string& face, const std::string& face_ref, const MaterialFiles& materials,
                                  const std::string& otp, const NewSecret& password);

}  // namespace kunlun
