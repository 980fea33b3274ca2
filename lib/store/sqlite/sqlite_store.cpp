#include "store/sqlite/sqlite_store.h"

#include "error.h"
#include "store/record_text.h"
#include "store/sealed_fields.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_guard.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

namespace kunlun {
[[noreturn]] void translate_sqlite_error(const SQLite::Exception& e, const std::filesystem::path& path) {
    switch (e.getErrorCode() & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            fail(Exit::busy, "busy", "the store {} is held by another process; try again in a moment", path.string());
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            fail(Exit::unavailable, "store-unavailable", "{} is not a kunlunctl store or is damaged ({})",
                 path.string(), e.what());
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
        case SQLITE_READONLY:
        case SQLITE_AUTH:
            fail(Exit::unavailable, "store-unavailable", "cannot open the store {} ({})", path.string(), e.what());
        case SQLITE_IOERR:
        case SQLITE_FULL:
            fail(Exit::io, "io", "I/O error on the store {} ({})", path.string(), e.what());
        default:
            fail(Exit::internal, "internal", "store error on {}: {}", path.string(), e.what());
    }
}

SqliteStore::SqliteStore(const std::filesystem::path& path, Mode mode, std::int64_t busy_timeout_ms) : path_(path) {
    std::error_code ec;
    if (mode == Mode::open_existing && !std::filesystem::exists(path, ec)) {
        fail(Exit::unavailable, "store-unavailable", "no store at {}: create one with `kunlunctl init`", path.string());
    }
    if (mode == Mode::create_if_missing && path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), ec);
    }
    // A new store is readable by its owner only: it holds names and password hashes, and
    // SQLite gives the -wal and -shm files the same mode.
    if (mode == Mode::create_if_missing && !std::filesystem::exists(path, ec)) {
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) ::close(fd);
    }
    guarded(path_, [&] {
        int flags = SQLite::OPEN_READWRITE | (mode == Mode::create_if_missing ? SQLite::OPEN_CREATE : 0);
        db_ = std::make_unique<SQLite::Database>(path.string(), flags, static_cast<int>(busy_timeout_ms));
        // Reading the schema version first makes a file that is not a database fail here.
        db_->exec("PRAGMA foreign_keys = ON");
        std::string journal = db_->execAndGet("PRAGMA journal_mode = WAL").getString();
        (void)journal;
        // WAL + NORMAL: a killed process loses nothing committed; only an OS crash may lose
        // the last transactions, never consistency.
        db_->exec("PRAGMA synchronous = NORMAL");
        return 0;
    });
}

SQLite::Statement& SqliteStore::prepared(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        // Cached only once prepared: a statement that fails to prepare leaves no empty slot.
        auto statement = std::make_unique<SQLite::Statement>(*db_, sql);
        it = statements_.emplace(sql, std::move(statement)).first;
        return *it->second;
    }
    auto& slot = it->second;
    {
        // tryReset: a statement whose last step failed (a constraint) reports that error
        // again on reset; it is already handled, and the statement must stay usable.
        slot->tryReset();
        slot->clearBindings();
    }
    return *slot;
}

// A cached statement that stepped to a row and was left there keeps its read snapshot
// open; in WAL mode a write on top of an old snapshot fails at once instead of waiting for
// the busy timeout. Every transaction boundary releases them all.
void SqliteStore::release_statements() noexcept {
    for (auto& [sql, statement] : statements_) statement->tryReset();
}

std::int64_t SqliteStore::schema_version() {
    return guarded(path_, [&] { return static_cast<std::int64_t>(db_->execAndGet("PRAGMA user_version").getInt64()); });
}

std::int64_t SqliteStore::latest_schema_version() const {
    return static_cast<std::int64_t>(sqlite::migrations().size());
}

std::vector<std::int64_t> SqliteStore::migrate() {
    // A cached statement still stepping (the meta reads of the open) would hold the schema,
    // and a migration that drops or rewrites it would fail as "locked".
    release_statements();
    return guarded(path_, [&] {
        std::vector<std::int64_t> applied;
        SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
        auto current = static_cast<std::int64_t>(db_->execAndGet("PRAGMA user_version").getInt64());
        auto all = sqlite::migrations();
        if (current > static_cast<std::int64_t>(all.size())) {
            fail(Exit::unavailable, "store-unavailable",
                 "the store {} has schema version {}, newer than this kunlunctl knows ({}): upgrade kunlunctl",
                 path_.string(), current, all.size());
        }
        for (auto v = current; v < static_cast<std::int64_t>(all.size()); ++v) {
            db_->exec(std::string(all[static_cast<std::size_t>(v)]));
            applied.push_back(v + 1);
        }
        db_->exec(fmt::format("PRAGMA user_version = {}", all.size()));
        tx.commit();
        return applied;
    });
}

