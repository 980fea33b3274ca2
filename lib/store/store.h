// The storage interface. Flows see only this: records in, records out, one transaction per
// command. All SQL lives in the backends (store/sqlite/, store/postgres/); what both share
// without SQL (sealing PII, chaining the audit) is in store/sealed_fields.h.
#pragma once

#include "store/records.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kunlun {

class FieldCipher;
class BlindIndex;

// The keys a store needs, derived from the master key (crypto/master_key.h), which is never
// stored in the store itself.
struct StoreKeys {
    std::shared_ptr<const FieldCipher> cipher;     // PII at rest
    std::shared_ptr<const BlindIndex> index;       // lookups without decrypting
    std::vector<unsigned char> audit_mac_key;      // the audit chain
    std::string key_id;                            // recorded at init, checked at open
};

struct StoreInfo {
    std::int64_t schema_version = 0;
    bool testing = false;
    std::string key_id;
};

struct AuditHead {
    std::int64_t seq = 0;               // 0: empty chain
    std::vector<unsigned char> mac;     // MAC of the last entry (empty for an empty chain)
};

// The named lock (Store::lock_named) under which a deliverer chooses and claims its page.
inline constexpr std::string_view kOutboxClaimLock = "outbox-claim";

class Store {
public:
    virtual ~Store() = default;

    // --- schema and meta ---
    [[nodiscard]] virtual std::int64_t schema_version() = 0;
    [[nodiscard]] virtual std::int64_t latest_schema_version() const = 0;
    // Brings the schema to the latest version; returns the versions applied (none: up to date).
    virtual std::vector<std::int64_t> migrate() = 0;
    [[nodiscard]] virtual std::optional<std::string> meta(const std::string& key) = 0;
    virtual void set_meta(const std::string& key, const std::string& value) = 0;
    // Called once keys are known; refuses a key file that is not the store's.
    virtual void attach_keys(StoreKeys keys) = 0;

    // --- transactions ---
    // SQLite: a write transaction takes the store's write lock at once. PostgreSQL: writers
    // run side by side; the single-row lookups of a write transaction (find_customer,
    // find_case, latest_otp) lock their row until it ends, so a read-then-update is never
    // lost, and a deadlock or serialization failure is a TransientConflict to retry.
    virtual void begin_write() = 0;
    virtual void begin_read() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    // Inside a write transaction: waits until no other transaction holds the lock `name` and
    // holds it until commit or rollback (a first `init`, a batch worker joining a run).
    // SQLite's write transaction already excludes every other writer.
    virtual void lock_named(std::string_view name) = 0;

    // --- operators ---
    virtual std::optional<OperatorRecord> find_operator(const std::string& name) = 0;
    virtual std::vector<OperatorRecord> list_operators() = 0;
    virtual void put_operator(const OperatorRecord& record) = 0;
    virtual bool remove_operator(const std::string& name) = 0;

    // --- customers ---
    // `parts`: everything, or only what deciding a review case needs (the customer's row and
    // accounts; devices, e-shield and e-password device left empty). The batch asks for the
    // latter once per case.
    enum class CustomerParts { all, row_and_accounts };
    virtual std::optional<CustomerRecord> find_customer(const std::string& id, CustomerParts parts) = 0;
    std::optional<CustomerRecord> find_customer(const std::string& id) { return find_customer(id, CustomerParts::all); }
    // The customers of `ids` that exist, in id order, read as find_customer reads them but in a
    // few statements whatever their number (and, on PostgreSQL, locked in id order like it):
    // the review batch reads a chunk's customers at once.
    virtual std::vector<CustomerRecord> find_customers(const std::vector<std::string>& ids, CustomerParts parts) = 0;
    virtual bool customer_exists(const std::string& id) = 0;
    virtual std::optional<std::string> customer_with_phone(const std::string& e164) = 0;
    virtual std::optional<std::string> customer_with_account(const std::string& number) = 0;
    // Streams every customer in id order (full records); the callback returns false to stop.
    virtual void for_each_customer(const std::function<bool(const CustomerRecord&)>& visit) = 0;
    virtual void insert_customer(const CustomerRecord& record) = 0;
    virtual std::vector<std::string> login_history(const std::string& customer_id) = 0;
    virtual void set_login_history(const std::string& customer_id, const std::vector<std::string>& hashes) = 0;

