// Schema, meta, transactions, operators, the audit chain and calendars.
#include "store/postgres/pg_store.h"

#include "error.h"
#include "store/postgres/pg_migrations.h"
#include "store/record_text.h"

#include <algorithm>

namespace kunlun {

PgStore::PgStore(const std::string& uri, std::int64_t connect_timeout_s, std::string display)
    : db_(std::make_unique<pg::Connection>(uri, connect_timeout_s, std::move(display))) {}

// --- schema and meta ---

namespace {

// Whether the store's schema has its migrations table. Asked of pg_tables with the statement's
// own snapshot, not through the name cache (to_regclass), which may still remember the table
// missing after another `init` created it; and readable by every role.
constexpr const char* kHasMigrationsTable =
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
    "AND tablename = 'schema_migrations')";

}  // namespace

std::int64_t PgStore::schema_version() {
    if (!db_->run(kHasMigrationsTable).boolean(0, 0)) return 0;
    return db_->run("SELECT coalesce(max(version), 0) FROM schema_migrations").integer(0, 0);
}

std::int64_t PgStore::latest_schema_version() const { return static_cast<std::int64_t>(postgres::migrations().size()); }

std::vector<std::int64_t> PgStore::migrate() {
    std::vector<std::int64_t> applied;
    db_->exec("BEGIN ISOLATION LEVEL READ COMMITTED");
    try {
        // Two `init` at once: the second waits here and then finds nothing left to apply.
        // DDL is transactional, so a failed upgrade leaves the schema as it was.
        db_->exec("SELECT pg_advisory_xact_lock(hashtextextended('kunlunctl:migrate', 0))");
        if (!db_->run(kHasMigrationsTable).boolean(0, 0)) {
            db_->exec("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)");
        }
        auto current = db_->run("SELECT coalesce(max(version), 0) FROM schema_migrations").integer(0, 0);
        auto all = postgres::migrations();
        if (current > static_cast<std::int64_t>(all.size())) {
            fail(Exit::unavailable, "store-unavailable",
                 "the store {} has schema version {}, newer than this kunlunctl knows ({}): upgrade kunlunctl",
                 db_->display(), current, all.size());
        }
        for (auto v = current; v < static_cast<std::int64_t>(all.size()); ++v) {
            db_->exec(std::string(all[static_cast<std::size_t>(v)]));
            db_->run("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, extract(epoch FROM now())::bigint)",
                     pg::Params().integer(v + 1));
            applied.push_back(v + 1);
        }
        db_->exec("COMMIT");
    } catch (...) {
        rollback();
        throw;
    }
    return applied;
}

std::optional<std::string> PgStore::meta(const std::string& key) {
    auto rows = db_->run("SELECT value FROM meta WHERE key = $1", pg::Params().text(key));
    if (rows.empty()) return std::nullopt;
    return rows.text(0, 0);
}

void PgStore::set_meta(const std::string& key, const std::string& value) {
    db_->run("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
             pg::Params().text(key).text(value));
}

void PgStore::attach_keys(StoreKeys keys) { keys_ = std::move(keys); }

std::string PgStore::current_role() { return db_->run("SELECT current_user").text(0, 0); }

// --- transactions ---

// READ COMMITTED, so the audit head read at commit is the latest one (a snapshot would have
// to fail every concurrent writer instead); lost updates are prevented by the row locks
// the write transaction's lookups take (row_lock()).
void PgStore::begin_write() {
    audit_drafts_.clear();
    db_->exec("BEGIN ISOLATION LEVEL READ COMMITTED");
    writing_ = true;
}

// One snapshot for the whole read: a list or a dump is consistent even while others write.
void PgStore::begin_read() {
    audit_drafts_.clear();
    db_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
    writing_ = false;
}

void PgStore::commit() {
    flush_audit();
    db_->exec("COMMIT");
    writing_ = false;
}

void PgStore::rollback() noexcept {
    audit_drafts_.clear();
    writing_ = false;
    try {
        if (db_->in_transaction()) db_->exec("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): a lost connection has nothing left to undo
    }
}

void PgStore::lock_named(std::string_view name) {
    db_->run("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", pg::Params().text("kunlunctl:" + std::string(name)));
}

// --- operators ---

std::optional<OperatorRecord> PgStore::find_operator(const std::string& name) {
    auto rows = db_->run("SELECT name, roles, created_at FROM operators WHERE name = $1", pg::Params().text(name));
    if (rows.empty()) return std::nullopt;
    return OperatorRecord{rows.text(0, 0), roles_from_text(rows.text(0, 1)), rows.time(0, 2)};
}

std::vector<OperatorRecord> PgStore::list_operators() {
    auto rows = db_->run("SELECT name, roles, created_at FROM operators ORDER BY name");
    std::vector<OperatorRecord> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back({rows.text(i, 0), roles_from_text(rows.text(i, 1)), rows.time(i, 2)});
    return out;
}

void PgStore::put_operator(const OperatorRecord& record) {
    db_->run("INSERT INTO operators (name, roles, created_at) VALUES ($1, $2, $3) "
             "ON CONFLICT (name) DO UPDATE SET roles = excluded.roles",
             pg::Params().text(record.name).text(roles_text(record.roles)).time(record.created_at));
}

bool PgStore::remove_operator(const std::string& name) {
    return db_->run("DELETE FROM operators WHERE name = $1", pg::Params().text(name)).affected() > 0;
}

// --- audit ---

void PgStore::append_audit(const AuditDraft& draft) {
    audit_drafts_.push_back(draft);
    if (db_->in_transaction()) return;  // chained at commit
    try {
        db_->exec("BEGIN ISOLATION LEVEL READ COMMITTED");
        flush_audit();
        db_->exec("COMMIT");
    } catch (...) {
        rollback();
        throw;
    }
}

// The chain's head row is locked only here, at the end of the writer's transaction: other
// writers wait for it for the time it takes to insert a few rows, never for a whole command,
// and READ COMMITTED gives each of them the head its predecessor left.
void PgStore::flush_audit() {
    if (audit_drafts_.empty()) return;
    auto drafts = std::move(audit_drafts_);
    audit_drafts_.clear();
    auto head_rows = db_->run("SELECT seq, mac FROM audit_head FOR UPDATE");
    if (head_rows.empty()) fail(Exit::unavailable, "store-corrupt", "the store {} has no audit head row", db_->display());
    AuditHead head{head_rows.integer(0, 0), head_rows.bytes(0, 1)};
    // The entries go in groups of up to kAuditRowsPerInsert rows a statement: a batch chunk's
    // thousand entries are ten round trips, not a thousand, and the head row is held that
    // much shorter by each of several workers.
    constexpr std::size_t kAuditRowsPerInsert = 100;
    constexpr int kColumns = 9;
    for (std::size_t first = 0; first < drafts.size(); first += kAuditRowsPerInsert) {
        std::size_t rows = std::min(kAuditRowsPerInsert, drafts.size() - first);
        std::string sql =
            "INSERT INTO audit (seq, at_real, at_effective, operator, command, customer, outcome, details, mac) VALUES ";
        pg::Params params;
        for (std::size_t r = 0; r < rows; ++r) {
            AuditEntry e = chain_audit_entry(keys(), head, drafts[first + r]);
            sql += r == 0 ? "(" : ",(";
            for (int c = 1; c <= kColumns; ++c) {
                sql += fmt::format("{}${}", c == 1 ? "" : ",", static_cast<int>(r) * kColumns + c);
            }
            sql += ")";
            params.integer(e.seq)
                .time(e.at_real)
                .time(e.at_effective)
                .text(e.operator_name)
                .text(e.command)
                .text(e.customer)
                .text(e.outcome)
                .text(e.details)
                .bytes(e.mac);
            head = {e.seq, e.mac};
        }
        // A full group's text is the same every time: prepared once. A last, shorter group
        // is parsed for this call only, so odd sizes do not pile up prepared statements.
        if (rows == kAuditRowsPerInsert || rows == 1) {
            db_->run(sql, params);
        } else {
            db_->run_once(sql, params);
        }
    }
    db_->run("UPDATE audit_head SET seq = $1, mac = $2", pg::Params().integer(head.seq).bytes(head.mac));
}

AuditHead PgStore::audit_head() {
    if (db_->in_transaction()) flush_audit();  // this transaction's own entries first
    auto rows = db_->run("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1");
    if (rows.empty()) return {};
    return {rows.integer(0, 0), rows.bytes(0, 1)};
}

void PgStore::for_each_audit(const std::optional<std::string>& customer,
                             const std::function<bool(const AuditEntry&)>& visit) {
    if (db_->in_transaction()) flush_audit();
    // Pages by sequence number: memory stays flat however long the chain.
    constexpr std::int64_t kPage = 1000;
    std::int64_t after = 0;
    while (true) {
        pg::Params params;
        params.integer(after).integer(kPage);
        if (customer) params.text(*customer);
        auto rows = db_->run(
            customer ? "SELECT seq, at_real, at_effective, operator, command, customer, outcome, details, mac FROM audit "
                       "WHERE seq > $1 AND customer = $3 ORDER BY seq LIMIT $2"
                     : "SELECT seq, at_real, at_effective, operator, command, customer, outcome, details, mac FROM audit "
                       "WHERE seq > $1 ORDER BY seq LIMIT $2",
            params);
        for (int i = 0; i < rows.size(); ++i) {
            AuditEntry e;
            e.seq = rows.integer(i, 0);
            e.at_real = rows.time(i, 1);
            e.at_effective = rows.time(i, 2);
            e.operator_name = rows.text(i, 3);
            e.command = rows.text(i, 4);
            e.customer = rows.text(i, 5);
            e.outcome = rows.text(i, 6);
            e.details = rows.text(i, 7);
            e.mac = rows.bytes(i, 8);
            after = e.seq;
            if (!visit(e)) return;
        }
        if (rows.size() < kPage) return;
    }
}

// --- calendars ---

void PgStore::put_calendar(const CalendarRecord& record) {
    db_->run("INSERT INTO calendars (region, year, body) VALUES ($1, $2, $3) "
             "ON CONFLICT (region, year) DO UPDATE SET body = excluded.body",
             pg::Params().text(record.region).integer(record.year).text(record.body));
}

std::vector<CalendarRecord> PgStore::calendars(const std::string& region) {
    auto rows = db_->run("SELECT region, year, body FROM calendars WHERE region = $1 ORDER BY year", pg::Params().text(region));
    std::vector<CalendarRecord> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back({rows.text(i, 0), rows.integer(i, 1), rows.text(i, 2)});
    return out;
}

}  // namespace kunlun
