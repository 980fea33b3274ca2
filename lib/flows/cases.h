// Review cases (domain.md §6): creation by the reset and phone-change flows, the case JSON
// of cli.md, and the staged secret sealed under its own key with the case id as AD.
#pragma once

#include "crypto/secret.h"
#include "flows/context.h"

#include <nlohmann/json.hpp>

namespace kunlun {

// "reset-login" → "登录密码重置" etc., for the customer's SMS.
std::string case_kind_name(const std::string& kind);

std::vector<unsigned char> seal_staged_secret(const Context& ctx, const std::string& case_id, const Secret& secret);
Secret open_staged_secret(const Context& ctx, const CaseRecord& c);

// A keyed fingerprint of the customer's identity (type, number, name) at submission, so the
// batch can tell whether it still matches without storing it again in clear.
std::string identity_ref(const Context& ctx, const CustomerRecord& customer);

// A fresh case id (K + local date + 8 random hex digits).
std::string submit_case_id(const Context& ctx);

// Fills id, times and submitter; withdraws the customer's older pending case of the same
// kind; inserts; queues the "received" SMS to `notify_to`; audits. Inside the caller's
// transaction.
CaseRecord submit_case(Context& ctx, CaseRecord c, const std::string& notify_to);

nlohmann::json case_json(const Context& ctx, const CaseRecord& c, bool full = false);
CaseRecord require_case(Context& ctx, const std::string& id);

nlohmann::json list_cases(Context& ctx, const std::optional<std::string>& state, const std::optional<std::string>& kind,
                          bool overdue);
nlohmann::json show_case(Context& ctx, const std::string& id);

}  // namespace kunlun
