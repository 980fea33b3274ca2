// Plain records the store reads and writes. PII travels here in clear (canonical form);
// the store encrypts it on the way in and indexes it with the blind index.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kunlun {

using Instant = std::chrono::sys_seconds;

enum class Role { admin, operator_, reviewer, auditor };

struct OperatorRecord {
    std::string name;
    std::vector<Role> roles;
    Instant created_at{};
};

struct LoginCredential {
    std::string hash;          // Argon2id PHC string; empty: no login password set
    std::int64_t failures = 0;  // consecutive failed verifications
    std::optional<Instant> locked_at;
    std::string locked_reason;  // why it is locked, in words an operator can read
    bool must_change = false;
};

struct AccountRecord {
    std::string number;  // canonical digits
    std::string account_class;  // I, II or III
    std::string txn_hash;
    std::int64_t txn_failures = 0;
    std::optional<Instant> txn_locked_at;
};

struct DeviceRecord {
    std::string id;
    std::vector<std::string> apps;
    bool encrypted = false;
    std::string app_version;
    bool rooted = false;
};

struct EshieldRecord {
    std::string certificate_pem;
    std::string fingerprint;  // SHA-256 of the DER certificate, hex
};

struct OtpDeviceRecord {
    std::string type = "totp";  // totp | hotp
    std::string secret_base32;
    std::int64_t digits = 6;
    std::string algorithm = "SHA1";
    std::int64_t period = 30;
    std::int64_t counter = 0;
};

struct CustomerRecord {
    std::string id;
    std::string name;
    std::string id_type;     // resident-id | hkid | passport
    std::string id_number;   // canonical
    std::string phone;       // E.164
    std::string status = "active";
    LoginCredential login;
    std::vector<AccountRecord> accounts;
    std::vector<DeviceRecord> devices;
    std::optional<EshieldRecord> eshield;
    std::optional<OtpDeviceRecord> otp_device;
    Instant created_at{};
};

// What a command asks the store to append to the audit chain; the store assigns the
// sequence number and the MAC inside the command's transaction.
struct AuditDraft {
    Instant at_real{};
    Instant at_effective{};
    std::string operator_name;
    std::string command;
    std::string customer;  // empty when the change is not about one customer
    std::string outcome;   // ok | refused | failed
    std::string details;   // JSON object, PII masked, never a secret
};

struct AuditEntry : AuditDraft {
    std::int64_t seq = 0;
    std::vector<unsigned char> mac;
};

struct CalendarRecord {
    std::string region;
    std::int64_t year = 0;
    std::string body;  // the TOML text as loaded
};

}  // namespace kunlun
