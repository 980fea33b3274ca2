// Every policy number of the rulebook (domain.md) and every operational knob, as one typed
// struct. The defaults live here, once; config/keys.cpp declares each key's name, range and
// help text against these members, and config/layers.cpp fills them from the TOML files.
#pragma once

#include <cstdint>
#include <string>

namespace kunlun {

struct Settings {
    // [bank]
    std::string bank_name = "昆仑银行";
    std::string bank_sms_number = "95379";       // result SMS "from 95379" (seed 000/001)
    std::string bank_timezone = "Asia/Shanghai";  // due dates are end of day in this zone

    // [store]
    std::int64_t store_busy_timeout_ms = 5000;      // then exit 75 busy
    std::int64_t store_connect_timeout_s = 5;      // network stores: then exit 69
    std::int64_t store_conflict_retries = 5;       // deadlocks, serialization failures: then exit 75

    // [keys]
    std::string keys_file;  // empty: STORE.key beside a SQLite store; required for PostgreSQL

    // [crypto.argon2] — OWASP's Argon2id minimum (m=19 MiB, t=2, p=1)
    std::int64_t argon2_memory_kib = 19456;
    std::int64_t argon2_time_cost = 2;
    std::int64_t argon2_parallelism = 1;

    // [calendar]
    std::string calendar_region = "CN";       // the bank is a mainland bank
    std::string calendar_dir;                 // empty: the calendars shipped with kunlunctl
    std::string calendar_missing_year = "warn";  // warn | error

    // [policy.login] (domain.md §2)
    std::string login_profile = "kunlun";     // kunlun | icbc
    std::int64_t login_max_failures = 5;
    std::int64_t login_history = 5;
    std::int64_t login_temp_length = 8;       // branch temporary password, 6-8 digits

    // [policy.txn] (domain.md §3)
    std::int64_t txn_max_failures = 6;

    // [policy.otp] (domain.md §7)
    std::int64_t otp_ttl_s = 300;
    std::int64_t otp_max_tries = 5;
    std::int64_t otp_resend_s = 60;
    std::int64_t otp_daily_max = 10;

    // [policy.review] (domain.md §6)
    std::int64_t review_expire_business_days = 5;
    std::int64_t materials_max_bytes = 10 * 1024 * 1024;
    std::string materials_dir;  // empty: STORE.materials beside a SQLite store; required for PostgreSQL

    // [policy.phone_change] (domain.md §4)
    std::string phone_change_min_app_version = "6.0.0";
    std::int64_t phone_change_cooling_off_h = 24;

    // [policy.token] (domain.md §5)
    std::int64_t token_high_risk_delay_h = 6;
    std::int64_t token_max_pin_failures = 6;
    std::int64_t token_freeze_h = 24;
    std::int64_t token_permanent_after = 3;
    std::int64_t token_freeze_window_days = 90;
    std::int64_t token_challenge_ttl_s = 300;
    std::string token_waiting_apps = "mobile-banking";   // comma-separated: apps with the high-risk wait
    std::string token_session_ending_apps = "invest";    // comma-separated: disabling here ends sessions

    // [policy.eshield] and [policy.otp_device]
    std::int64_t eshield_challenge_ttl_s = 300;
    std::string eshield_ca_bundle;  // PEM file of trusted CAs; empty: certificates are not chained
    std::int64_t otp_device_hotp_window = 10;
    std::int64_t otp_device_totp_steps = 1;
    std::int64_t otp_device_resync_window = 100;
    std::int64_t otp_device_max_failures = 5;   // consecutive wrong codes that lock the device

    // [batch]
    std::int64_t batch_chunk_size = 1000;
    bool batch_auto_approve = false;

    // [notify]
    std::string notify_sink;  // file:PATH | exec:PROGRAM; empty: messages wait in the outbox
    std::int64_t notify_max_attempts = 5;
    std::int64_t notify_base_delay_s = 60;
    std::int64_t notify_exec_timeout_s = 10;
    // Messages a deliverer claims and hands over at a time (file sink: one append and one fsync).
    std::int64_t notify_page_size = 500;
    // How long a deliverer's claim on its page lasts; a claim of a process that is gone (same
    // host) is taken over at once, one of another host only when its lease ran out (docs/notify.md).
    std::int64_t notify_claim_lease_s = 120;

    // [notify.templates] — SMS texts, in the customer's words like the seeds'. {placeholders}
    // are filled from the message's params plus {bank} and {sms_number}.
    std::string tpl_otp = "【{bank}】您的验证码为{code}，{minutes}分钟内有效，请勿告诉他人。";
    std::string tpl_login_changed = "【{bank}】您的登录密码已重置成功。如非本人操作，请致电{sms_number}。";
    std::string tpl_txn_changed = "【{bank}】您尾号{account}账户的交易密码已修改成功。如非本人操作，请致电{sms_number}。";
    std::string tpl_case_submitted = "【{bank}】您的{kind_name}申请已受理，我们将于{due}前以短信通知审核结果。";
    std::string tpl_case_approved = "【{bank}】您的{kind_name}申请已审核通过，已即时生效。";
    std::string tpl_case_rejected = "【{bank}】很抱歉，您的{kind_name}申请未通过审核：{reason_text}。您可重新提交申请。";
    std::string tpl_phone_changed = "【{bank}】您的预留手机号已由尾号{old}变更为尾号{new}，24小时内部分高风险业务暂不可办理。如非本人操作，请立即致电{sms_number}。";
    std::string tpl_token_frozen = "【{bank}】您的流动保安编码因连续输错PIN已被冻结{until_text}。如非本人操作，请致电{sms_number}。";
    std::string tpl_case_expired = "【{bank}】您的{kind_name}申请因超过{days}个工作日未完成审核已失效，您可重新提交申请。";
};

}  // namespace kunlun
