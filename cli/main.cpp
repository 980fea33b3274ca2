// kunlunctl: parse, run one library flow, print, and turn every error into its exit code —
// in this one place (cli.md "Errors and exit codes").
#include "app.h"
#include "error.h"

#include <fmt/format.h>
#include <unistd.h>

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
        return report(cli, Exit::usage, "usage", fmt::format("{} (see `kunlunctl --help`)", e.what()));
    }
    cli.out.format = cli.output_name == "json" ? Format::json : Format::table;
    cli.out.verbosity = quiet ? -1 : verbose ? 1 : 0;
    cli.out.color = ::isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;

    try {
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
