// Review cases and their materials. The staged secret stays sealed (the flow seals it under
// its own key with the case id as associated data); it is wiped when the case leaves pending.
#include "crypto/field_cipher.h"
#include "store/sqlite/sqlite_guard.h"
#include "store/sqlite/sqlite_store.h"

#include <nlohmann/json.hpp>

namespace kunlun {
namespace {

constexpr const char* kCaseColumns =
    "id, kind, customer_id, account_enc, state, submitted_at, submitted_by, due_at, expires_at, face_result, face_ref, "
    "contact_phone_enc, staged_hash, staged_secret_enc, staged_phone_enc, checks, decided_at, decided_by, "
    "decision_auto, reason, note";

std::string text_or_empty(const SQLite::Column& c) { return c.isNull() ? std::string() : c.getString(); }

}  // namespace

CaseRecord SqliteStore::read_case_row(SQLite::Statement& q) {
    CaseRecord c;
    c.id = q.getColumn(0).getString();
    c.kind = q.getColumn(1).getString();
    c.customer_id = q.getColumn(2).getString();
    if (!q.getColumn(3).isNull()) c.account = open_column("cases.account", c.id, q.getColumn(3));
    c.state = q.getColumn(4).getString();
    c.submitted_at = instant_of(q.getColumn(5).getInt64());
    c.submitted_by = q.getColumn(6).getString();
    c.due_at = instant_of(q.getColumn(7).getInt64());
    c.expires_at = instant_of(q.getColumn(8).getInt64());
    c.face_result = q.getColumn(9).getString();
    c.face_ref = q.getColumn(10).getString();
    if (!q.getColumn(11).isNull()) c.contact_phone = open_column("cases.contact_phone", c.id, q.getColumn(11));
    c.staged_hash = text_or_empty(q.getColumn(12));
    c.staged_secret_enc = blob_of(q.getColumn(13));
    if (!q.getColumn(14).isNull()) c.staged_phone = open_column("cases.staged_phone", c.id, q.getColumn(14));
    c.checks = q.getColumn(15).getString();
    c.decided_at = optional_time(q.getColumn(16));
    c.decided_by = text_or_empty(q.getColumn(17));
    c.decision_auto = q.getColumn(18).getInt() != 0;
    c.reason = text_or_empty(q.getColumn(19));
    c.note = text_or_empty(q.getColumn(20));
    return c;
}

void SqliteStore::insert_case(const CaseRecord& c) {
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO cases (id, kind, customer_id, account_idx, account_enc, state, submitted_at, submitted_by, due_at, "
            "expires_at, face_result, face_ref, contact_phone_enc, staged_hash, staged_secret_enc, staged_phone_enc, checks) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, c.id);
        q.bind(2, c.kind);
        q.bind(3, c.customer_id);
        bind_blob(q, 4, c.account.empty() ? std::vector<unsigned char>{} : index_of("accounts.number", c.account));
        bind_blob(q, 5, c.account.empty() ? std::vector<unsigned char>{} : seal("cases.account", c.id, c.account));
        q.bind(6, c.state);
        q.bind(7, seconds_of(c.submitted_at));
        q.bind(8, c.submitted_by);
        q.bind(9, seconds_of(c.due_at));
        q.bind(10, seconds_of(c.expires_at));
        q.bind(11, c.face_result);
        q.bind(12, c.face_ref);
        bind_blob(q, 13, c.contact_phone.empty() ? std::vector<unsigned char>{} : seal("cases.contact_phone", c.id, c.contact_phone));
        if (c.staged_hash.empty()) q.bind(14); else q.bind(14, c.staged_hash);
        bind_blob(q, 15, c.staged_secret_enc);
        bind_blob(q, 16, c.staged_phone.empty() ? std::vector<unsigned char>{} : seal("cases.staged_phone", c.id, c.staged_phone));
        q.bind(17, c.checks);
        q.exec();
        for (const auto& m : c.materials) {
            auto& qm = prepared("INSERT INTO case_materials (case_id, role, sha256, media, size) VALUES (?, ?, ?, ?, ?)");
            qm.bind(1, c.id);
            qm.bind(2, m.role);
            qm.bind(3, m.sha256);
            qm.bind(4, m.media);
            qm.bind(5, static_cast<std::int64_t>(m.size));
            qm.exec();
        }
        return 0;
    });
}

