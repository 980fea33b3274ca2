// fixtures load|dump|generate, customer show|list.
#include "app.h"
#include "error.h"
#include "flows/customers.h"
#include "flows/fixtures.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace kunlun::cli {
namespace {

// Writes to FILE.tmp (mode 0600: a dump holds PII), then renames: no half-written dump.
template <typename F>
nlohmann::json write_private_file(const std::string& path, F&& body) {
    std::string tmp = path + ".tmp";
    mode_t old = ::umask(077);
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    ::umask(old);
    if (!file) fail(Exit::io, "io", "cannot write {}", tmp);
    auto result = body(file);
    file.flush();
    if (!file) {
        std::remove(tmp.c_str());
        fail(Exit::io, "io", "writing {} failed", tmp);
    }
    file.close();
    if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(Exit::io, "io", "cannot rename {} to {}", tmp, path);
    return result;
}

}  // namespace

void register_fixtures(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("fixtures", "seed, export or generate store contents (admin)");
    group->require_subcommand(1);

    auto* load = group->add_subcommand("load", "load fixture files, all-or-nothing");
    auto files = std::make_shared<std::vector<std::string>>();
    load->add_option("FILE", *files, "TOML fixture files")->required();
    load->callback([&cli, files] {
        cli.action = [&cli, files] {
            Context ctx = cli.open();
            std::vector<std::filesystem::path> paths(files->begin(), files->end());
            auto j = load_fixtures(ctx, paths);
            cli.out.message(fmt::format("loaded: {} customers created, {} unchanged; {} operators created, {} unchanged",
                                        j["customers_created"].get<std::int64_t>(), j["customers_unchanged"].get<std::int64_t>(),
                                        j["operators_created"].get<std::int64_t>(), j["operators_unchanged"].get<std::int64_t>()),
                            j);
        };
    });

    auto* dump = group->add_subcommand("dump", "write everything `fixtures load` reads");
    auto out_file = std::make_shared<std::string>();
    dump->add_option("--out", *out_file, "write to FILE (mode 0600) instead of standard output");
    dump->callback([&cli, out_file] {
        cli.action = [&cli, out_file] {
            Context ctx = cli.open();
            if (out_file->empty() && cli.out.format == Format::json) {
                // -o json prints exactly one JSON value: the counts and the TOML text.
                std::ostringstream text;
                auto j = dump_fixtures(ctx, text);
                j["toml"] = text.str();
                cli.out.object(j);
                return;
            }
            if (out_file->empty()) {
                dump_fixtures(ctx, std::cout);
                std::cout.flush();
                return;
            }
            auto j = write_private_file(*out_file, [&](std::ostream& os) { return dump_fixtures(ctx, os); });
            j["out"] = *out_file;
            cli.out.message(fmt::format("wrote {} operators and {} customers to {}", j["operators"].get<std::int64_t>(),
                                        j["customers"].get<std::int64_t>(), *out_file),
                            j);
        };
    });

    auto* generate = group->add_subcommand("generate", "generate N deterministic customers");
    auto options = std::make_shared<GenerateOptions>();
    generate->add_option("--customers", options->customers, "how many customers")->required();
    generate->add_option("--seed", options->seed, "seed: the same seed gives the same customers");
    generate->add_option("--pending-cases", options->pending_cases,
                         "also make M pending review cases (at most 3 per customer, one per kind)");
    generate->callback([&cli, options] {
        cli.action = [&cli, options] {
            Context ctx = cli.open();
            options->progress = ::isatty(STDERR_FILENO) != 0 && cli.out.verbosity >= 0;
            auto j = generate_fixtures(ctx, *options);
            cli.out.message(fmt::format("generated {} customers ({} .. {})", options->customers,
                                        j["first"].get<std::string>(), j["last"].get<std::string>()),
                            j);
        };
    });
}

void register_customer(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("customer", "look customers up (masked)");
    group->require_subcommand(1);
    auto* show = group->add_subcommand("show", "one customer and the live status of their credentials");
    auto id = std::make_shared<std::string>();
    show->add_option("CUSTOMER", *id, "customer id, e.g. C000001")->required();
    show->callback([&cli, id] {
        cli.action = [&cli, id] {
            Context ctx = cli.open();
            cli.out.object(show_customer(ctx, *id));
        };
    });
    auto* list = group->add_subcommand("list", "every customer");
    auto limit = std::make_shared<std::int64_t>(-1);
    list->add_option("--limit", *limit, "print at most N rows");
    list->callback([&cli, limit] {
        cli.action = [&cli, limit] {
            Context ctx = cli.open();
            nlohmann::json rows = nlohmann::json::array();
            std::int64_t n = 0;
            bool json = cli.out.format == Format::json;
            // JSON streams one array element at a time: a million customers never sit in memory.
            list_customers(ctx, [&](const nlohmann::json& row) {
                if (*limit >= 0 && n >= *limit) return;
                if (json) {
                    std::fputs((n > 0 ? "," : "["), stdout);
                    std::fputs(row.dump().c_str(), stdout);
                } else {
                    rows.push_back(row);
                }
                ++n;
            });
            if (json) {
                std::fputs(n > 0 ? "]\n" : "[]\n", stdout);
            } else {
                cli.out.list(rows, {"id", "name", "phone", "status", "login_locked", "accounts"});
            }
        };
    });
}

}  // namespace kunlun::cli
