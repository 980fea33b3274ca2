// `audit list|verify|checkpoint` (auditor, admin): read the chain, check it, and give the
// auditor a head to keep outside the store so truncation from the end is detectable too.
#pragma once

#include "flows/context.h"

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

namespace kunlun {

void list_audit(Context& ctx, const std::optional<std::string>& customer, std::optional<std::int64_t> limit,
                const std::function<void(const nlohmann::json&)>& row);

// {"ok": true, "entries": N} or {"ok": false, "first_bad_seq": K, "entries": N, "problem": "..."}
nlohmann::json verify_audit(Context& ctx, const std::optional<std::filesystem::path>& checkpoint);

// {"seq", "mac", "key_id", "at"}: the chain head, for an auditor to keep.
nlohmann::json audit_checkpoint(Context& ctx);

}  // namespace kunlun
