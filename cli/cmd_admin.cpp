// init, operator add|list|remove, config show.
#include "app.h"
#include "config/keys.h"
#include "flows/init.h"
#include "flows/operators.h"

#include <fmt/ranges.h>

namespace kunlun::cli {

void register_init(CLI::App& app, App& cli) {
    auto* cmd = app.add_subcommand("init", "create or migrate the store and its key; idempotent");
    auto testing = std::make_shared<bool>(false);
    cmd->add_flag("--testing", *testing, "create a test store (honours KUNLUNCTL_NOW and KUNLUNCTL_OPERATOR)");
    cmd->callback([&cli, testing] {
        cli.action = [&cli, testing] {
            auto r = init_store(cli.session, *testing);
            nlohmann::json j = {{"created", r.created}, {"key_created", r.key_created}, {"testing", r.testing},
                                {"schema_version", r.schema_version}, {"migrated", r.migrated},
                                {"store", r.store}, {"key_file", r.key_file}};
            if (!r.admin.empty()) j["admin"] = r.admin;
            std::string text;
            if (r.created) {
                text = fmt::format("created {}store {} (schema v{}), key {}{}; '{}' is its admin",
                                   r.testing ? "test " : "", r.store, r.schema_version, r.key_file,
                                   r.key_created ? " (new)" : "", r.admin);
            } else if (!r.migrated.empty()) {
                text = fmt::format("migrated {} to schema v{}", r.store, r.schema_version);
            } else {
                text = fmt::format("{} is already initialised (schema v{}): nothing changed", r.store, r.schema_version);
            }
            cli.out.message(text, j);
        };
    });
}

void register_operator(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("operator", "who may run kunlunctl, with which roles (admin)");
    group->require_subcommand(1);

    auto* add = group->add_subcommand("add", "add an operator or change its roles");
    auto name = std::make_shared<std::string>();
    auto roles = std::make_shared<std::vector<std::string>>();
    add->add_option("NAME", *name, "the OS account (or database role) name")->required();
    add->add_option("--role", *roles, "admin, operator, reviewer or auditor (repeat for several)")
        ->required()
        ->check(CLI::IsMember({"admin", "operator", "reviewer", "auditor"}));
    add->callback([&cli, name, roles] {
        cli.action = [&cli, name, roles] {
            Context ctx = cli.open();
            auto j = add_operator(ctx, *name, *roles);
            cli.out.message(fmt::format("operator {}: {}", *name, fmt::join(j["roles"].get<std::vector<std::string>>(), ", ")), j);
        };
    });

    auto* list = group->add_subcommand("list", "list operators and their roles");
    list->callback([&cli] {
        cli.action = [&cli] {
            Context ctx = cli.open();
            cli.out.list(list_operators(ctx), {"name", "roles", "created_at"});
        };
    });

    auto* remove = group->add_subcommand("remove", "remove an operator");
    auto rname = std::make_shared<std::string>();
    remove->add_option("NAME", *rname, "operator name")->required();
    remove->callback([&cli, rname] {
        cli.action = [&cli, rname] {
            Context ctx = cli.open();
            auto j = remove_operator(ctx, *rname);
            cli.out.message(fmt::format("removed operator {}", *rname), j);
        };
    });
}

void register_config(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("config", "the configuration in force");
    group->require_subcommand(1);
    auto* show = group->add_subcommand("show", "every key, its value and its origin (default, or the file's path)");
    show->callback([&cli] {
        cli.action = [&cli] {
            // Needs no store: config show must work while fixing a broken setup.
            Config config = load_config(cli.session);
            nlohmann::json rows = nlohmann::json::array();
            for (const auto& key : config_keys()) {
                rows.push_back({{"key", key.name}, {"value", format_setting(config.settings, key)},
                                {"origin", config.origin(key.name)}, {"help", key.help}});
            }
            cli.out.list(rows, {"key", "value", "origin"});
        };
    });
}

}  // namespace kunlun::cli