    // A new reserved phone: sealed, re-indexed, and the time of the change kept (cooling-off).
    virtual void update_phone(const std::string& customer_id, const std::string& e164, Instant changed_at) = 0;
    virtual void update_login(const std::string& customer_id, const LoginCredential& login) = 0;
    virtual void update_account_txn(const std::string& number, const AccountRecord& account) = 0;

    // --- second factors ---
    virtual void put_eshield(const std::string& customer_id, const EshieldRecord& eshield) = 0;
    virtual void update_otp_device(const std::string& customer_id, const OtpDeviceRecord& device) = 0;
    virtual void insert_eshield_challenge(const EshieldChallengeRecord& challenge) = 0;
    virtual std::optional<EshieldChallengeRecord> find_eshield_challenge(const std::string& id) = 0;
    virtual void use_eshield_challenge(const std::string& id) = 0;

    // --- soft tokens ---
    virtual std::optional<TokenRecord> find_token(const std::string& customer_id, const std::string& device_id) = 0;
    virtual void put_token(const TokenRecord& token) = 0;  // insert or replace, apps and freezes included
    virtual std::optional<TokenChallengeRecord> find_token_challenge(const std::string& customer_id,
                                                                     const std::string& device_id) = 0;
    virtual void put_token_challenge(const TokenChallengeRecord& challenge) = 0;  // replaces the previous one

    // --- one-time codes ---
    virtual std::int64_t insert_otp(const OtpRecord& otp) = 0;
    virtual std::optional<OtpRecord> latest_otp(const std::string& customer_id, const std::string& purpose,
                                                const std::vector<unsigned char>& destination_idx) = 0;
    virtual void update_otp(std::int64_t id, std::int64_t wrong_tries, const std::string& state) = 0;
    virtual void supersede_otps(const std::string& customer_id, const std::string& purpose,
                                const std::vector<unsigned char>& destination_idx) = 0;
    virtual OtpSendStats otp_sends(const std::string& customer_id, const std::string& purpose,
                                   const std::vector<unsigned char>& destination_idx, Instant since) = 0;
    // The blind index of a phone number, as otps.destination_idx stores it.
    virtual std::vector<unsigned char> phone_index(const std::string& e164) = 0;

    // --- outbox ---
    // Inserts a message (its claim too, when a deliverer queues what it delivers itself).
    virtual std::int64_t enqueue(const OutboxMessage& message) = 0;
    // Writes state, attempts, next attempt and last error (dead letters put back by `notify retry`).
    virtual void update_outbox(const OutboxMessage& message) = 0;
    // Streams messages in id order: a state filter, and only those due at `due_by` if given.
    virtual void for_each_outbox(const std::optional<std::string>& state, const std::optional<Instant>& due_by,
                                 const std::function<bool(const OutboxMessage&)>& visit) = 0;
    // Pending messages with an id above `after_id`, in id order, at most `limit`: what a
    // deliverer looks at to choose its page (notify/delivery.cpp). Claimed ones included.
    virtual std::vector<OutboxHead> pending_outbox_heads(std::int64_t after_id, std::int64_t limit) = 0;
    // Claims the pending messages of `ids` for `claimant` until `until` and returns them in id
    // order, secret params opened. The caller chose them while holding the claim lock
    // (lock_named(kOutboxClaimLock)), so no other deliverer holds a live claim on them.
    virtual std::vector<OutboxMessage> claim_outbox(const std::vector<std::int64_t>& ids, const std::string& claimant,
                                                    Instant until) = 0;
    // Records how each delivery ended and releases the claims, in one statement per outcome
    // where the dialect allows: only rows `claimant` still holds change (a deliverer whose
    // lease ran out and was taken over changes nothing). `sent`: state sent, attempts + 1,
    // sent_at = at; `failed`: attempts + 1, last_error, next attempt; `dead`: a dead letter;
    // `released`: back to the queue untouched. Leaving pending wipes the sealed secret.
    virtual void settle_outbox(const std::string& claimant, const std::vector<OutboxMessage>& messages,
                               const std::vector<DeliveryOutcome>& outcomes, Instant at) = 0;