std::optional<CaseRecord> SqliteStore::find_case(const std::string& id) {
    return guarded(path_, [&]() -> std::optional<CaseRecord> {
        static const std::string sql = std::string("SELECT ") + kCaseColumns + " FROM cases WHERE id = ?";
        auto& q = prepared(sql.c_str());
        q.bind(1, id);
        if (!q.executeStep()) return std::nullopt;
        CaseRecord c = read_case_row(q);
        q.reset();
        c.materials = case_materials(id);
        return c;
    });
}

std::vector<std::string> SqliteStore::pending_cases_of(const std::string& customer_id, const std::string& kind) {
    return guarded(path_, [&] {
        std::vector<std::string> ids;
        auto& q = prepared("SELECT id FROM cases WHERE customer_id = ? AND kind = ? AND state = 'pending' ORDER BY id");
        q.bind(1, customer_id);
        q.bind(2, kind);
        while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
        return ids;
    });
}

void SqliteStore::update_case(const CaseRecord& c) {
    guarded(path_, [&] {
        // Leaving pending wipes the staged secret's sealed copy (domain.md §6).
        auto& q = prepared(
            "UPDATE cases SET state = ?1, checks = ?2, decided_at = ?3, decided_by = ?4, decision_auto = ?5, reason = ?6, "
            "note = ?7, staged_secret_enc = CASE WHEN ?1 = 'pending' THEN staged_secret_enc ELSE NULL END WHERE id = ?8");
        q.bind(1, c.state);
        q.bind(2, c.checks);
        bind_optional_time(q, 3, c.decided_at);
        if (c.decided_by.empty()) q.bind(4); else q.bind(4, c.decided_by);
        q.bind(5, c.decision_auto ? 1 : 0);
        if (c.reason.empty()) q.bind(6); else q.bind(6, c.reason);
        if (c.note.empty()) q.bind(7); else q.bind(7, c.note);
        q.bind(8, c.id);
        return q.exec();
    });
}

std::vector<MaterialRecord> SqliteStore::case_materials(const std::string& case_id) {
    return guarded(path_, [&] {
        std::vector<MaterialRecord> out;
        auto& qm = prepared("SELECT role, sha256, media, size FROM case_materials WHERE case_id = ? ORDER BY role");
        qm.bind(1, case_id);
        while (qm.executeStep()) {
            out.push_back({qm.getColumn(0).getString(), qm.getColumn(1).getString(), qm.getColumn(2).getString(),
                           qm.getColumn(3).getInt64()});
        }
        return out;
    });
}

std::map<std::string, std::vector<MaterialRecord>> SqliteStore::materials_of_cases(
    const std::vector<std::string>& case_ids) {
    return guarded(path_, [&] {
        std::map<std::string, std::vector<MaterialRecord>> out;
        if (case_ids.empty()) return out;
        auto& qm = prepared(
            "SELECT case_id, role, sha256, media, size FROM case_materials "
            "WHERE case_id IN (SELECT value FROM json_each(?)) ORDER BY case_id, role");
        qm.bind(1, nlohmann::json(case_ids).dump());
        while (qm.executeStep()) {
            out[qm.getColumn(0).getString()].push_back({qm.getColumn(1).getString(), qm.getColumn(2).getString(),
                                                        qm.getColumn(3).getString(), qm.getColumn(4).getInt64()});
        }
        return out;
    });
}

