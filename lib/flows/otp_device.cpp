#include "flows/otp_device.h"

#include "crypto/encoding.h"
#include "crypto/one_time_password.h"
#include "error.h"
#include "flows/command.h"
#include "flows/customers.h"

namespace kunlun {
namespace {

const OtpDeviceRecord& require_device(const CustomerRecord& c) {
    if (!c.otp_device) {
        fail(Exit::not_found, "not-found", "customer {} has no e-password device registered", c.id);
    }
    return *c.otp_device;
}

struct DeviceKey {
    std::vector<unsigned char> seed;
    OtpAlgorithm algorithm;
    int digits;
};

DeviceKey key_of(const OtpDeviceRecord& d) {
    return {base32_decode(d.secret_base32), parse_otp_algorithm(d.algorithm), static_cast<int>(d.digits)};
}

// A wrong or replayed code counts towards the device's lock; the count commits with the
// refusal (KeptRefusal), like a wrong password's.
[[noreturn]] void refuse_code(Context& ctx, const CustomerRecord& c, OtpDeviceRecord& d, bool replayed) {
    ++d.failures;
    ctx.store->update_otp_device(c.id, d);
    if (d.failures >= ctx.settings().otp_device_max_failures) {
        throw KeptRefusal(Exit::refused, "locked",
                          fmt::format("customer {}'s e-password device is locked after {} wrong codes: resync it at a "
                                      "branch (kunlunctl otp-device resync)", c.id, d.failures));
    }
    if (replayed) {
        throw KeptRefusal(Exit::refused, "otp-replayed",
                          fmt::format("that e-password code of customer {} was used already; wait for the next code",
                                      c.id));
    }
    throw KeptRefusal(Exit::refused, "otp-device-invalid",
                      fmt::format("the e-password code does not match customer {}'s device; check it, or resync a "
                                  "counter-based device with `kunlunctl otp-device resync`", c.id));
}

// A locked time-based device is unlocked the way a counter-based one is: two consecutive
// codes shown in front of an operator. Without this a locked TOTP device could never be used
// again, since resync used to refuse every TOTP device. The second code must be within
// ±totp_steps of now and both after the last step accepted (no replays).
nlohmann::json unlock_totp_device(Context& ctx, const CustomerRecord& c, OtpDeviceRecord& d, const std::string& code1,
                                  const std::string& code2) {
    DeviceKey k = key_of(d);
    const auto period = static_cast<int>(d.period);
    auto unix_now = ctx.now.time_since_epoch().count();
    auto second = match_totp(k.seed, code2, unix_now, period, static_cast<unsigned>(ctx.settings().otp_device_totp_steps),
                             k.digits, k.algorithm);
    std::optional<std::int64_t> first;
    if (second && *second >= 1) {
        // Exactly the step before the second code's: a window of 0 around that step's start.
        first = match_totp(k.seed, code1, (*second - 1) * period, period, 0, k.digits, k.algorithm);
    }
    if (!second || !first || (d.last_step && *first <= *d.last_step)) {
        throw KeptRefusal(Exit::refused, "otp-device-invalid",
                          fmt::format("the two codes are not consecutive codes of customer {}'s time-based device, "
                                      "the second one current: give the code shown now and, once it changes, the next",
                                      c.id));
    }
    d.last_step = *second;
    d.failures = 0;
    ctx.store->update_otp_device(c.id, d);
    ctx.audit("otp-device resync", c.id, "ok", {{"type", "totp"}, {"unlocked", true}});
    return nlohmann::json{{"customer", c.id}, {"resynced", true}, {"skipped", 0}};
}

}  // namespace

void consume_otp_device_code(Context& ctx, const CustomerRecord& c, const std::string& code) {
    OtpDeviceRecord d = require_device(c);
    if (d.failures >= ctx.settings().otp_device_max_failures) {
        fail(Exit::refused, "locked", "customer {}'s e-password device is locked after {} wrong codes: resync it at a "
             "branch (kunlunctl otp-device resync)", c.id, d.failures);
    }
    DeviceKey k = key_of(d);
    const auto& s = ctx.settings();
    if (d.type == "hotp") {
        auto next = static_cast<std::uint64_t>(d.counter);
        auto matched = match_hotp(k.seed, code, next, static_cast<std::uint64_t>(s.otp_device_hotp_window), k.digits,
                                  k.algorithm);
        if (!matched) {
            // A code just behind the counter is one already accepted: say so.
            auto window = static_cast<std::uint64_t>(s.otp_device_hotp_window);
            std::uint64_t from = next > window + 1 ? next - window - 1 : 0;
            bool replayed = next > 0 && match_hotp(k.seed, code, from, next - 1 - from, k.digits, k.algorithm).has_value();
            refuse_code(ctx, c, d, replayed);
        }
        d.counter = static_cast<std::int64_t>(*matched + 1);
    } else {
        auto unix_now = ctx.now.time_since_epoch().count();
        auto step = match_totp(k.seed, code, unix_now, static_cast<int>(d.period),
                               static_cast<unsigned>(s.otp_device_totp_steps), k.digits, k.algorithm);
        if (!step) refuse_code(ctx, c, d, false);
        if (d.last_step && *step <= *d.last_step) refuse_code(ctx, c, d, true);
        d.last_step = *step;
    }
    d.failures = 0;
    ctx.store->update_otp_device(c.id, d);
}

nlohmann::json verify_otp_device(Context& ctx, const std::string& customer_id, const std::string& code) {
    return run_write(ctx, "otp-device verify", customer_id, [&] {
        ctx.require_role({Role::operator_}, "otp-device verify");
        auto c = require_customer(ctx, customer_id);
        consume_otp_device_code(ctx, c, code);
        ctx.audit("otp-device verify", c.id, "ok", {{"type", c.otp_device->type}});
        return nlohmann::json{{"customer", c.id}, {"type", c.otp_device->type}, {"ok", true}};
    });
}

nlohmann::json resync_otp_device(Context& ctx, const std::string& customer_id, const std::string& code1,
                                 const std::string& code2) {
    return run_write(ctx, "otp-device resync", customer_id, [&] {
        ctx.require_role({Role::operator_}, "otp-device resync");
        auto c = require_customer(ctx, customer_id);
        OtpDeviceRecord d = require_device(c);
        if (d.type != "hotp") {
            bool locked = d.failures >= ctx.settings().otp_device_max_failures;
            if (!locked) {
                fail(Exit::data, "invalid-otp-device", "customer {}'s e-password device is time-based (TOTP): it "
                     "follows the clock and needs no resync", c.id);
            }
            return unlock_totp_device(ctx, c, d, code1, code2);
        }
        DeviceKey k = key_of(d);
        auto found = resync_hotp(k.seed, code1, code2, static_cast<std::uint64_t>(d.counter),
                                 static_cast<std::uint64_t>(ctx.settings().otp_device_resync_window), k.digits, k.algorithm);
        if (!found) {
            throw KeptRefusal(Exit::refused, "otp-device-invalid",
                              fmt::format("the two codes are not consecutive codes of customer {}'s device within {} "
                                          "steps of its counter; press the button twice and give both codes in order",
                                          c.id, ctx.settings().otp_device_resync_window));
        }
        std::int64_t before = d.counter;
        d.counter = static_cast<std::int64_t>(*found + 2);
        d.failures = 0;  // two consecutive codes in front of an operator unlock the device
        ctx.store->update_otp_device(c.id, d);
        ctx.audit("otp-device resync", c.id, "ok", {{"counter_before", before}, {"counter_after", d.counter}});
        return nlohmann::json{{"customer", c.id}, {"resynced", true}, {"skipped", d.counter - before - 2}};
    });
}

}  // namespace kunlun
