#include "flows/phone_change.h"

#include "crypto/encoding.h"
#include "error.h"
#include "flows/cases.h"
#include "flows/command.h"
#include "flows/customers.h"
#include "flows/eshield.h"
#include "flows/otp.h"
#include "notify/outbox.h"
#include "rules/device_trust.h"
#include "rules/identity.h"

namespace kunlun {
namespace {

enum class Path { old_phone, reviewed, eshield };

std::string_view path_name(Path p) {
    switch (p) {
        case Path::old_phone: return "old-phone";
        case Path::reviewed: return "old-phone-unavailable";
        case Path::eshield: return "eshield";
    }
    return "";
}

// Usage errors first, before the store is touched: exactly one proof, and what every path needs.
Path choose_path(const PhoneChangeRequest& r) {
    int given = (r.old_phone_otp ? 1 : 0) + (r.old_phone_unavailable ? 1 : 0) + (r.eshield_challenge ? 1 : 0);
    if (given != 1) {
        fail(Exit::usage, "usage", "give exactly one of --old-phone-otp, --old-phone-unavailable --card A, or "
             "--eshield-challenge ID --eshield-signature FILE");
    }
    if (r.old_phone_unavailable && !r.card) fail(Exit::usage, "usage", "--old-phone-unavailable needs --card (a card of the customer's)");
    if (r.eshield_challenge.has_value() != r.eshield_signature.has_value()) {
        fail(Exit::usage, "usage", "--eshield-challenge and --eshield-signature go together");
    }
    if (r.new_phone_otp.empty()) {
        fail(Exit::usage, "usage", "give --new-phone-otp (the code sent with `otp send --purpose change-phone --to NEW`)");
    }
    if (r.face.empty() || r.face_ref.empty()) fail(Exit::usage, "usage", "give --face pass and --face-ref (the face check)");
    if (r.device_id.empty()) fail(Exit::usage, "usage", "give --device (the device the customer applies from)");
    if (r.old_phone_otp) return Path::old_phone;
    if (r.old_phone_unavailable) return Path::reviewed;
    return Path::eshield;
}

const DeviceRecord& require_device(const CustomerRecord& c, const std::string& device_id) {
    if (const DeviceRecord* d = find_device(c, device_id)) return *d;
    // Audited like the other preconditions (a KeptRefusal commits the audit entry; nothing has
    // been written before this point): a phone change from a device that is not the
    // customer's is an attempt worth recording, not a typo of a customer id.
    throw KeptRefusal(Exit::not_found, "not-found", fmt::format("customer {} has no device {}", c.id, device_id));
}

// The preconditions of domain.md §4, in the order the issue lists them; each names its item.
std::string check_preconditions(Context& ctx, const CustomerRecord& c, const PhoneChangeRequest& r) {
    check_identity(c, r.claim, ctx.zone.local_day(ctx.now));
    if (r.face != "pass") {
        fail(Exit::refused, "face-failed", "face recognition must have passed (--face pass) to change the reserved "
             "phone; otherwise the customer changes it at a branch");
    }
    const auto& device = require_device(c, r.device_id);
    const auto& minimum = ctx.settings().phone_change_min_app_version;
    // A mistyped minimum is the bank's configuration error, not the customer's device's fault.
    if (!is_app_version(minimum)) {
        fail(Exit::config, "config", "policy.phone_change.min_app_version '{}' is not a version (digits and dots, "
             "e.g. 6.0.0): fix the configuration", minimum);
    }
    if (auto problem = device_trust_problem({device.encrypted, device.app_version, device.rooted}, minimum)) {
        fail(Exit::refused, "device-untrusted", "device {} cannot be used for a phone change: {}", device.id, *problem);
    }
    if (!r.carrier_verified) {
        fail(Exit::refused, "carrier-unverified", "the carrier has not confirmed that the new number is registered in "
             "the customer's real name: check it and give --carrier-verified");
    }
    std::string phone = normalize_phone(r.new_phone);  // 65 invalid-phone when malformed
    if (!is_mobile_phone(phone)) {
        fail(Exit::data, "invalid-phone", "{} is not a mobile number: the reserved phone must receive SMS", mask_phone(phone));
    }
    if (phone == c.phone) {
        fail(Exit::data, "same-phone", "{} is already customer {}'s reserved phone", mask_phone(phone), c.id);
    }
    lock_reserved_phone(ctx, phone);
    if (auto owner = ctx.store->customer_with_phone(phone); owner && *owner != c.id) {
        fail(Exit::data, "phone-taken", "{} is another customer's reserved phone; a number belongs to one customer",
             mask_phone(phone));
    }
    return phone;
}

void require_card(const CustomerRecord& c, const std::string& raw) {
    std::string number = normalize_account_number(raw);  // 65 when not 16-19 digits or not Luhn-valid
    for (const auto& a : c.accounts) {
        if (a.number == number) return;
    }
    fail(Exit::refused, "identity-mismatch", "card {} is not customer {}'s", mask_account(number), c.id);
}

nlohmann::json apply_now(Context& ctx, const CustomerRecord& c, const std::string& phone, Path path) {
    std::string old = c.phone;
    ctx.store->update_phone(c.id, phone, ctx.now);
    notify_phone_changed(ctx, c.id, old, phone);
    auto until = ctx.now + std::chrono::hours(ctx.settings().phone_change_cooling_off_h);
    ctx.audit("change-phone", c.id, "ok",
              {{"path", path_name(path)}, {"old", mask_phone(old)}, {"new", mask_phone(phone)}});
    return nlohmann::json{{"customer", c.id},
                          {"path", path_name(path)},
                          {"effective", true},
                          {"phone", mask_phone(phone)},
                          {"cooling_off_until", ctx.format_time(until)}};
}

}  // namespace

void lock_reserved_phone(Context& ctx, const std::string& e164) {
    ctx.store->lock_named("reserved-phone:" + to_hex(ctx.store->phone_index(e164)));
}

void notify_phone_changed(Context& ctx, const std::string& customer_id, const std::string& old_phone,
                          const std::string& new_phone) {
    nlohmann::json params{{"old", old_phone.substr(old_phone.size() - 4)}, {"new", new_phone.substr(new_phone.size() - 4)}};
    enqueue_notification(ctx, {customer_id, old_phone, "phone_changed", params, ""});
    enqueue_notification(ctx, {customer_id, new_phone, "phone_changed", params, ""});
}

void refuse_during_cooling_off(const Context& ctx, const CustomerRecord& c, std::string_view operation) {
    if (!c.phone_changed_at) return;
    auto until = *c.phone_changed_at + std::chrono::hours(ctx.settings().phone_change_cooling_off_h);
    if (ctx.now < until) {
        fail(Exit::refused, "cooling-off", "customer {}'s reserved phone changed at {}: {} is refused until {}", c.id,
             ctx.format_time(*c.phone_changed_at), operation, ctx.format_time(until));
    }
}

nlohmann::json change_phone(Context& ctx, const PhoneChangeRequest& r) {
    Path path = choose_path(r);
    return run_write(ctx, "change-phone", r.customer_id, [&] {
        ctx.require_role({Role::operator_}, "change-phone");
        auto c = require_customer(ctx, r.customer_id);
        std::string phone = check_preconditions(ctx, c, r);
        // The new number's code first, then the proof. A wrong code or signature is a refusal
        // that commits (its wrong-try count, the used-up challenge), and it used to commit the
        // other, correct code as used too: the customer had to start again with two new codes.
        // So the new number's code is consumed first and put back as it was when the proof is
        // refused; a wrong new-number code stops before the proof is looked at.
        auto new_code_before = ctx.store->latest_otp(c.id, "change-phone", ctx.store->phone_index(phone));
        consume_otp(ctx, c.id, "change-phone", phone, r.new_phone_otp);
        try {
            switch (path) {
                case Path::old_phone: consume_otp(ctx, c.id, "change-phone", c.phone, *r.old_phone_otp); break;
                case Path::reviewed: require_card(c, *r.card); break;
                case Path::eshield:
                    consume_eshield_signature(ctx, c, *r.eshield_challenge, *r.eshield_signature, "change-phone");
                    break;
            }
        } catch (const KeptRefusal&) {
            if (new_code_before) {
                ctx.store->update_otp(new_code_before->id, new_code_before->wrong_tries, new_code_before->state);
            }
            throw;
        }
        if (path != Path::reviewed) return apply_now(ctx, c, phone, path);
        CaseRecord k;
        k.kind = "change-phone";
        k.customer_id = c.id;
        k.account = normalize_account_number(*r.card);
        k.face_result = r.face;
        k.face_ref = r.face_ref;
        k.staged_phone = phone;
        k = submit_case(ctx, std::move(k), phone);  // the old phone is lost: the receipt goes to the new one
        return case_json(ctx, k);
    });
}

}  // namespace kunlun