namespace {

std::string case_where(const CaseFilter& f) {
    std::string sql = " WHERE 1 = 1";
    if (f.state) sql += " AND state = :state";
    if (f.kind) sql += " AND kind = :kind";
    if (f.customer_id) sql += " AND customer_id = :customer";
    if (f.overdue_at) sql += " AND state = 'pending' AND due_at < :overdue";
    if (f.after) sql += " AND (due_at > :after_due OR (due_at = :after_due AND id > :after_id))";
    return sql;
}

void bind_case_filter(SQLite::Statement& q, const CaseFilter& f) {
    if (f.state) q.bind(":state", *f.state);
    if (f.kind) q.bind(":kind", *f.kind);
    if (f.customer_id) q.bind(":customer", *f.customer_id);
    if (f.overdue_at) q.bind(":overdue", seconds_of(*f.overdue_at));
    if (f.after) {
        q.bind(":after_due", seconds_of(f.after->first));
        q.bind(":after_id", f.after->second);
    }
    if (f.limit) q.bind(":limit", static_cast<std::int64_t>(*f.limit));
}

}  // namespace

std::int64_t SqliteStore::count_cases(const CaseFilter& f) {
    return guarded(path_, [&] {
        SQLite::Statement q(*db_, "SELECT count(*) FROM cases" + case_where(f));
        bind_case_filter(q, f);
        q.executeStep();
        return static_cast<std::int64_t>(q.getColumn(0).getInt64());
    });
}

void SqliteStore::for_each_case(const CaseFilter& f, const std::function<bool(const CaseRecord&)>& visit) {
    guarded(path_, [&] {
        // The batch pages by (due_at, id), walking the (state, due_at, id) index in order:
        // sequential pages, which matters more than anything else at a million cases.
        std::string sql = std::string("SELECT ") + kCaseColumns + " FROM cases" + case_where(f) +
                          (f.after || f.limit ? " ORDER BY due_at, id" : " ORDER BY submitted_at, id");
        if (f.limit) sql += " LIMIT :limit";
        SQLite::Statement q(*db_, sql);
        bind_case_filter(q, f);
        while (q.executeStep()) {
            if (!visit(read_case_row(q))) break;
        }
        return 0;
    });
}

}  // namespace kunlun

namespace kunlun {

std::vector<BatchLockHolder> SqliteStore::batch_workers() {
    return guarded(path_, [&] {
        std::vector<BatchLockHolder> out;
        auto& q = prepared("SELECT holder, pid, host, heartbeat FROM batch_lock WHERE name = 'review-batch'");
        if (q.executeStep()) {
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                           instant_of(q.getColumn(3).getInt64()), ""});
        }
        return out;
    });
}

// One worker at a time (the batch lock) and one writer at a time: the worker's own cursor is
// the whole claim, and the run needs no mark on the cases.
std::vector<CaseRecord> SqliteStore::claim_batch_chunk(const std::string& /*run*/,
                                                       const std::optional<std::pair<Instant, std::string>>& after,
                                                       std::int64_t limit) {
    CaseFilter filter;
    filter.state = "pending";
    filter.after = after;
    filter.limit = limit;
    std::vector<CaseRecord> chunk;
    for_each_case(filter, [&](const CaseRecord& c) {
        chunk.push_back(c);
        return true;
    });
    return chunk;
}

void SqliteStore::set_batch_lock(const BatchLockHolder& h) {
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO batch_lock (name, holder, pid, host, heartbeat) VALUES ('review-batch', ?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, host = excluded.host, "
            "heartbeat = excluded.heartbeat");
        q.bind(1, h.holder);
        q.bind(2, static_cast<std::int64_t>(h.pid));
        q.bind(3, h.host);
        q.bind(4, seconds_of(h.heartbeat));
        return q.exec();
    });
}

void SqliteStore::release_batch_lock(std::int64_t pid, const std::string& host) {
    guarded(path_, [&] {
        auto& q = prepared("DELETE FROM batch_lock WHERE name = 'review-batch' AND pid = ? AND host = ?");
        q.bind(1, static_cast<std::int64_t>(pid));
        q.bind(2, host);
        return q.exec();
    });
}

}  // namespace kunlun
