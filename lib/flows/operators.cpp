#include "flows/operators.h"

#include "flows/command.h"

#include "error.h"
#include "flows/roles.h"

#include <algorithm>
#include <cctype>

namespace kunlun {

void validate_operator_name(const std::string& name) {
    bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
    });
    if (!ok) {
        fail(Exit::data, "invalid-operator", "'{}' is not a valid operator name: use 1-64 letters, digits, '.', '_' or '-'",
             name);
    }
}

namespace {

// A store must keep an admin: without one nobody can manage operators again.
void require_another_admin(const Context& ctx, const std::string& name, std::string_view action) {
    auto all = ctx.store->list_operators();
    auto admins = std::count_if(all.begin(), all.end(), [](const OperatorRecord& o) { return has_role(o, Role::admin); });
    if (admins <= 1) {
        fail(Exit::refused, "last-admin", "'{}' is the last admin; add another admin before {} this one", name, action);
    }
}

}  // namespace

nlohmann::json operator_json(const Context& ctx, const OperatorRecord& op) {
    return {{"name", op.name}, {"roles", role_names(op.roles)}, {"created_at", ctx.format_time(op.created_at)}};
}

nlohmann::json add_operator(Context& ctx, const std::string& name, const std::vector<std::string>& role_words) {
    validate_operator_name(name);
    std::vector<Role> roles;
    for (const auto& word : role_words) {
        auto role = parse_role(word);
        if (!role) fail(Exit::usage, "usage", "unknown role '{}': use admin, operator, reviewer or auditor", word);
        if (std::find(roles.begin(), roles.end(), *role) == roles.end()) roles.push_back(*role);
    }
    if (roles.empty()) fail(Exit::usage, "usage", "give at least one --role");
    return with_conflict_retries(ctx, [&] {
        Transaction tx(*ctx.store, Transaction::Kind::write);
        ctx.require_role({Role::admin}, "operator add");
        ctx.store->lock_named("operators");  // two admins demoting each other: one is the last
        auto existing = ctx.store->find_operator(name);
        if (existing && has_role(*existing, Role::admin) &&
            std::find(roles.begin(), roles.end(), Role::admin) == roles.end()) {
            require_another_admin(ctx, name, "taking the admin role from");
        }
        OperatorRecord record{name, roles, existing ? existing->created_at : ctx.now};
        ctx.store->put_operator(record);
        ctx.audit("operator add", "", "ok",
                  {{"operator", name}, {"roles", role_names(roles)},
                   {"previous_roles", existing ? nlohmann::json(role_names(existing->roles)) : nlohmann::json(nullptr)}});
        tx.commit();
        return operator_json(ctx, record);
    });
}

nlohmann::json list_operators(Context& ctx) {
    Transaction tx(*ctx.store, Transaction::Kind::read);
    ctx.require_role({Role::admin}, "operator list");
    nlohmann::json out = nlohmann::json::array();
    for (const auto& op : ctx.store->list_operators()) out.push_back(operator_json(ctx, op));
    return out;
}

nlohmann::json remove_operator(Context& ctx, const std::string& name) {
    return with_conflict_retries(ctx, [&] {
        Transaction tx(*ctx.store, Transaction::Kind::write);
        ctx.require_role({Role::admin}, "operator remove");
        ctx.store->lock_named("operators");
        auto existing = ctx.store->find_operator(name);
        if (!existing) fail(Exit::not_found, "not-found", "no operator '{}' (see `kunlunctl operator list`)", name);
        if (has_role(*existing, Role::admin)) require_another_admin(ctx, name, "removing");
        ctx.store->remove_operator(name);
        ctx.audit("operator remove", "", "ok", {{"operator", name}, {"roles", role_names(existing->roles)}});
        tx.commit();
        return nlohmann::json{{"removed", name}};
    });
}

}  // namespace kunlun
