// audit list|verify|checkpoint, calendar next-business-day|load.
#include "app.h"
#include "flows/audit.h"
#include "flows/calendar.h"
#include "error.h"

#include <fstream>

namespace kunlun::cli {

void register_audit(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("audit", "the tamper-evident audit log (auditor, admin)");
    group->require_subcommand(1);

    auto* list = group->add_subcommand("list", "audit entries, oldest first");
    auto customer = std::make_shared<std::string>();
    auto limit = std::make_shared<std::int64_t>(-1);
    list->add_option("--customer", *customer, "only entries about this customer");
    list->add_option("--limit", *limit, "print at most N entries");
    list->callback([&cli, customer, limit] {
        cli.action = [&cli, customer, limit] {
            Context ctx = cli.open();
            nlohmann::json rows = nlohmann::json::array();
            list_audit(ctx, customer->empty() ? std::nullopt : std::optional(*customer),
                       *limit >= 0 ? std::optional(*limit) : std::nullopt, [&](const nlohmann::json& r) { rows.push_back(r); });
            if (cli.out.format == Format::table) {
                for (auto& r : rows) r["details"] = r["details"].dump();
            }
            cli.out.list(rows, {"seq", "at", "operator", "command", "customer", "outcome", "details"});
        };
    });

    auto* verify = group->add_subcommand("verify", "check the HMAC chain; exit 65 if it is broken");
    auto checkpoint = std::make_shared<std::string>();
    verify->add_option("--checkpoint", *checkpoint, "a file from `audit checkpoint`: also detect entries removed from the end");
    verify->callback([&cli, checkpoint] {
        cli.action = [&cli, checkpoint] {
            Context ctx = cli.open();
            auto j = verify_audit(ctx, checkpoint->empty() ? std::nullopt : std::optional<std::filesystem::path>(*checkpoint));
            if (j["ok"].get<bool>()) {
                cli.out.message(fmt::format("audit chain intact: {} entries", j["entries"].get<std::int64_t>()), j);
                return;
            }
            cli.out.message(fmt::format("audit chain BROKEN at entry {} of {}: {}", j["first_bad_seq"].get<std::int64_t>(),
                                        j["entries"].get<std::int64_t>(), j["problem"].get<std::string>()),
                            j);
            // The result is already printed (one JSON value); the status tells cron and scripts.
            fmt::print(stderr, "kunlunctl: error [audit-broken]: the audit chain is broken at entry {}: {}\n",
                       j["first_bad_seq"].get<std::int64_t>(), j["problem"].get<std::string>());
            cli.exit_code = static_cast<int>(Exit::data);
        };
    });

    auto* cp = group->add_subcommand("checkpoint", "print the chain head (seq, MAC, key id) to keep outside the store");
    auto out_file = std::make_shared<std::string>();
    cp->add_option("--out", *out_file, "also write it to FILE");
    cp->callback([&cli, out_file] {
        cli.action = [&cli, out_file] {
            Context ctx = cli.open();
            auto j = audit_checkpoint(ctx);
            if (!out_file->empty()) {
                std::ofstream f(*out_file, std::ios::trunc);
                f << j.dump() << "\n";
                if (!f) throw Error(Exit::io, "io", "cannot write " + *out_file);
            }
            cli.out.object(j);
        };
    });
}

void register_calendar(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("calendar", "the business calendar (weekends, holidays, make-up working days)");
    group->require_subcommand(1);
    auto* next = group->add_subcommand("next-business-day", "the first business day after DATE, and its end as a due time");
    auto date = std::make_shared<std::string>();
    next->add_option("DATE", *date, "YYYY-MM-DD")->required();
    next->callback([&cli, date] {
        cli.action = [&cli, date] {
            Context ctx = cli.open();
            auto j = next_business_day(ctx, *date);
            cli.out.message(j["next_business_day"].get<std::string>(), j);
        };
    });
    auto* load = group->add_subcommand("load", "load a REGION-YEAR calendar file into the store (admin)");
    auto file = std::make_shared<std::string>();
    load->add_option("FILE", *file, "a calendar TOML file")->required();
    load->callback([&cli, file] {
        cli.action = [&cli, file] {
            Context ctx = cli.open();
            auto j = load_calendar(ctx, *file);
            cli.out.message(fmt::format("loaded the {} calendar for {}: {} days off, {} make-up working days",
                                        j["region"].get<std::string>(), j["year"].get<std::int64_t>(),
                                        j["off_days"].get<std::size_t>(), j["work_days"].get<std::size_t>()),
                            j);
        };
    });
}

}  // namespace kunlun::cli
