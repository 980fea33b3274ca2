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
    // Set when the customer's sessions were ended (token disabled from `invest`): the next
    // login needs the password and an SMS code.
    bool otp_required = false;
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
    std::int64_t counter = 0;              // HOTP: the next counter value expected
    std::optional<std::int64_t> last_step; // TOTP: the last time step accepted (replay guard)
    std::int64_t failures = 0;             // consecutive wrong codes; at the limit the device is locked
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
    std::optional<Instant> phone_changed_at;  // the last reserved-phone change (cooling-off)
    Instant created_at{};
};

// A challenge for the customer's e-shield to sign: single-use, short-lived.
struct EshieldChallengeRecord {
    std::string id;
    std::string customer_id;
    std::string purpose;                  // reset-txn | change-phone
    std::vector<unsigned char> to_sign;   // the exact bytes the e-shield signs
    Instant created_at{};
    Instant expires_at{};
    std::string state = "active";         // active | used
};

// The soft token of one customer's device (domain.md §5), as stored. rules/token_state.h
// holds the state machine; flows translate between the two.
struct TokenAppRecord {
    std::string app;
    bool linked = false;
    bool biometric = false;
    std::optional<Instant> high_risk_from;
};

struct TokenRecord {
    std::string customer_id;
    std::string device_id;
    std::string status = "not-enabled";   // not-enabled | active | frozen | frozen-permanent
    std::optional<Instant> frozen_until;
    std::int64_t wrong_pins = 0;
    std::string pin_hash;                 // Argon2id PHC; empty while not enabled
    std::vector<Instant> freezes;         // start times of freezes
    std::vector<TokenAppRecord> apps;
    Instant updated_at{};
};

// The 3 ID-number positions asked for when enabling a token: the digits are never stored,
// they are read from the ID number when the answer comes.
struct TokenChallengeRecord {
    std::string customer_id;
    std::string device_id;
    std::vector<int> positions;           // 1-based
    Instant created_at{};
    Instant expires_at{};
    std::string state = "active";         // active | used
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

// A one-time code: only a keyed hash of the code is stored (domain.md §7).
struct OtpRecord {
    std::int64_t id = 0;
    std::string customer_id;
    std::string purpose;                   // reset-login | reset-txn | change-phone | token
    std::vector<unsigned char> destination_idx;  // blind index of the phone it went to
    std::vector<unsigned char> code_mac;
    Instant created_at{};
    Instant expires_at{};
    std::int64_t wrong_tries = 0;
    std::string state = "active";          // active | used | exhausted | superseded
};

struct OtpSendStats {
    std::int64_t sends_since = 0;          // sends since the start of the bank's day
    std::optional<Instant> last_sent_at;
};

// A message waiting in, or delivered from, the outbox. `params` and `text` are what may be
// stored: a one-time code is redacted here and only the sink ever sees it.
struct OutboxMessage {
    std::int64_t id = 0;
    std::string customer_id;
    std::string to;              // E.164, encrypted at rest
    std::string template_name;
    std::string params;          // JSON object
    std::string text;
    Instant created_at{};
    std::string state = "pending";  // pending | sent | dead
    std::int64_t attempts = 0;
    Instant next_attempt_at{};
    std::string last_error;
    std::optional<Instant> sent_at;
    // The params redacted in `params` (a one-time code), as a JSON object: sealed at rest while
    // the message waits, wiped when it leaves pending. Only a sink ever sees them in clear.
    std::string secret_params;
    // The deliverer that holds the message (empty: none) and until when (a lease).
    std::string claimed_by;
    std::optional<Instant> claim_until;
};

// What choosing the next page of deliveries needs of a pending message, without decrypting it.
struct OutboxHead {
    std::int64_t id = 0;
    std::vector<unsigned char> recipient;  // blind index of the phone number
    Instant next_attempt_at{};
    std::string claimed_by;
    std::optional<Instant> claim_until;
};

// How one delivery attempt of a claimed message ended.
enum class DeliveryOutcome { sent, failed, dead, released };

struct MaterialRecord {
    std::string role;    // id-front | id-back | handheld
    std::string sha256;  // of the content, also its file name in the materials directory
    std::string media;   // image/jpeg | image/png
    std::int64_t size = 0;
};

struct CaseRecord {
    std::string id;
    std::string kind;              // reset-login | reset-txn | change-phone
    std::string customer_id;
    std::string account;           // reset-txn: the account number (canonical), else empty
    std::string state = "pending";
    Instant submitted_at{};
    std::string submitted_by;
    Instant due_at{};
    Instant expires_at{};
    std::string face_result;       // pass | failed-over-limit
    std::string face_ref;
    std::string contact_phone;     // reset-login: where the result SMS goes
    std::string staged_hash;       // the new password's hash, installed on approval
    std::vector<unsigned char> staged_secret_enc;  // sealed under the staged-secret key, case id as AD
    std::string staged_phone;      // change-phone: the new reserved phone
    std::string checks = "{}";     // JSON: automated check results
    std::optional<Instant> decided_at;
    std::string decided_by;
    bool decision_auto = false;
    std::string reason;
    std::string note;
    std::vector<MaterialRecord> materials;
};

struct CaseFilter {
    std::optional<std::string> state;
    std::optional<std::string> kind;
    std::optional<Instant> overdue_at;  // pending and due before this time
    std::optional<std::string> customer_id;
    // Keyset paging over (due_at, id) for the batch: cases strictly after this point.
    std::optional<std::pair<Instant, std::string>> after;
    std::optional<std::int64_t> limit;
};

// A review batch worker as the store records it.
struct BatchLockHolder {
    std::string holder;  // operator name
    std::int64_t pid = 0;
    std::string host;
    Instant heartbeat{};
    std::string run;  // the batch run it works on (shared runs only; empty on SQLite)
};

struct CalendarRecord {
    std::string region;
    std::int64_t year = 0;
    std::string body;  // the TOML text as loaded
};

}  // namespace kunlun