    // --- review cases ---
    virtual void insert_case(const CaseRecord& record) = 0;
    virtual std::optional<CaseRecord> find_case(const std::string& id) = 0;
    virtual std::vector<std::string> pending_cases_of(const std::string& customer_id, const std::string& kind) = 0;
    // Writes state, decision fields and checks; wipes the staged secret when the case leaves pending.
    virtual void update_case(const CaseRecord& record) = 0;
    virtual void for_each_case(const CaseFilter& filter, const std::function<bool(const CaseRecord&)>& visit) = 0;

    virtual std::vector<MaterialRecord> case_materials(const std::string& case_id) = 0;
    // The materials of each of `case_ids` that has any, in one statement (a batch chunk's).
    virtual std::map<std::string, std::vector<MaterialRecord>> materials_of_cases(
        const std::vector<std::string>& case_ids) = 0;
    virtual std::int64_t count_cases(const CaseFilter& filter) = 0;

    // --- the review batch's workers (rows in the store, not files) ---
    // Whether several batch workers may share a run, each claiming its own chunks
    // (PostgreSQL), or one worker at a time holds the batch lock (SQLite: one writer anyway).
    [[nodiscard]] virtual bool shared_batch_runs() const = 0;
    // The registered workers, alive or not (SQLite: the lock's holder, at most one).
    virtual std::vector<BatchLockHolder> batch_workers() = 0;
    // Registers the worker (pid, host) or renews its heartbeat.
    virtual void set_batch_lock(const BatchLockHolder& holder) = 0;
    virtual void release_batch_lock(std::int64_t pid, const std::string& host) = 0;
    // Inside a chunk's write transaction: at most `limit` pending cases that batch run `run`
    // has not taken yet, in (due_at, id) order after `after`. They count as taken only if
    // the transaction commits: a killed worker's chunk is pending and untaken again.
    // PostgreSQL skips the cases other workers hold (FOR UPDATE SKIP LOCKED) and, once
    // nothing is left after `after`, looks again from the start for chunks rolled back
    // meanwhile. SQLite has one worker, whose cursor alone keeps it from a case twice.
    virtual std::vector<CaseRecord> claim_batch_chunk(const std::string& run,
                                                      const std::optional<std::pair<Instant, std::string>>& after,
                                                      std::int64_t limit) = 0;

    // --- audit ---
    // The entry joins the chain in the current transaction: its sequence number and MAC are
    // fixed when the transaction commits (PostgreSQL takes the chain's head only then, so
    // concurrent writers wait for it as briefly as possible), and it is read back after.
    virtual void append_audit(const AuditDraft& draft) = 0;
    virtual AuditHead audit_head() = 0;
    // Streams entries in sequence order, optionally only those about one customer.
    virtual void for_each_audit(const std::optional<std::string>& customer,
                                const std::function<bool(const AuditEntry&)>& visit) = 0;

    // --- calendars loaded by an administrator ---
    virtual void put_calendar(const CalendarRecord& record) = 0;
    virtual std::vector<CalendarRecord> calendars(const std::string& region) = 0;
};

// A write or read transaction that rolls back unless committed (exception safety: a command
// that throws changes nothing).
class Transaction {
public:
    enum class Kind { read, write };
    Transaction(Store& store, Kind kind) : store_(store) {
        kind == Kind::write ? store_.begin_write() : store_.begin_read();
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
        if (open_) store_.rollback();
    }
    void commit() {
        store_.commit();
        open_ = false;
    }
    void rollback() noexcept {
        if (open_) store_.rollback();
        open_ = false;
    }

private:
    Store& store_;
    bool open_ = true;
};

}  // namespace kunlun