std::optional<std::string> SqliteStore::meta(const std::string& key) {
    return guarded(path_, [&]() -> std::optional<std::string> {
        auto& q = prepared("SELECT value FROM meta WHERE key = ?");
        q.bind(1, key);
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getString();
    });
}

void SqliteStore::set_meta(const std::string& key, const std::string& value) {
    guarded(path_, [&] {
        auto& q = prepared("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        q.bind(1, key);
        q.bind(2, value);
        return q.exec();
    });
}

void SqliteStore::attach_keys(StoreKeys keys) { keys_ = std::move(keys); }

const StoreKeys& SqliteStore::keys() const { return attached_keys(keys_); }

std::vector<unsigned char> SqliteStore::seal(std::string_view column, std::string_view row, std::string_view value) const {
    return seal_field(keys(), column, row, value);
}

std::string SqliteStore::open_column(std::string_view column, std::string_view row, const SQLite::Column& blob) const {
    const auto* data = static_cast<const unsigned char*>(blob.getBlob());
    return open_field(keys(), column, row, std::span(data, static_cast<std::size_t>(blob.getBytes())));
}

std::vector<unsigned char> SqliteStore::index_of(std::string_view column, std::string_view value) const {
    return blind_index(keys(), column, value);
}

void SqliteStore::begin_write() {
    release_statements();
    forget_pending();
    guarded(path_, [&] { return db_->exec("BEGIN IMMEDIATE"); });
}
void SqliteStore::begin_read() {
    release_statements();
    forget_pending();
    guarded(path_, [&] { return db_->exec("BEGIN DEFERRED"); });
}
void SqliteStore::commit() {
    flush_audit();
    release_statements();
    guarded(path_, [&] { return db_->exec("COMMIT"); });
}
void SqliteStore::rollback() noexcept {
    release_statements();
    forget_pending();
    try {
        if (!db_->getHandle() || sqlite3_get_autocommit(db_->getHandle()) != 0) return;
        db_->exec("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to undo
    }
}

// The write transaction (BEGIN IMMEDIATE) already holds the store's only write lock.
void SqliteStore::lock_named(std::string_view /*name*/) {}

// --- operators ---

std::optional<OperatorRecord> SqliteStore::find_operator(const std::string& name) {
    return guarded(path_, [&]() -> std::optional<OperatorRecord> {
        auto& q = prepared("SELECT name, roles, created_at FROM operators WHERE name = ?");
        q.bind(1, name);
        if (!q.executeStep()) return std::nullopt;
        return OperatorRecord{q.getColumn(0).getString(), roles_from_text(q.getColumn(1).getString()),
                              Instant(std::chrono::seconds(q.getColumn(2).getInt64()))};
    });
}

std::vector<OperatorRecord> SqliteStore::list_operators() {
    return guarded(path_, [&] {
        std::vector<OperatorRecord> out;
        auto& q = prepared("SELECT name, roles, created_at FROM operators ORDER BY name");
        while (q.executeStep()) {
            out.push_back({q.getColumn(0).getString(), roles_from_text(q.getColumn(1).getString()),
                           Instant(std::chrono::seconds(q.getColumn(2).getInt64()))});
        }
        return out;
    });
}

void SqliteStore::put_operator(const OperatorRecord& record) {
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO operators (name, roles, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET roles = excluded.roles");
        q.bind(1, record.name);
        q.bind(2, roles_text(record.roles));
        q.bind(3, static_cast<std::int64_t>(record.created_at.time_since_epoch().count()));
        return q.exec();
    });
}

bool SqliteStore::remove_operator(const std::string& name) {
    return guarded(path_, [&] {
        auto& q = prepared("DELETE FROM operators WHERE name = ?");
        q.bind(1, name);
        return q.exec() > 0;
    });
}

// --- audit ---

namespace {

std::string audit_insert_sql(std::size_t rows) {
    std::string sql = "INSERT INTO audit (seq, at_real, at_effective, operator, command, customer, outcome, details, mac) "
                      "VALUES (?,?,?,?,?,?,?,?,?)";
    for (std::size_t i = 1; i < rows; ++i) sql += ",(?,?,?,?,?,?,?,?,?)";
    return sql;
}

}  // namespace

bool SqliteStore::in_transaction() const { return db_ && sqlite3_get_autocommit(db_->getHandle()) == 0; }

void SqliteStore::forget_pending() noexcept {
    pending_audit_.clear();
    audit_tail_.reset();
}

void SqliteStore::flush_audit() {
    if (pending_audit_.empty()) return;
    constexpr std::size_t kRows = 100;  // 900 parameters a statement, well under SQLite's limit
    guarded(path_, [&] {
        for (std::size_t from = 0; from < pending_audit_.size(); from += kRows) {
            std::size_t n = std::min(kRows, pending_audit_.size() - from);
            // Full groups reuse one cached statement; a shorter last group is prepared for itself.
            static const std::string full = audit_insert_sql(kRows);
            std::optional<SQLite::Statement> tail;
            SQLite::Statement* q = nullptr;
            if (n == kRows) {
                q = &prepared(full.c_str());
            } else {
                tail.emplace(*db_, audit_insert_sql(n));
                q = &*tail;
            }
            int k = 0;
            for (std::size_t i = from; i < from + n; ++i) {
                const auto& e = pending_audit_[i];
                q->bind(++k, static_cast<std::int64_t>(e.seq));
                q->bind(++k, static_cast<std::int64_t>(e.at_real.time_since_epoch().count()));
                q->bind(++k, static_cast<std::int64_t>(e.at_effective.time_since_epoch().count()));
                q->bind(++k, e.operator_name);
                q->bind(++k, e.command);
                q->bind(++k, e.customer);
                q->bind(++k, e.outcome);
                q->bind(++k, e.details);
                q->bind(++k, e.mac.data(), static_cast<int>(e.mac.size()));
            }
            q->exec();
        }
        return 0;
    });
    pending_audit_.clear();
}

AuditHead SqliteStore::audit_head() {
    if (audit_tail_) return *audit_tail_;
    return guarded(path_, [&] {
        AuditHead head;
        auto& q = prepared("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1");
        if (q.executeStep()) {
            head.seq = q.getColumn(0).getInt64();
            const auto* p = static_cast<const unsigned char*>(q.getColumn(1).getBlob());
            head.mac.assign(p, p + q.getColumn(1).getBytes());
        }
        return head;
    });
}

void SqliteStore::append_audit(const AuditDraft& draft) {
    // Called inside the command's write transaction, which holds SQLite's write lock: the
    // head read here is still the head when the entry is inserted.
    AuditEntry entry = chain_audit_entry(keys(), audit_head(), draft);
    if (in_transaction()) {
        audit_tail_ = AuditHead{entry.seq, entry.mac};
        pending_audit_.push_back(std::move(entry));
        return;
    }
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO audit (seq, at_real, at_effective, operator, command, customer, outcome, details, mac) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, static_cast<std::int64_t>(entry.seq));
        q.bind(2, static_cast<std::int64_t>(entry.at_real.time_since_epoch().count()));
        q.bind(3, static_cast<std::int64_t>(entry.at_effective.time_since_epoch().count()));
        q.bind(4, entry.operator_name);
        q.bind(5, entry.command);
        q.bind(6, entry.customer);
        q.bind(7, entry.outcome);
        q.bind(8, entry.details);
        q.bind(9, entry.mac.data(), static_cast<int>(entry.mac.size()));
        return q.exec();
    });
}

