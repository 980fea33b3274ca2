// Operator roles (domain.md §9, cli.md "Who may run what"): separation of duties, so admin
// is not a superuser and a person with two duties holds two roles.
#pragma once

#include "store/records.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kunlun {

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view name);
bool has_role(const OperatorRecord& op, Role role);
std::vector<std::string> role_names(const std::vector<Role>& roles);

}  // namespace kunlun
