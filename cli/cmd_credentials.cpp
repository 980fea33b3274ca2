// otp send, login verify, txn verify, reset-login, reset-txn, notify list|dispatch|retry.
#include "app.h"
#include "error.h"
#include "flows/credentials.h"
#include "flows/otp.h"
#include "notify/outbox.h"
#include "secrets.h"

namespace kunlun::cli {

void register_otp(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("otp", "one-time SMS codes (operator)");
    group->require_subcommand(1);
    auto* send = group->add_subcommand("send", "send a 6-digit code to the reserved phone (or --to)");
    struct Opts { std::string customer, purpose; std::optional<std::string> to; };
    auto o = std::make_shared<Opts>();
    send->add_option("--customer", o->customer, "customer id")->required();
    send->add_option("--purpose", o->purpose, "reset-login, reset-txn, change-phone, token or login")->required();
    send->add_option("--to", o->to, "a contact phone (reset-login) or the new phone (change-phone)");
    send->callback([&cli, o] {
        cli.action = [&cli, o] {
            Context ctx = cli.open();
            auto j = send_otp(ctx, o->customer, o->purpose, o->to);
            cli.out.message(fmt::format("code sent to {}, valid until {}", j["to"].get<std::string>(),
                                        j["expires_at"].get<std::string>()), j);
        };
    });
}

void register_verify(CLI::App& app, App& cli) {
    auto* login = app.add_subcommand("login", "the login password (operator)");
    login->require_subcommand(1);
    auto* lverify = login->add_subcommand("verify", "check a login password; counts failures");
    struct Opts { std::string customer, account; bool stdin_flag = false; std::optional<std::string> otp; };
    auto lo = std::make_shared<Opts>();
    lverify->add_option("--customer", lo->customer, "customer id")->required();
    lverify->add_option("--otp", lo->otp, "an SMS code (otp send --purpose login), when the customer's sessions were ended");
    lverify->add_flag("--password-stdin", lo->stdin_flag, "read the password from standard input");
    lverify->callback([&cli, lo] {
        cli.action = [&cli, lo] {
            Context ctx = cli.open();
            SecretReader reader(lo->stdin_flag, "--password-stdin");
            Secret pw = reader.read("login password");
            auto j = verify_login(ctx, lo->customer, pw, lo->otp);
            cli.out.message(j["must_change"].get<bool>() ? "password correct; it must be changed now" : "password correct", j);
        };
    });

    auto* txn = app.add_subcommand("txn", "the transaction password (operator)");
    txn->require_subcommand(1);
    auto* tverify = txn->add_subcommand("verify", "check an account's transaction password; counts failures");
    auto to = std::make_shared<Opts>();
    tverify->add_option("--customer", to->customer, "customer id")->required();
    tverify->add_option("--account", to->account, "account number")->required();
    tverify->add_flag("--password-stdin", to->stdin_flag, "read the password from standard input");
    tverify->callback([&cli, to] {
        cli.action = [&cli, to] {
            Context ctx = cli.open();
            SecretReader reader(to->stdin_flag, "--password-stdin");
            Secret pw = reader.read("transaction password");
            cli.out.message("password correct", verify_txn(ctx, to->customer, to->account, pw));
        };
    });
}

void register_resets(CLI::App& app, App& cli) {
    auto* rl = app.add_subcommand("reset-login", "reset a forgotten login password (operator)");
    struct Opts {
        std::string customer, id_number, name, phone, otp, account;
        std::optional<std::string> id_type;
        bool at_branch = false, stdin_flag = false, modify = false, phone_unavailable = false;
        std::string face, face_ref, contact_phone, contact_otp;
        MaterialFiles materials;
        std::optional<std::string> eshield_challenge, eshield_signature;
    };
    auto o = std::make_shared<Opts>();
    rl->add_option("--customer", o->customer, "customer id")->required();
    rl->add_option("--id-type", o->id_type, "resident-id, hkid or passport (default: the registered type)");
    rl->add_option("--id-number", o->id_number, "the ID number on the document")->required();
    rl->add_option("--name", o->name, "the name on the document")->required();
    rl->add_option("--phone", o->phone, "the reserved phone, as the customer states it");
    rl->add_option("--otp", o->otp, "the code sent with `otp send --purpose reset-login`");
    rl->add_flag("--at-branch", o->at_branch, "identity checked in person: issue a temporary password");
    rl->add_flag("--phone-unavailable", o->phone_unavailable, "the reserved phone is lost: a review case (T+1)");
    rl->add_option("--face", o->face, "face recognition result: pass");
    rl->add_option("--face-ref", o->face_ref, "reference of the face check");
    rl->add_option("--id-front", o->materials.id_front, "photo of the ID's front (JPEG/PNG)");
    rl->add_option("--id-back", o->materials.id_back, "photo of the ID's back (JPEG/PNG)");
    rl->add_option("--handheld", o->materials.handheld, "photo of the customer holding the ID (JPEG/PNG)");
    rl->add_option("--contact-phone", o->contact_phone, "a phone the customer can use now");
    rl->add_option("--contact-otp", o->contact_otp, "the code sent to the contact phone (otp send --to)");
    rl->add_flag("--password-stdin", o->stdin_flag, "read the new password and its confirmation from standard input");
    rl->callback([&cli, o] {
        cli.action = [&cli, o] {
            IdentityClaim claim{o->id_type, o->id_number, o->name};
            if (o->at_branch) {
                Context ctx = cli.open();
                auto j = reset_login_at_branch(ctx, o->customer, claim);
                // Printed even with -q: it is shown once and nowhere else.
                if (cli.out.format == Format::json) {
                    cli.out.object(j);
                } else {
                    fmt::print("temporary password (shown once, must be changed at next login): {}\n",
                               j["temporary_password"].get<std::string>());
                }
                return;
            }
            if (o->phone_unavailable) {
                if (o->contact_phone.empty() || o->contact_otp.empty()) {
                    fail(Exit::usage, "usage", "--phone-unavailable needs --contact-phone and --contact-otp");
                }
                Context ctx = cli.open();
                SecretReader reader(o->stdin_flag, "--password-stdin");
                NewSecret pw{reader.read("new login password"), reader.read("new login password again")};
                auto j = reset_login_without_phone(ctx, o->customer, claim, o->face, o->face_ref, o->materials,
                                                   o->contact_phone, o->contact_otp, pw);
                cli.out.object(j);
                return;
            }
            if (o->phone.empty() || o->otp.empty()) {
                fail(Exit::usage, "usage", "give --phone and --otp (reserved phone), --phone-unavailable, or --at-branch");
            }
            Context ctx = cli.open();
            SecretReader reader(o->stdin_flag, "--password-stdin");
            NewSecret pw{reader.read("new login password"), reader.read("new login password again")};
            auto j = reset_login_with_phone(ctx, o->customer, claim, o->phone, o->otp, pw);
            cli.out.message("login password reset: effective now", j);
        };
    });

    auto* rt = app.add_subcommand("reset-txn", "modify or reset a transaction password (operator)");
    auto t = std::make_shared<Opts>();
    rt->add_option("--customer", t->customer, "customer id")->required();
    rt->add_option("--account", t->account, "account number")->required();
    rt->add_flag("--modify", t->modify, "old password known: old, new, confirm on stdin");
    rt->add_option("--otp", t->otp, "the code sent with `otp send --purpose reset-txn`");
    rt->add_flag("--password-stdin", t->stdin_flag, "read passwords from standard input, one per line");
    rt->add_option("--face", t->face, "pass, or failed-over-limit (face check failed more than 3 times)");
    rt->add_option("--face-ref", t->face_ref, "reference of the face check");
    rt->add_option("--id-front", t->materials.id_front, "photo of the ID's front (JPEG/PNG)");
    rt->add_option("--id-back", t->materials.id_back, "photo of the ID's back (JPEG/PNG)");
    rt->add_option("--handheld", t->materials.handheld, "photo of the customer holding the ID (JPEG/PNG)");
    rt->add_option("--eshield-challenge", t->eshield_challenge, "an e-shield challenge id (eshield challenge): effective now");
    rt->add_option("--eshield-signature", t->eshield_signature, "the e-shield's signature over the challenge (DER or base64)");
    rt->callback([&cli, t] {
        cli.action = [&cli, t] {
            if (t->eshield_challenge || t->eshield_signature) {
                // Another path's inputs alongside the e-shield's are a confused command line, not
                // something to ignore silently: an SMS code or materials are never used here.
                bool other_path = t->modify || !t->face.empty() || !t->face_ref.empty() || !t->otp.empty() ||
                                  !t->materials.id_front.empty() || !t->materials.id_back.empty() ||
                                  !t->materials.handheld.empty();
                if (!t->eshield_challenge || !t->eshield_signature || other_path) {
                    fail(Exit::usage, "usage", "the e-shield path takes --eshield-challenge ID and --eshield-signature "
                         "FILE together, without --modify, --otp, --face or the materials of the other paths");
                }
                Context ctx = cli.open();
                SecretReader reader(t->stdin_flag, "--password-stdin");
                NewSecret pw{reader.read("new transaction password"), reader.read("new transaction password again")};
                cli.out.message("transaction password reset with the e-shield: effective now",
                                reset_txn_with_eshield(ctx, t->customer, t->account, *t->eshield_challenge,
                                                       *t->eshield_signature, pw));
                return;
            }
            if (t->otp.empty()) fail(Exit::usage, "usage", "give --otp (the code sent with `otp send --purpose reset-txn`)");
            if (!t->modify) {
                if (t->face.empty()) fail(Exit::usage, "usage", "give --modify, or --face with the materials (a review case)");
                Context ctx = cli.open();
                SecretReader reader(t->stdin_flag, "--password-stdin");
                NewSecret pw{reader.read("new transaction password"), reader.read("new transaction password again")};
                cli.out.object(reset_txn_reviewed(ctx, t->customer, t->account, t->face, t->face_ref, t->materials, t->otp, pw));
                return;
            }
            Context ctx = cli.open();
            SecretReader reader(t->stdin_flag, "--password-stdin");
            Secret old = reader.read("current transaction password");
            NewSecret pw{reader.read("new transaction password"), reader.read("new transaction password again")};
            cli.out.message("transaction password changed: effective now",
                            modify_txn_password(ctx, t->customer, t->account, t->otp, old, pw));
        };
    });
}

void register_notify(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("notify", "the outbox of SMS messages (operator, admin)");
    group->require_subcommand(1);
    auto* list = group->add_subcommand("list", "messages in the outbox");
    auto state = std::make_shared<std::optional<std::string>>();
    auto limit = std::make_shared<std::optional<std::int64_t>>();
    list->add_option("--state", *state, "pending, sent or dead")->check(CLI::IsMember({"pending", "sent", "dead"}));
    list->add_option("--limit", *limit, "print at most N messages");
    list->callback([&cli, state, limit] {
        cli.action = [&cli, state, limit] {
            Context ctx = cli.open();
            cli.out.list(list_outbox(ctx, *state, *limit),
                         {"id", "customer", "to", "template", "state", "attempts", "created_at"});
        };
    });
    auto* dispatch = group->add_subcommand("dispatch", "deliver every message that is due");
    dispatch->callback([&cli] {
        cli.action = [&cli] {
            Context ctx = cli.open();
            auto j = dispatch_notifications(ctx, &stop_on_signals());
            auto summary = fmt::format("sent {}, retrying {}, dead {}", j["sent"].get<std::int64_t>(),
                                       j["retrying"].get<std::int64_t>(), j["dead"].get<std::int64_t>());
            if (j.value("interrupted", false)) {
                cli.fail_with_progress(summary, j, Exit::busy, "interrupted",
                                       "delivery stopped on a signal after a page; the rest stays queued: run "
                                       "`kunlunctl notify dispatch` again");
                return;
            }
            cli.out.message(summary, j);
        };
    });
    struct RetryOpts { std::optional<std::int64_t> id; bool all_dead = false; };
    auto r = std::make_shared<RetryOpts>();
    auto* retry = group->add_subcommand("retry", "put a dead letter (or every one) back in the queue");
    retry->add_option("ID", r->id, "message id (see `notify list --state dead`)");
    retry->add_flag("--all-dead", r->all_dead, "every dead letter");
    retry->callback([&cli, r] {
        cli.action = [&cli, r] {
            if (r->id.has_value() == r->all_dead) fail(Exit::usage, "usage", "give a message ID or --all-dead (one of them)");
            Context ctx = cli.open();
            auto j = retry_dead(ctx, r->id);
            cli.out.message(fmt::format("requeued {} dead letter(s); `kunlunctl notify dispatch` delivers them",
                                        j["retried"].get<std::int64_t>()), j);
        };
    });
}

}  // namespace kunlun::cli