void SqliteStore::for_each_audit(const std::optional<std::string>& customer,
                                 const std::function<bool(const AuditEntry&)>& visit) {
    flush_audit();
    guarded(path_, [&] {
        const char* sql = customer
            ? "SELECT seq, at_real, at_effective, operator, command, customer, outcome, details, mac "
              "FROM audit WHERE customer = ? ORDER BY seq"
            : "SELECT seq, at_real, at_effective, operator, command, customer, outcome, details, mac "
              "FROM audit ORDER BY seq";
        SQLite::Statement q(*db_, sql);  // not cached: a stream may nest other queries
        if (customer) q.bind(1, *customer);
        while (q.executeStep()) {
            AuditEntry e;
            e.seq = q.getColumn(0).getInt64();
            e.at_real = Instant(std::chrono::seconds(q.getColumn(1).getInt64()));
            e.at_effective = Instant(std::chrono::seconds(q.getColumn(2).getInt64()));
            e.operator_name = q.getColumn(3).getString();
            e.command = q.getColumn(4).getString();
            e.customer = q.getColumn(5).getString();
            e.outcome = q.getColumn(6).getString();
            e.details = q.getColumn(7).getString();
            const auto* p = static_cast<const unsigned char*>(q.getColumn(8).getBlob());
            e.mac.assign(p, p + q.getColumn(8).getBytes());
            if (!visit(e)) break;
        }
        return 0;
    });
}

// --- calendars ---

void SqliteStore::put_calendar(const CalendarRecord& record) {
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO calendars (region, year, body) VALUES (?, ?, ?) "
            "ON CONFLICT (region, year) DO UPDATE SET body = excluded.body");
        q.bind(1, record.region);
        q.bind(2, static_cast<std::int64_t>(record.year));
        q.bind(3, record.body);
        return q.exec();
    });
}

std::vector<CalendarRecord> SqliteStore::calendars(const std::string& region) {
    return guarded(path_, [&] {
        std::vector<CalendarRecord> out;
        auto& q = prepared("SELECT region, year, body FROM calendars WHERE region = ? ORDER BY year");
        q.bind(1, region);
        while (q.executeStep()) {
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getString()});
        }
        return out;
    });
}

}  // namespace kunlun
