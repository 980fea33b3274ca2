// The embedded SQLite backend (SQLiteCpp): WAL, foreign keys on, a busy timeout, prepared
// statements cached for the life of the process.
#pragma once

#include "store/store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <map>
#include <memory>

namespace kunlun {

// Helpers shared by the backend's files.
std::optional<Instant> optional_time(const SQLite::Column& c);
void bind_optional_time(SQLite::Statement& q, int index, const std::optional<Instant>& t);
void bind_blob(SQLite::Statement& q, int index, const std::vector<unsigned char>& bytes);
std::vector<unsigned char> blob_of(const SQLite::Column& c);
inline std::int64_t seconds_of(Instant t) { return t.time_since_epoch().count(); }
inline Instant instant_of(std::int64_t s) { return Instant(std::chrono::seconds(s)); }

class SqliteStore final : public Store {
public:
    enum class Mode { open_existing, create_if_missing };
    SqliteStore(const std::filesystem::path& path, Mode mode, std::int64_t busy_timeout_ms);

    std::int64_t schema_version() override;
    std::int64_t latest_schema_version() const override;
    std::vector<std::int64_t> migrate() override;
    std::optional<std::string> meta(const std::string& key) override;
    void set_meta(const std::string& key, const std::string& value) override;
    void attach_keys(StoreKeys keys) override;

    void begin_write() override;
    void begin_read() override;
    void commit() override;
    void rollback() noexcept override;
    void lock_named(std::string_view name) override;

    std::optional<OperatorRecord> find_operator(const std::string& name) override;
    std::vector<OperatorRecord> list_operators() override;
    void put_operator(const OperatorRecord& record) override;
    bool remove_operator(const std::string& name) override;

    using Store::find_customer;
    std::optional<CustomerRecord> find_customer(const std::string& id, CustomerParts parts) override;
    std::vector<CustomerRecord> find_customers(const std::vector<std::string>& ids, CustomerParts parts) override;
    bool customer_exists(const std::string& id) override;
    std::optional<std::string> customer_with_phone(const std::string& e164) override;
    std::optional<std::string> customer_with_account(const std::string& number) override;
    void for_each_customer(const std::function<bool(const CustomerRecord&)>& visit) override;
    void insert_customer(const CustomerRecord& record) override;
    std::vector<std::string> login_history(const std::string& customer_id) override;
    void set_login_history(const std::string& customer_id, const std::vector<std::string>& hashes) override;

    void update_phone(const std::string& customer_id, const std::string& e164, Instant changed_at) override;
    void update_login(const std::string& customer_id, const LoginCredential& login) override;
    void update_account_txn(const std::string& number, const AccountRecord& account) override;

    void put_eshield(const std::string& customer_id, const EshieldRecord& eshield) override;
    void update_otp_device(const std::string& customer_id, const OtpDeviceRecord& device) override;
    void insert_eshield_challenge(const EshieldChallengeRecord& challenge) override;
    std::optional<EshieldChallengeRecord> find_eshield_challenge(const std::string& id) override;
    void use_eshield_challenge(const std::string& id) override;

    std::optional<TokenRecord> find_token(const std::string& customer_id, const std::string& device_id) override;
    void put_token(const TokenRecord& token) override;
    std::optional<TokenChallengeRecord> find_token_challenge(const std::string& customer_id,
                                                             const std::string& device_id) override;
    void put_token_challenge(const TokenChallengeRecord& challenge) override;

    std::int64_t insert_otp(const OtpRecord& otp) override;
    std::optional<OtpRecord> latest_otp(const std::string& customer_id, const std::string& purpose,
                                        const std::vector<unsigned char>& destination_idx) override;
    void update_otp(std::int64_t id, std::int64_t wrong_tries, const std::string& state) override;
    void supersede_otps(const std::string& customer_id, const std::string& purpose,
                        const std::vector<unsigned char>& destination_idx) override;
    OtpSendStats otp_sends(const std::string& customer_id, const std::string& purpose,
                           const std::vector<unsigned char>& destination_idx, Instant since) override;
    std::vector<unsigned char> phone_index(const std::string& e164) override;

    std::int64_t enqueue(const OutboxMessage& message) override;
    void update_outbox(const OutboxMessage& message) override;
    void for_each_outbox(const std::optional<std::string>& state, const std::optional<Instant>& due_by,
                         const std::function<bool(const OutboxMessage&)>& visit) override;
    std::vector<OutboxHead> pending_outbox_heads(std::int64_t after_id, std::int64_t limit) override;
    std::vector<OutboxMessage> claim_outbox(const std::vector<std::int64_t>& ids, const std::string& claimant,
                                            Instant until) override;
    void settle_outbox(const std::string& claimant, const std::vector<OutboxMessage>& messages,
                       const std::vector<DeliveryOutcome>& outcomes, Instant at) override;

    void insert_case(const CaseRecord& record) override;
    std::optional<CaseRecord> find_case(const std::string& id) override;
    std::vector<std::string> pending_cases_of(const std::string& customer_id, const std::string& kind) override;
    void update_case(const CaseRecord& record) override;
    void for_each_case(const CaseFilter& filter, const std::function<bool(const CaseRecord&)>& visit) override;

    std::vector<MaterialRecord> case_materials(const std::string& case_id) override;
    std::map<std::string, std::vector<MaterialRecord>> materials_of_cases(const std::vector<std::string>& case_ids) override;
    std::int64_t count_cases(const CaseFilter& filter) override;
    bool shared_batch_runs() const override { return false; }
    std::vector<BatchLockHolder> batch_workers() override;
    void set_batch_lock(const BatchLockHolder& holder) override;
    void release_batch_lock(std::int64_t pid, const std::string& host) override;
    std::vector<CaseRecord> claim_batch_chunk(const std::string& run,
                                              const std::optional<std::pair<Instant, std::string>>& after,
                                              std::int64_t limit) override;

    void append_audit(const AuditDraft& draft) override;
    AuditHead audit_head() override;
    void for_each_audit(const std::optional<std::string>& customer,
                        const std::function<bool(const AuditEntry&)>& visit) override;

    void put_calendar(const CalendarRecord& record) override;
    std::vector<CalendarRecord> calendars(const std::string& region) override;

private:
    SQLite::Statement& prepared(const char* sql);
    void release_statements() noexcept;
    const StoreKeys& keys() const;
    std::vector<unsigned char> seal(std::string_view column, std::string_view row, std::string_view value) const;
    std::string open_column(std::string_view column, std::string_view row, const SQLite::Column& blob) const;
    std::vector<unsigned char> index_of(std::string_view column, std::string_view value) const;
    CustomerRecord read_customer_row(SQLite::Statement& row);
    CaseRecord read_case_row(SQLite::Statement& row);
    OutboxMessage read_outbox_row(SQLite::Statement& row);
    void load_customer_children(CustomerRecord& customer, CustomerParts parts = CustomerParts::all);

    // A write transaction's audit entries are chained as they come and inserted together
    // (many rows a statement) before anything reads the audit log and at commit: a batch
    // chunk's thousand entries are ten statements, not a thousand.
    [[nodiscard]] bool in_transaction() const;
    void flush_audit();
    void forget_pending() noexcept;

    std::filesystem::path path_;
    std::unique_ptr<SQLite::Database> db_;
    std::map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
    std::optional<StoreKeys> keys_;
    std::vector<AuditEntry> pending_audit_;
    std::optional<AuditHead> audit_tail_;  // the head after the pending entries
};

}  // namespace kunlun
