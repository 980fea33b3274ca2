// `operator add|list|remove` (admin): who may run kunlunctl, with which roles.
#pragma once

#include "flows/context.h"

#include <nlohmann/json.hpp>

namespace kunlun {

nlohmann::json add_operator(Context& ctx, const std::string& name, const std::vector<std::string>& roles);
nlohmann::json list_operators(Context& ctx);
nlohmann::json remove_operator(Context& ctx, const std::string& name);
nlohmann::json operator_json(const Context& ctx, const OperatorRecord& op);

// Operator names are OS account or database role names: letters, digits, . _ - (1-64).
void validate_operator_name(const std::string& name);

}  // namespace kunlun
