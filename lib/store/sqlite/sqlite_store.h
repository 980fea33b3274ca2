// The embedded SQLite backend (SQLiteCpp): WAL, foreign keys on, a busy timeout, prepared
// statements cached for the life of the process.
#pragma once

#include "store/store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <map>
#include <memory>

namespace kunlun {

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

    std::optional<OperatorRecord> find_operator(const std::string& name) override;
    std::vector<OperatorRecord> list_operators() override;
    void put_operator(const OperatorRecord& record) override;
    bool remove_operator(const std::string& name) override;

    std::optional<CustomerRecord> find_customer(const std::string& id) override;
    bool customer_exists(const std::string& id) override;
    std::optional<std::string> customer_with_phone(const std::string& e164) override;
    std::optional<std::string> customer_with_account(const std::string& number) override;
    void for_each_customer(const std::function<bool(const CustomerRecord&)>& visit) override;
    void insert_customer(const CustomerRecord& record) override;
    std::vector<std::string> login_history(const std::string& customer_id) override;
    void set_login_history(const std::string& customer_id, const std::vector<std::string>& hashes) override;

    AuditEntry append_audit(const AuditDraft& draft) override;
    AuditHead audit_head() override;
    void for_each_audit(const std::optional<std::string>& customer,
                        const std::function<bool(const AuditEntry&)>& visit) override;

    void put_calendar(const CalendarRecord& record) override;
    std::vector<CalendarRecord> calendars(const std::string& region) override;

private:
    SQLite::Statement& prepared(const char* sql);
    const StoreKeys& keys() const;
    std::vector<unsigned char> seal(std::string_view column, std::string_view value) const;
    std::string open_field(std::string_view column, const SQLite::Column& blob) const;
    std::vector<unsigned char> index_of(std::string_view column, std::string_view value) const;
    CustomerRecord read_customer_row(SQLite::Statement& row);
    void load_customer_children(CustomerRecord& customer);

    std::filesystem::path path_;
    std::unique_ptr<SQLite::Database> db_;
    std::map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
    std::optional<StoreKeys> keys_;
};

}  // namespace kunlun
