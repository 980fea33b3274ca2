// `customer show|list`: what an operator sees of a customer — masked PII, and each
// credential's live status (locked, failures, attempts left, why).
#pragma once

#include "flows/context.h"

#include <functional>
#include <nlohmann/json.hpp>

namespace kunlun {

nlohmann::json customer_view(const Context& ctx, const CustomerRecord& c);
nlohmann::json show_customer(Context& ctx, const std::string& id);
// Streams one summary row per customer (id order), so a list of a million does not sit in memory.
void list_customers(Context& ctx, const std::function<void(const nlohmann::json&)>& row);

// Loads a customer or fails with exit 67 `not-found`.
CustomerRecord require_customer(Context& ctx, const std::string& id);

// The customer's device `device_id`, or nullptr when it is not theirs.
const DeviceRecord* find_device(const CustomerRecord& customer, const std::string& device_id);

}  // namespace kunlun
