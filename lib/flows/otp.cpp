#include "flows/otp.h"

#include "crypto/digest.h"
#include "crypto/encoding.h"
#include "crypto/master_key.h"
#include "crypto/random.h"
#include "error.h"
#include "flows/command.h"
#include "flows/customers.h"
#include "notify/delivery.h"
#include "rules/identity.h"

#include <array>

namespace kunlun {
namespace {

constexpr std::array<std::string_view, 5> kPurposes = {"reset-login", "reset-txn", "change-phone", "token", "login"};

// A keyed hash: 6 digits are a million values, so a plain hash would be no protection.
std::vector<unsigned char> code_mac(const Context& ctx, const std::string& customer_id, const std::string& purpose,
                                    const std::string& code) {
    auto key = ctx.master_key->derive("otp-code");
    std::string message = customer_id + '\0' + purpose + '\0' + code;
    auto mac = hmac_sha256(key, bytes_of(message));
    return {mac.begin(), mac.end()};
}

}  // namespace

nlohmann::json send_otp(Context& ctx, const std::string& customer_id, const std::string& purpose,
                        const std::optional<std::string>& to) {
    if (std::find(kPurposes.begin(), kPurposes.end(), purpose) == kPurposes.end()) {
        fail(Exit::usage, "usage", "unknown purpose '{}': use reset-login, reset-txn, change-phone, token or login", purpose);
    }
    // Another number than the reserved phone only where the flow needs one: the contact phone
    // of a reset without the reserved phone, and the new number of a phone change.
    if (to && purpose != "reset-login" && purpose != "change-phone") {
        fail(Exit::usage, "usage", "--to is only for --purpose reset-login (contact phone) or change-phone (new phone)");
    }
    std::string destination = to ? normalize_phone(*to) : std::string();
    // The code's message is queued with the code and handed to the sink only after the code
    // is committed: no customer ever gets a code that does not exist (docs/notify.md).
    std::optional<ImmediateMessage> message;
    auto result = run_write(ctx, "otp send", customer_id, [&] {
        ctx.require_role({Role::operator_}, "otp send");
        auto customer = require_customer(ctx, customer_id);
        std::string dest = to ? destination : customer.phone;
        auto dest_idx = ctx.store->phone_index(dest);
        const auto& s = ctx.settings();
        auto day_start = ctx.zone.end_of_day(ctx.zone.local_day(ctx.now)) - std::chrono::seconds(86399);
        auto stats = ctx.store->otp_sends(customer_id, purpose, dest_idx, day_start);
        if (stats.last_sent_at && ctx.now < *stats.last_sent_at + std::chrono::seconds(s.otp_resend_s)) {
            auto wait = (*stats.last_sent_at + std::chrono::seconds(s.otp_resend_s) - ctx.now).count();
            fail(Exit::busy, "otp-too-soon", "a code was sent to {} less than {} s ago: wait {} s", mask_phone(dest),
                 s.otp_resend_s, wait);
        }
        if (stats.sends_since >= s.otp_daily_max) {
            fail(Exit::busy, "otp-too-soon", "{} codes were sent to {} for {} today, the daily limit: try again tomorrow",
                 stats.sends_since, mask_phone(dest), purpose);
        }
        std::string code = random_digits(6);
        ctx.store->supersede_otps(customer_id, purpose, dest_idx);
        OtpRecord otp;
        otp.customer_id = customer_id;
        otp.purpose = purpose;
        otp.destination_idx = dest_idx;
        otp.code_mac = code_mac(ctx, customer_id, purpose, code);
        otp.created_at = ctx.now;
        otp.expires_at = ctx.now + std::chrono::seconds(s.otp_ttl_s);
        ctx.store->insert_otp(otp);
        ctx.audit("otp send", customer_id, "ok", {{"purpose", purpose}, {"to", mask_phone(dest)}});
        message = ImmediateMessage::queue(
            ctx, {customer_id, dest, "otp", {{"code", code}, {"purpose", purpose}, {"minutes", (s.otp_ttl_s + 59) / 60}}, "code"});
        std::fill(code.begin(), code.end(), '0');
        return nlohmann::json{{"customer", customer_id}, {"purpose", purpose}, {"to", mask_phone(dest)},
                              {"expires_at", ctx.format_time(otp.expires_at)}};
    });
    message->deliver(ctx);
    return result;
}

void consume_otp(Context& ctx, const std::string& customer_id, const std::string& purpose,
                 const std::string& destination_e164, const std::string& code) {
    auto dest_idx = ctx.store->phone_index(destination_e164);
    auto otp = ctx.store->latest_otp(customer_id, purpose, dest_idx);
    std::string where = mask_phone(destination_e164);
    if (!otp) fail(Exit::refused, "otp-invalid", "no code was sent to {} for {}: send one with `kunlunctl otp send`", where, purpose);
    if (otp->state == "used") fail(Exit::refused, "otp-invalid", "the code sent to {} was already used: send a new one", where);
    if (otp->state == "exhausted") fail(Exit::refused, "otp-invalid", "the code sent to {} had too many wrong tries: send a new one", where);
    if (ctx.now >= otp->expires_at) fail(Exit::refused, "otp-invalid", "the code sent to {} has expired: send a new one", where);
    auto expected = code_mac(ctx, customer_id, purpose, code);
    if (!constant_time_equal(expected, otp->code_mac)) {
        auto tries = otp->wrong_tries + 1;
        bool exhausted = tries >= ctx.settings().otp_max_tries;
        ctx.store->update_otp(otp->id, tries, exhausted ? "exhausted" : "active");
        throw KeptRefusal(Exit::refused, "otp-invalid",
                          exhausted ? fmt::format("wrong code; that was the last try: send a new code to {}", where)
                                    : fmt::format("wrong code; {} tries left", ctx.settings().otp_max_tries - tries));
    }
    ctx.store->update_otp(otp->id, otp->wrong_tries, "used");
}

}  // namespace kunlun
