// review list|show (any role).
#include "app.h"
#include "flows/cases.h"

namespace kunlun::cli {

void register_review(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("review", "review cases (T+1)");
    group->require_subcommand(1);
    auto* list = group->add_subcommand("list", "cases, oldest first");
    struct Opts { std::optional<std::string> state, kind; bool overdue = false; std::string id; };
    auto o = std::make_shared<Opts>();
    list->add_option("--state", o->state, "pending, approved, rejected, withdrawn or expired")
        ->check(CLI::IsMember({"pending", "approved", "rejected", "withdrawn", "expired"}));
    list->add_option("--kind", o->kind, "reset-login, reset-txn or change-phone")
        ->check(CLI::IsMember({"reset-login", "reset-txn", "change-phone"}));
    list->add_flag("--overdue", o->overdue, "only pending cases past their due time");
    list->callback([&cli, o] {
        cli.action = [&cli, o] {
            Context ctx = cli.open();
            cli.out.list(list_cases(ctx, o->state, o->kind, o->overdue), {"id", "kind", "state", "customer", "due_at", "reason"});
        };
    });
    auto* show = group->add_subcommand("show", "one case with its materials, checks and decision");
    show->add_option("CASE", o->id, "case id")->required();
    show->callback([&cli, o] {
        cli.action = [&cli, o] {
            Context ctx = cli.open();
            cli.out.object(show_case(ctx, o->id));
        };
    });
}

}  // namespace kunlun::cli
