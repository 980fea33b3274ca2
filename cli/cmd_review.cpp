// review list|show (any role).
#include "app.h"
#include "flows/batch.h"
#include "flows/cases.h"
#include "flows/review.h"

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

    struct Decision { std::string id, reason, note; };
    auto d = std::make_shared<Decision>();
    auto* approve = group->add_subcommand("approve", "approve a case: its staged change takes effect (reviewer)");
    approve->add_option("CASE", d->id, "case id")->required();
    approve->add_option("--note", d->note, "a note for the record");
    approve->callback([&cli, d] {
        cli.action = [&cli, d] {
            Context ctx = cli.open();
            auto j = approve_case(ctx, d->id, d->note);
            cli.out.message(fmt::format("case {} approved", d->id), j);
        };
    });
    auto* reject = group->add_subcommand("reject", "reject a case; the customer may apply again (reviewer)");
    reject->add_option("CASE", d->id, "case id")->required();
    reject->add_option("--reason", d->reason,
                       "weak-password, materials-unclear, face-mismatch, identity-mismatch, duplicate or other")
        ->required();
    reject->add_option("--note", d->note, "a note for the record");
    reject->callback([&cli, d] {
        cli.action = [&cli, d] {
            Context ctx = cli.open();
            auto j = reject_case(ctx, d->id, d->reason, d->note);
            cli.out.message(fmt::format("case {} rejected ({})", d->id, d->reason), j);
        };
    });

    struct BatchOpts { bool dry_run = false; std::string report; };
    auto b = std::make_shared<BatchOpts>();
    auto* batch = group->add_subcommand("batch", "the evening batch: checks, expiry, overdue, notifications (reviewer)");
    batch->add_flag("--dry-run", b->dry_run, "change nothing; say what would be done");
    batch->add_option("--report", b->report, "write a per-case report (JSON lines) to FILE");
    batch->callback([&cli, b] {
        cli.action = [&cli, b] {
            Context ctx = cli.open();
            BatchOptions options;
            options.dry_run = b->dry_run;
            if (!b->report.empty()) options.report = b->report;
            // SIGINT/SIGTERM: finish the current chunk (or delivery page), then stop with 75.
            options.stop = &stop_on_signals();
            auto r = run_batch(ctx, options);
            const auto& s = r.summary;
            std::string summary =
                fmt::format("{}checked {}, approved {}, rejected {}, expired {}, overdue {}, notified {}",
                            b->dry_run ? "dry run (nothing changed): " : "", s["checked"].get<std::int64_t>(),
                            s["approved"].get<std::int64_t>(), s["rejected"].get<std::int64_t>(),
                            s["expired"].get<std::int64_t>(), s["overdue"].get<std::int64_t>(),
                            s["notified"].get<std::int64_t>());
            if (r.interrupted) {
                cli.fail_with_progress(summary, s, Exit::busy, "interrupted",
                                       "the batch stopped on a signal after a chunk or a delivery page; run it "
                                       "again to finish (what is not done stays pending or queued)");
            } else if (r.delivery_error) {
                cli.fail_with_progress(summary, s, Exit::io, r.delivery_error->slug(),
                                       fmt::format("{}; the decisions are committed and their messages stay "
                                                   "queued: fix the sink, then `kunlunctl notify dispatch`",
                                                   r.delivery_error->what()));
            } else {
                cli.out.message(summary, s);
            }
        };
    });
}

}  // namespace kunlun::cli
