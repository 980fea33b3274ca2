// token challenge|enable|sync|disable|verify|unfreeze|biometric|status|report.
#include "app.h"
#include "error.h"
#include "flows/token.h"
#include "secrets.h"

#include <fstream>

namespace kunlun::cli {
namespace {

struct TokenOpts {
    TokenTarget target;
    std::string app, id_digits, otp, otp_device_code, id_number, name;
    std::optional<std::string> id_type, out;
    bool pin_stdin = false, high_risk = false, at_branch = false;
    std::string biometric;  // on | off
};

CLI::App* token_command(CLI::App* group, const std::string& name, const std::string& help, TokenOpts& o) {
    auto* cmd = group->add_subcommand(name, help);
    cmd->add_option("--customer", o.target.customer_id, "customer id")->required();
    cmd->add_option("--device", o.target.device_id, "the customer's device")->required();
    return cmd;
}

void add_app(CLI::App* cmd, TokenOpts& o) {
    cmd->add_option("--app", o.app, "the app on the device (mobile-banking, invest)")->required();
}

void add_pin(CLI::App* cmd, TokenOpts& o) {
    cmd->add_flag("--pin-stdin", o.pin_stdin, "read the PIN (and its confirmation) from standard input");
}

void print_token(App& cli, const std::string& text, const nlohmann::json& j) {
    cli.out.message(fmt::format("{} (device {}: {})", text, j["device"].get<std::string>(), j["state"].get<std::string>()), j);
}

}  // namespace

void register_token(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("token", "the mobile security code: the device soft token (operator)");
    group->require_subcommand(1);

    auto ch = std::make_shared<TokenOpts>();
    token_command(group, "challenge", "pick 3 positions of the ID number the customer must answer", *ch)
        ->callback([&cli, ch] {
            cli.action = [&cli, ch] {
                Context ctx = cli.open();
                auto j = token_challenge(ctx, ch->target);
                cli.out.message(fmt::format("ask for the digits at positions {} of the ID number (until {})",
                                            j["positions"].dump(), j["expires_at"].get<std::string>()), j);
            };
        });

    auto en = std::make_shared<TokenOpts>();
    auto* enable = token_command(group, "enable", "enable the token in an app: ID digits, SMS code, new PIN twice", *en);
    add_app(enable, *en);
    enable->add_option("--id-digits", en->id_digits, "the 3 digits at the challenge's positions")->required();
    enable->add_option("--otp", en->otp, "the code sent with `otp send --purpose token`")->required();
    add_pin(enable, *en);
    enable->callback([&cli, en] {
        cli.action = [&cli, en] {
            Context ctx = cli.open();
            SecretReader reader(en->pin_stdin, "--pin-stdin");
            NewSecret pin{reader.read("new token PIN"), reader.read("new token PIN again")};
            print_token(cli, "mobile security code enabled", token_enable(ctx, en->target, en->app, en->id_digits, en->otp, pin));
        };
    });

    auto sy = std::make_shared<TokenOpts>();
    auto* sync = token_command(group, "sync", "link another app on the device to its token (PIN)", *sy);
    add_app(sync, *sy);
    add_pin(sync, *sy);
    sync->callback([&cli, sy] {
        cli.action = [&cli, sy] {
            Context ctx = cli.open();
            SecretReader reader(sy->pin_stdin, "--pin-stdin");
            Secret pin = reader.read("token PIN");
            print_token(cli, "app linked to the mobile security code", token_sync(ctx, sy->target, sy->app, pin));
        };
    });

    auto di = std::make_shared<TokenOpts>();
    auto* disable = token_command(group, "disable", "disable the token: every app on the device loses it", *di);
    add_app(disable, *di);
    disable->callback([&cli, di] {
        cli.action = [&cli, di] {
            Context ctx = cli.open();
            auto j = token_disable(ctx, di->target, di->app);
            print_token(cli, j["relogin_requires_otp"].get<bool>()
                                 ? "mobile security code disabled; the customer's next login needs password + SMS code"
                                 : "mobile security code disabled",
                        j);
        };
    });

    auto ve = std::make_shared<TokenOpts>();
    auto* verify = token_command(group, "verify", "check the token PIN in an app (6 wrong in a row freeze it)", *ve);
    add_app(verify, *ve);
    verify->add_flag("--high-risk", ve->high_risk, "for a high-risk transaction (refused during the app's wait)");
    add_pin(verify, *ve);
    verify->callback([&cli, ve] {
        cli.action = [&cli, ve] {
            Context ctx = cli.open();
            SecretReader reader(ve->pin_stdin, "--pin-stdin");
            Secret pin = reader.read("token PIN");
            print_token(cli, ve->high_risk ? "PIN correct; high-risk use allowed" : "PIN correct",
                        token_verify(ctx, ve->target, ve->app, ve->high_risk, pin));
        };
    });

    auto un = std::make_shared<TokenOpts>();
    auto* unfreeze = token_command(group, "unfreeze", "end a freeze: at a branch, or with the e-password device", *un);
    unfreeze->add_flag("--at-branch", un->at_branch, "identity checked in person (ends a 24-hour or permanent freeze)");
    unfreeze->add_option("--id-type", un->id_type, "resident-id, hkid or passport (default: the registered type)");
    unfreeze->add_option("--id-number", un->id_number, "the ID number on the document (with --at-branch)");
    unfreeze->add_option("--name", un->name, "the name on the document (with --at-branch)");
    unfreeze->add_option("--otp-device-code", un->otp_device_code, "a code of the e-password device (permanent freeze)");
    unfreeze->callback([&cli, un] {
        cli.action = [&cli, un] {
            if (un->at_branch == !un->otp_device_code.empty()) {
                fail(Exit::usage, "usage", "give --at-branch --id-number N --name NAME, or --otp-device-code CODE");
            }
            if (un->at_branch && (un->id_number.empty() || un->name.empty())) {
                fail(Exit::usage, "usage", "--at-branch needs --id-number and --name (identity is checked)");
            }
            Context ctx = cli.open();
            auto j = un->at_branch
                         ? token_unfreeze_at_branch(ctx, un->target, IdentityClaim{un->id_type, un->id_number, un->name})
                         : token_unfreeze_with_device(ctx, un->target, un->otp_device_code);
            print_token(cli, "mobile security code unfrozen", j);
        };
    });

    auto bi = std::make_shared<TokenOpts>();
    auto* bio = token_command(group, "biometric", "switch biometric use of the token in an app: on (PIN + SMS code) | off", *bi);
    add_app(bio, *bi);
    bio->add_option("SWITCH", bi->biometric, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
    bio->add_option("--otp", bi->otp, "the code sent with `otp send --purpose token` (on)");
    add_pin(bio, *bi);
    bio->callback([&cli, bi] {
        cli.action = [&cli, bi] {
            if (bi->biometric == "on") {
                if (bi->otp.empty()) fail(Exit::usage, "usage", "biometric on needs --otp and the PIN (--pin-stdin)");
                Context ctx = cli.open();
                SecretReader reader(bi->pin_stdin, "--pin-stdin");
                Secret pin = reader.read("token PIN");
                print_token(cli, "biometric on", token_biometric_on(ctx, bi->target, bi->app, bi->otp, pin));
                return;
            }
            Context ctx = cli.open();
            print_token(cli, "biometric off", token_biometric_off(ctx, bi->target, bi->app));
        };
    });

    auto st = std::make_shared<TokenOpts>();
    token_command(group, "status", "the token's state and its apps", *st)->callback([&cli, st] {
        cli.action = [&cli, st] {
            Context ctx = cli.open();
            auto j = token_status(ctx, st->target);
            if (cli.out.format == Format::json) {
                cli.out.object(j);
                return;
            }
            fmt::print("device {}: {}{}\n", j["device"].get<std::string>(), j["state"].get<std::string>(),
                       j["frozen_until"].is_null() ? std::string() : " until " + j["frozen_until"].get<std::string>());
            cli.out.list(j["apps"], {"app", "linked", "biometric", "high_risk_from"});
        };
    });

    auto re = std::make_shared<TokenOpts>();
    auto* report = token_command(group, "report", "a support bundle: state, apps, counters, freezes, recent history", *re);
    report->add_option("--out", re->out, "write the report to FILE (JSON with -o json, else text)");
    report->callback([&cli, re] {
        cli.action = [&cli, re] {
            Context ctx = cli.open();
            auto j = token_report(ctx, re->target);
            std::string body = cli.out.format == Format::json ? j.dump(2) + "\n" : token_report_text(j);
            if (re->out) {
                std::ofstream f(*re->out, std::ios::binary | std::ios::trunc);
                f << body;
                if (!f.flush()) fail(Exit::io, "io", "cannot write {}", *re->out);
                cli.out.message(fmt::format("report written to {}", *re->out), {{"written", *re->out}});
                return;
            }
            if (cli.out.format == Format::json) {
                cli.out.object(j);
            } else {
                fmt::print("{}", body);
            }
        };
    });
}

}  // namespace kunlun::cli
