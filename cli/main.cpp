// kunlunctl: parse, run one library flow, print, and turn every error into its exit code —
// in this one place (cli.md "Errors and exit codes").
#include "app.h"
#include "crypto/library.h"
#include "error.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace kunlun::cli {

Context App::open() const {
    Context ctx = open_session(session);
    const Output* o = &out;
    ctx.warn = [o](const std::string& text) { o->warn(text); };
    return ctx;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// The first word that is not a global option: the command the user meant.
std::string unknown_command(CLI::App& app, int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string word = argv[i];
        if (word == "--store" || word == "--config" || word == "-o" || word == "--output") {
            ++i;
            continue;
        }
        if (word.starts_with("-")) continue;
        for (const auto* sub : app.get_subcommands({})) {
            if (sub->get_name() == word) return {};
        }
        std::string best;
        std::size_t best_distance = 3;
        for (const auto* sub : app.get_subcommands({})) {
            auto d = edit_distance(word, sub->get_name());
            if (d < best_distance) {
                best_distance = d;
                best = sub->get_name();
            }
        }
        return fmt::format("unknown command '{}'{} (see `kunlunctl --help`)", word,
                           best.empty() ? "" : fmt::format(": did you mean '{}'?", best));
    }
    return {};
}

int report(const App& cli, Exit exit, const std::string& slug, const std::string& message) {
    fmt::print(stderr, "kunlunctl: error [{}]: {}\n", slug, message);
    if (cli.out.format == Format::json) {
        nlohmann::json j = {{"error", {{"code", slug}, {"message", message}, {"exit", static_cast<int>(exit)}}}};
        std::fputs((j.dump() + "\n").c_str(), stdout);
    }
    return static_cast<int>(exit);
}

}  // namespace

int run(int argc, char** argv) {
    App cli;
    CLI::App app{"kunlunctl — the back office's tool for customers' credentials", "kunlunctl"};
    app.set_version_flag("--version", std::string("kunlunctl ") + KUNLUN_CLI_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("--store", cli.session.store, "store: sqlite:PATH, a file path, or postgresql://... (env KUNLUNCTL_STORE)");
    app.add_option("--config", cli.session.config, "a TOML config file layered over the defaults (env KUNLUNCTL_CONFIG)");
    app.add_option("-o,--output", cli.output_name, "table or json")->check(CLI::IsMember({"table", "json"}));
    bool quiet = false;
    bool verbose = false;
    app.add_flag("-q,--quiet", quiet, "print less");
    app.add_flag("-v,--verbose", verbose, "print diagnostics on stderr");

    register_init(app, cli);
    register_operator(app, cli);
    register_fixtures(app, cli);
    register_customer(app, cli);
    register_audit(app, cli);
    register_calendar(app, cli);
    register_config(app, cli);
    register_otp(app, cli);
    register_verify(app, cli);
    register_resets(app, cli);
    register_notify(app, cli);
    register_review(app, cli);
    register_eshield(app, cli);
    register_otp_device(app, cli);
    register_change_phone(app, cli);
    register_token(app, cli);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (cli.output_name == "json") cli.out.format = Format::json;
        if (auto unknown = unknown_command(app, argc, argv); !unknown.empty()) {
            return report(cli, Exit::usage, "usage", unknown);
        }
        return report(cli, Exit::usage, "usage", fmt::format("{} (see `kunlunctl --help`)", e.what()));
    }
    cli.out.format = cli.output_name == "json" ? Format::json : Format::table;
    cli.out.verbosity = quiet ? -1 : verbose ? 1 : 0;
    cli.out.color = ::isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;

    try {
        start_crypto_library();
        if (cli.action) cli.action();
        return cli.exit_code;
    } catch (const Error& e) {
        return report(cli, e.exit(), e.slug(), e.what());
    } catch (const std::exception& e) {
        return report(cli, Exit::internal, "internal", fmt::format("unexpected: {} (please report this)", e.what()));
    }
}

}  // namespace kunlun::cli

int main(int argc, char** argv) { return kunlun::cli::run(argc, argv); }
