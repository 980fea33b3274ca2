#include "flows/roles.h"

#include <algorithm>

namespace kunlun {

std::string_view role_name(Role role) {
    switch (role) {
        case Role::admin: return "admin";
        case Role::operator_: return "operator";
        case Role::reviewer: return "reviewer";
        case Role::auditor: return "auditor";
    }
    return "?";
}

std::optional<Role> parse_role(std::string_view name) {
    for (Role r : {Role::admin, Role::operator_, Role::reviewer, Role::auditor}) {
        if (role_name(r) == name) return r;
    }
    return std::nullopt;
}

bool has_role(const OperatorRecord& op, Role role) {
    return std::find(op.roles.begin(), op.roles.end(), role) != op.roles.end();
}

std::vector<std::string> role_names(const std::vector<Role>& roles) {
    std::vector<std::string> out;
    for (Role r : roles) out.emplace_back(role_name(r));
    return out;
}

}  // namespace kunlun
