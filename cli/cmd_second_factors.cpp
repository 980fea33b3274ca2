// eshield register|challenge, otp-device verify|resync, change-phone.
#include "app.h"
#include "error.h"
#include "flows/eshield.h"
#include "flows/otp_device.h"
#include "flows/phone_change.h"

#include <fstream>

namespace kunlun::cli {

void register_eshield(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("eshield", "the customer's e-shield certificate (operator)");
    group->require_subcommand(1);

    struct RegOpts { std::string customer, certificate; };
    auto r = std::make_shared<RegOpts>();
    auto* reg = group->add_subcommand("register", "register (or replace) the customer's e-shield certificate");
    reg->add_option("--customer", r->customer, "customer id")->required();
    reg->add_option("--certificate", r->certificate, "PEM certificate (RSA >= 2048, ECDSA P-256 or SM2)")->required();
    reg->callback([&cli, r] {
        cli.action = [&cli, r] {
            Context ctx = cli.open();
            auto j = register_eshield(ctx, r->customer, r->certificate);
            cli.out.message(fmt::format("e-shield registered for {}: {} certificate, fingerprint {}",
                                        j["customer"].get<std::string>(), j["key_type"].get<std::string>(),
                                        j["fingerprint"].get<std::string>()), j);
        };
    });

    struct ChOpts { std::string customer, purpose; std::optional<std::string> out; };
    auto c = std::make_shared<ChOpts>();
    auto* ch = group->add_subcommand("challenge", "issue a single-use challenge for the e-shield to sign");
    ch->add_option("--customer", c->customer, "customer id")->required();
    ch->add_option("--purpose", c->purpose, "reset-txn or change-phone (default: either)");
    ch->add_option("--out", c->out, "write the exact bytes to sign to FILE");
    ch->callback([&cli, c] {
        cli.action = [&cli, c] {
            Context ctx = cli.open();
            // Opened before the challenge is issued: an unwritable --out then changes nothing,
            // instead of leaving an issued challenge whose bytes nobody received.
            std::ofstream f;
            if (c->out) {
                f.open(*c->out, std::ios::binary | std::ios::trunc);
                if (!f) fail(Exit::io, "io", "cannot write {}: check the directory exists and is writable", *c->out);
            }
            std::string raw;
            auto j = eshield_challenge(ctx, c->customer, c->purpose, &raw);
            if (c->out) {
                f << raw;
                if (!f.flush()) fail(Exit::io, "io", "cannot write {}", *c->out);
            }
            cli.out.message(fmt::format("challenge {} (expires {}); bytes to sign{}:\n{}", j["id"].get<std::string>(),
                                        j["expires_at"].get<std::string>(),
                                        c->out ? " written to " + *c->out : std::string(), raw), j);
        };
    });
}

void register_otp_device(CLI::App& app, App& cli) {
    auto* group = app.add_subcommand("otp-device", "the customer's e-password device (operator)");
    group->require_subcommand(1);
    struct Opts { std::string customer, code, code1, code2; };
    auto o = std::make_shared<Opts>();
    auto* verify = group->add_subcommand("verify", "check a code of the device (accepted once)");
    verify->add_option("--customer", o->customer, "customer id")->required();
    verify->add_option("--code", o->code, "the code the device shows")->required();
    verify->callback([&cli, o] {
        cli.action = [&cli, o] {
            Context ctx = cli.open();
            cli.out.message("e-password code correct", verify_otp_device(ctx, o->customer, o->code));
        };
    });
    auto r = std::make_shared<Opts>();
    auto* resync = group->add_subcommand("resync", "re-align a drifted HOTP counter with two consecutive codes");
    resync->add_option("--customer", r->customer, "customer id")->required();
    resync->add_option("--code1", r->code1, "the first code")->required();
    resync->add_option("--code2", r->code2, "the next code")->required();
    resync->callback([&cli, r] {
        cli.action = [&cli, r] {
            Context ctx = cli.open();
            cli.out.message("e-password device resynchronised", resync_otp_device(ctx, r->customer, r->code1, r->code2));
        };
    });
}

void register_change_phone(CLI::App& app, App& cli) {
    auto* cp = app.add_subcommand("change-phone", "change the reserved phone number (operator)");
    struct Opts {
        PhoneChangeRequest r;
        std::optional<std::string> id_type;
    };
    auto o = std::make_shared<Opts>();
    cp->add_option("--customer", o->r.customer_id, "customer id")->required();
    cp->add_option("--id-type", o->id_type, "resident-id, hkid or passport (default: the registered type)");
    cp->add_option("--id-number", o->r.claim.id_number, "the ID number on the document")->required();
    cp->add_option("--name", o->r.claim.name, "the name on the document")->required();
    cp->add_option("--new-phone", o->r.new_phone, "the new reserved phone")->required();
    cp->add_option("--device", o->r.device_id, "the customer's device the request comes from")->required();
    cp->add_option("--face", o->r.face, "face recognition result: pass");
    cp->add_option("--face-ref", o->r.face_ref, "reference of the face check");
    cp->add_flag("--carrier-verified", o->r.carrier_verified, "the carrier confirmed the new number is in the customer's name");
    cp->add_option("--new-phone-otp", o->r.new_phone_otp, "the code sent to the new phone (otp send --purpose change-phone --to NEW)");
    cp->add_option("--old-phone-otp", o->r.old_phone_otp, "the code sent to the old phone: effective now");
    cp->add_flag("--old-phone-unavailable", o->r.old_phone_unavailable, "the old phone is lost: a review case (T+1)");
    cp->add_option("--card", o->r.card, "a card number of the customer's (with --old-phone-unavailable)");
    cp->add_option("--eshield-challenge", o->r.eshield_challenge, "an e-shield challenge id: effective now");
    cp->add_option("--eshield-signature", o->r.eshield_signature, "the e-shield's signature over the challenge (DER or base64)");
    cp->callback([&cli, o] {
        cli.action = [&cli, o] {
            o->r.claim.id_type = o->id_type;
            Context ctx = cli.open();
            auto j = change_phone(ctx, o->r);
            if (j.contains("effective")) {
                cli.out.message(fmt::format("reserved phone changed to {}: effective now; high-risk operations are "
                                            "refused until {}", j["phone"].get<std::string>(),
                                            j["cooling_off_until"].get<std::string>()), j);
            } else {
                cli.out.object(j);
            }
        };
    });
}

}  // namespace kunlun::cli
