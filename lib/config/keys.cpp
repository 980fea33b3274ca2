#include "config/keys.h"

#include "config/toml_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace kunlun {
namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int32_t>::max();
using S = Settings;

// Kept in the order `config show` prints them: by section, then as the rulebook reads.
const std::vector<KeySpec>& table() {
    static const std::vector<KeySpec> keys = {
        {"bank.name", &S::bank_name, 0, 0, {}, "the bank's name in messages and challenges"},
        {"bank.sms_number", &S::bank_sms_number, 0, 0, {}, "the number result SMS come from"},
        {"bank.timezone", &S::bank_timezone, 0, 0, {}, "IANA zone for business days and due times"},
        {"store.busy_timeout_ms", &S::store_busy_timeout_ms, 0, 600000, {},
         "wait this long for a store another process holds, then exit 75"},
        {"store.connect_timeout_seconds", &S::store_connect_timeout_s, 1, 600, {},
         "PostgreSQL connect timeout (unless the URI sets connect_timeout), then exit 69"},
        {"store.conflict_retries", &S::store_conflict_retries, 0, 100, {},
         "PostgreSQL: runs of a transaction again after a deadlock or serialization failure, then exit 75"},
        {"keys.file", &S::keys_file, 0, 0, {}, "master key file (default: STORE.key beside a SQLite store; required for PostgreSQL)"},
        {"crypto.argon2.memory_kib", &S::argon2_memory_kib, 8, 4194304, {}, "Argon2id memory cost"},
        {"crypto.argon2.time_cost", &S::argon2_time_cost, 1, 100, {}, "Argon2id passes"},
        {"crypto.argon2.parallelism", &S::argon2_parallelism, 1, 64, {}, "Argon2id lanes"},
        {"calendar.region", &S::calendar_region, 0, 0, {}, "region of the business calendar (CN, HK)"},
        {"calendar.dir", &S::calendar_dir, 0, 0, {}, "directory of REGION-YEAR.toml calendars"},
        {"calendar.missing_year", &S::calendar_missing_year, 0, 0, {"warn", "error"},
         "a year without a calendar: weekends only with a warning, or an error"},
        {"policy.login.profile", &S::login_profile, 0, 0, {"kunlun", "icbc"}, "login password rule"},
        {"policy.login.max_failures", &S::login_max_failures, 1, 100, {}, "failures that lock the login"},
        {"policy.login.history", &S::login_history, 0, 50, {}, "previous passwords that may not be reused"},
        {"policy.login.temporary_length", &S::login_temp_length, 6, 8, {}, "branch temporary password digits"},
        {"policy.txn.max_failures", &S::txn_max_failures, 1, 100, {}, "failures that lock an account's transactions"},
        {"policy.otp.ttl_seconds", &S::otp_ttl_s, 30, 3600, {}, "one-time code validity"},
        {"policy.otp.max_tries", &S::otp_max_tries, 1, 20, {}, "wrong tries before a code is void"},
        {"policy.otp.resend_seconds", &S::otp_resend_s, 0, 3600, {}, "minimum spacing of two sends"},
        {"policy.otp.daily_max", &S::otp_daily_max, 1, 1000, {}, "sends per customer, purpose and number a day"},
        {"policy.review.expire_business_days", &S::review_expire_business_days, 1, 60, {},
         "pending cases expire after this many business days"},
        {"policy.review.materials_max_bytes", &S::materials_max_bytes, 1024, 1LL << 30, {},
         "size cap of one material file"},
        {"policy.review.materials_dir", &S::materials_dir, 0, 0, {},
         "where material files are kept (default: STORE.materials beside a SQLite store; required for PostgreSQL)"},
        {"policy.phone_change.min_app_version", &S::phone_change_min_app_version, 0, 0, {},
         "oldest app version trusted for a phone change"},
        {"policy.phone_change.cooling_off_hours", &S::phone_change_cooling_off_h, 0, 720, {},
         "high-risk operations refused this long after a phone change"},
        {"policy.token.high_risk_delay_hours", &S::token_high_risk_delay_h, 0, 720, {},
         "mobile-banking waits this long after enable/sync before high-risk use"},
        {"policy.token.max_pin_failures", &S::token_max_pin_failures, 1, 100, {}, "wrong PINs that freeze the token"},
        {"policy.token.freeze_hours", &S::token_freeze_h, 1, 720, {}, "length of a temporary freeze"},
        {"policy.token.permanent_after", &S::token_permanent_after, 1, 100, {},
         "temporary freezes within the window that make it permanent"},
        {"policy.token.freeze_window_days", &S::token_freeze_window_days, 1, 3650, {}, "window for counting freezes"},
        {"policy.token.challenge_ttl_seconds", &S::token_challenge_ttl_s, 30, 3600, {}, "ID-digit challenge validity"},
        {"policy.token.waiting_apps", &S::token_waiting_apps, 0, 0, {},
         "apps (comma-separated) that wait high_risk_delay_hours after enable/sync before high-risk use"},
        {"policy.token.session_ending_apps", &S::token_session_ending_apps, 0, 0, {},
         "apps (comma-separated) where disabling the token ends the customer's sessions"},
        {"policy.eshield.challenge_ttl_seconds", &S::eshield_challenge_ttl_s, 30, 3600, {}, "signing challenge validity"},
        {"policy.eshield.ca_bundle", &S::eshield_ca_bundle, 0, 0, {},
         "PEM file of the CAs e-shield certificates must chain to (empty: not checked)"},
        {"policy.otp_device.hotp_window", &S::otp_device_hotp_window, 0, 1000, {}, "HOTP look-ahead"},
        {"policy.otp_device.totp_steps", &S::otp_device_totp_steps, 0, 10, {}, "TOTP steps accepted either side"},
        {"policy.otp_device.resync_window", &S::otp_device_resync_window, 1, 100000, {}, "HOTP resync look-ahead"},
        {"policy.otp_device.max_failures", &S::otp_device_max_failures, 1, 100, {},
         "consecutive wrong device codes that lock the device until a resync at a branch"},
        {"batch.chunk_size", &S::batch_chunk_size, 1, 1000000, {}, "cases per batch transaction"},
        {"batch.auto_approve", &S::batch_auto_approve, 0, 0, {}, "approve cases that pass every check"},
        {"notify.sink", &S::notify_sink, 0, 0, {}, "file:PATH or exec:PROGRAM (empty: keep in the outbox)"},
        {"notify.max_attempts", &S::notify_max_attempts, 1, 100, {}, "deliveries tried before a dead letter"},
        {"notify.base_delay_seconds", &S::notify_base_delay_s, 0, 86400, {}, "first retry delay, doubled each time"},
        {"notify.exec_timeout_seconds", &S::notify_exec_timeout_s, 1, 3600, {}, "exec sink time limit"},
        {"notify.page_size", &S::notify_page_size, 1, 10000, {}, "messages claimed and handed over at a time"},
        {"notify.claim_lease_seconds", &S::notify_claim_lease_s, 5, 86400, {},
         "how long a deliverer's claim lasts before another may take the messages over"},
        {"notify.templates.otp", &S::tpl_otp, 0, 0, {}, "one-time code SMS ({code}, {minutes})"},
        {"notify.templates.login_password_changed", &S::tpl_login_changed, 0, 0, {}, "login password reset SMS"},
        {"notify.templates.txn_password_changed", &S::tpl_txn_changed, 0, 0, {}, "transaction password changed SMS ({account})"},
        {"notify.templates.case_submitted", &S::tpl_case_submitted, 0, 0, {}, "review case received SMS ({kind_name}, {due})"},
        {"notify.templates.case_approved", &S::tpl_case_approved, 0, 0, {}, "review case approved SMS ({kind_name})"},
        {"notify.templates.phone_changed", &S::tpl_phone_changed, 0, 0, {}, "reserved phone changed SMS ({old}, {new})"},
        {"notify.templates.token_frozen", &S::tpl_token_frozen, 0, 0, {}, "soft token frozen SMS ({until_text})"},
        {"notify.templates.case_rejected", &S::tpl_case_rejected, 0, 0, {}, "review case rejected SMS ({kind_name}, {reason_text})"},
        {"notify.templates.case_expired", &S::tpl_case_expired, 0, 0, {}, "review case expired SMS ({kind_name}, {days})"},
    };
    return keys;
}

}  // namespace

std::span<const KeySpec> config_keys() { return table(); }

const KeySpec* find_config_key(std::string_view name) {
    const auto& keys = table();
    auto it = std::find_if(keys.begin(), keys.end(), [&](const KeySpec& k) { return k.name == name; });
    return it == keys.end() ? nullptr : &*it;
}

std::string format_setting(const Settings& settings, const KeySpec& key) {
    return std::visit(
        [&](auto member) -> std::string {
            const auto& value = settings.*member;
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, bool>) {
                return value ? "true" : "false";
            } else if constexpr (std::is_same_v<T, std::string>) {
                return toml_string(value);
            } else {
                return std::to_string(value);
            }
        },
        key.member);
}

}  // namespace kunlun
