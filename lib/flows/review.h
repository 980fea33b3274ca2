// Deciding review cases (domain.md §6): four eyes, the staged change applied in the same
// transaction as the decision, the audit entry and the result SMS.
#pragma once

#include "flows/context.h"

#include <nlohmann/json.hpp>

namespace kunlun {

// The reason codes of cli.md, and how the customer's SMS says them.
bool is_reason_code(const std::string& code);
std::string reason_text(const std::string& code);

nlohmann::json approve_case(Context& ctx, const std::string& case_id, const std::string& note);
nlohmann::json reject_case(Context& ctx, const std::string& case_id, const std::string& reason, const std::string& note);

// Building blocks shared with the batch; each runs inside the caller's write transaction.
// `customer` is the case's customer as this transaction has already read it (the batch reads
// it once for its checks); null: read it here.
// apply_approval updates `customer` in place to what the approval made of them, so a caller
// holding it for later cases of the same customer (the batch's chunk) stays true.
void apply_approval(Context& ctx, CaseRecord& c, const std::string& note, bool automatic,
                    CustomerRecord* customer = nullptr);
void apply_rejection(Context& ctx, CaseRecord& c, const std::string& reason, const std::string& note, bool automatic,
                     const CustomerRecord* customer = nullptr);
void apply_expiry(Context& ctx, CaseRecord& c, const CustomerRecord* customer = nullptr);

}  // namespace kunlun
