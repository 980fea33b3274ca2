// Review cases, their materials, and the batch's workers and claimed chunks. The staged
// secret stays sealed (the flow seals it under its own key, the case id as associated data);
// it is wiped when the case leaves pending.
#include "error.h"
#include "store/postgres/pg_store.h"

namespace kunlun {
namespace {

constexpr const char* kCaseColumns =
    "id, kind, customer_id, account_enc, state, submitted_at, submitted_by, due_at, expires_at, face_result, face_ref, "
    "contact_phone_enc, staged_hash, staged_secret_enc, staged_phone_enc, checks, decided_at, decided_by, "
    "decision_auto, reason, note";

// A CaseFilter as a WHERE clause with numbered parameters.
struct CaseQuery {
    std::string where = " WHERE true";
    pg::Params params;
    int count = 0;
    std::string next() { return "$" + std::to_string(++count); }
};

CaseQuery case_query(const CaseFilter& f) {
    CaseQuery q;
    if (f.state) {
        q.where += " AND state = " + q.next();
        q.params.text(*f.state);
    }
    if (f.kind) {
        q.where += " AND kind = " + q.next();
        q.params.text(*f.kind);
    }
    if (f.customer_id) {
        q.where += " AND customer_id = " + q.next();
        q.params.text(*f.customer_id);
    }
    if (f.overdue_at) {
        q.where += " AND state = 'pending' AND due_at < " + q.next();
        q.params.time(*f.overdue_at);
    }
    if (f.after) {
        auto due = q.next();
        q.where += " AND (due_at, id) > (" + due + ", " + q.next() + ")";
        q.params.time(f.after->first).text(f.after->second);
    }
    return q;
}

}  // namespace

CaseRecord PgStore::read_case(const pg::Rows& r, int i) {
    CaseRecord c;
    c.id = r.text(i, 0);
    c.kind = r.text(i, 1);
    c.customer_id = r.text(i, 2);
    if (!r.null(i, 3)) c.account = open_field(keys(), "cases.account", c.id, r.bytes(i, 3));
    c.state = r.text(i, 4);
    c.submitted_at = r.time(i, 5);
    c.submitted_by = r.text(i, 6);
    c.due_at = r.time(i, 7);
    c.expires_at = r.time(i, 8);
    c.face_result = r.text(i, 9);
    c.face_ref = r.text(i, 10);
    if (!r.null(i, 11)) c.contact_phone = open_field(keys(), "cases.contact_phone", c.id, r.bytes(i, 11));
    c.staged_hash = r.text(i, 12);
    c.staged_secret_enc = r.bytes(i, 13);
    if (!r.null(i, 14)) c.staged_phone = open_field(keys(), "cases.staged_phone", c.id, r.bytes(i, 14));
    c.checks = r.text(i, 15);
    c.decided_at = r.time_or_null(i, 16);
    c.decided_by = r.text(i, 17);
    c.decision_auto = r.boolean(i, 18);
    c.reason = r.text(i, 19);
    c.note = r.text(i, 20);
    return c;
}

void PgStore::insert_case(const CaseRecord& c) {
    pg::Params p;
    p.text(c.id).text(c.kind).text(c.customer_id);
    if (c.account.empty()) {
        p.null().null();
    } else {
        p.bytes(blind_index(keys(), "accounts.number", c.account)).bytes(seal_field(keys(), "cases.account", c.id, c.account));
    }
    p.text(c.state).time(c.submitted_at).text(c.submitted_by).time(c.due_at).time(c.expires_at).text(c.face_result).text(c.face_ref);
    if (c.contact_phone.empty()) p.null(); else p.bytes(seal_field(keys(), "cases.contact_phone", c.id, c.contact_phone));
    p.text_or_null(c.staged_hash).bytes_or_null(c.staged_secret_enc);
    if (c.staged_phone.empty()) p.null(); else p.bytes(seal_field(keys(), "cases.staged_phone", c.id, c.staged_phone));
    p.text(c.checks);
    db_->run("INSERT INTO cases (id, kind, customer_id, account_idx, account_enc, state, submitted_at, submitted_by, "
             "due_at, expires_at, face_result, face_ref, contact_phone_enc, staged_hash, staged_secret_enc, "
             "staged_phone_enc, checks) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
             p);
    for (const auto& m : c.materials) {
        db_->run("INSERT INTO case_materials (case_id, role, sha256, media, size) VALUES ($1, $2, $3, $4, $5)",
                 pg::Params().text(c.id).text(m.role).text(m.sha256).text(m.media).integer(m.size));
    }
}

// Inside a write transaction the case stays locked until it ends: of two reviewers deciding
// it at once, the second reads it after the first committed, decided (77 already-decided).
std::optional<CaseRecord> PgStore::find_case(const std::string& id) {
    auto rows = db_->run(std::string("SELECT ") + kCaseColumns + " FROM cases WHERE id = $1" + row_lock(),
                         pg::Params().text(id));
    if (rows.empty()) return std::nullopt;
    CaseRecord c = read_case(rows, 0);
    c.materials = case_materials(id);
    return c;
}

std::map<std::string, std::vector<MaterialRecord>> PgStore::materials_of_cases(const std::vector<std::string>& case_ids) {
    std::map<std::string, std::vector<MaterialRecord>> out;
    if (case_ids.empty()) return out;
    auto rows = db_->run("SELECT case_id, role, sha256, media, size FROM case_materials WHERE case_id = ANY($1::text[]) "
                         "ORDER BY case_id, role",
                         pg::Params().text(pg::text_array(case_ids)));
    for (int i = 0; i < rows.size(); ++i) {
        out[rows.text(i, 0)].push_back({rows.text(i, 1), rows.text(i, 2), rows.text(i, 3), rows.integer(i, 4)});
    }
    return out;
}

std::vector<std::string> PgStore::pending_cases_of(const std::string& customer_id, const std::string& kind) {
    auto rows = db_->run("SELECT id FROM cases WHERE customer_id = $1 AND kind = $2 AND state = 'pending' ORDER BY id",
                         pg::Params().text(customer_id).text(kind));
    std::vector<std::string> ids;
    for (int i = 0; i < rows.size(); ++i) ids.push_back(rows.text(i, 0));
    return ids;
}

void PgStore::update_case(const CaseRecord& c) {
    // Leaving pending wipes the staged secret's sealed copy (domain.md §6).
    db_->run("UPDATE cases SET state = $1, checks = $2, decided_at = $3, decided_by = $4, decision_auto = $5, "
             "reason = $6, note = $7, staged_secret_enc = CASE WHEN $1 = 'pending' THEN staged_secret_enc ELSE NULL END "
             "WHERE id = $8",
             pg::Params()
                 .text(c.state)
                 .text(c.checks)
                 .time_or_null(c.decided_at)
                 .text_or_null(c.decided_by)
                 .boolean(c.decision_auto)
                 .text_or_null(c.reason)
                 .text_or_null(c.note)
                 .text(c.id));
}

std::vector<MaterialRecord> PgStore::case_materials(const std::string& case_id) {
    auto rows = db_->run("SELECT role, sha256, media, size FROM case_materials WHERE case_id = $1 ORDER BY role",
                         pg::Params().text(case_id));
    std::vector<MaterialRecord> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back({rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.integer(i, 3)});
    return out;
}

std::int64_t PgStore::count_cases(const CaseFilter& f) {
    auto q = case_query(f);
    return db_->run("SELECT count(*) FROM cases" + q.where, q.params).integer(0, 0);
}

void PgStore::for_each_case(const CaseFilter& f, const std::function<bool(const CaseRecord&)>& visit) {
    // The batch's order (due_at, id) when it pages or limits, else submission order; without a
    // limit the rows come in pages after the last one seen, so memory stays flat.
    const bool by_due = f.after.has_value() || f.limit.has_value();
    const std::string order = by_due ? "due_at" : "submitted_at";
    constexpr std::int64_t kPage = 1000;
    std::optional<std::pair<Instant, std::string>> cursor;
    while (true) {
        auto q = case_query(f);
        std::string sql = std::string("SELECT ") + kCaseColumns + " FROM cases" + q.where;
        if (cursor) {
            auto t = q.next();
            sql += " AND (" + order + ", id) > (" + t + ", " + q.next() + ")";
            q.params.time(cursor->first).text(cursor->second);
        }
        std::int64_t limit = f.limit.value_or(kPage);
        sql += " ORDER BY " + order + ", id LIMIT " + q.next();
        q.params.integer(limit);
        auto rows = db_->run(sql, q.params);
        for (int i = 0; i < rows.size(); ++i) {
            CaseRecord c = read_case(rows, i);
            cursor = std::make_pair(by_due ? c.due_at : c.submitted_at, c.id);
            if (!visit(c)) return;
        }
        if (f.limit || rows.size() < kPage) return;
    }
}

// --- the batch's workers and claims ---

std::vector<BatchLockHolder> PgStore::batch_workers() {
    auto rows = db_->run("SELECT holder, pid, host, heartbeat, run FROM batch_workers ORDER BY heartbeat DESC, host, pid");
    std::vector<BatchLockHolder> out;
    for (int i = 0; i < rows.size(); ++i) {
        out.push_back({rows.text(i, 0), rows.integer(i, 1), rows.text(i, 2), rows.time(i, 3), rows.text(i, 4)});
    }
    return out;
}

void PgStore::set_batch_lock(const BatchLockHolder& h) {
    db_->run("INSERT INTO batch_workers (host, pid, holder, run, heartbeat) VALUES ($1, $2, $3, $4, $5) "
             "ON CONFLICT (host, pid) DO UPDATE SET holder = excluded.holder, run = excluded.run, "
             "heartbeat = excluded.heartbeat",
             pg::Params().text(h.host).integer(h.pid).text(h.holder).text(h.run).time(h.heartbeat));
}

void PgStore::release_batch_lock(std::int64_t pid, const std::string& host) {
    db_->run("DELETE FROM batch_workers WHERE pid = $1 AND host = $2", pg::Params().integer(pid).text(host));
}

// The chunk's cases are locked (other workers skip them) and marked with the run in the
// same statement; both last only if the chunk's transaction commits.
std::vector<CaseRecord> PgStore::claim_batch_chunk(const std::string& run,
                                                   const std::optional<std::pair<Instant, std::string>>& after,
                                                   std::int64_t limit) {
    auto claim = [&](bool from_cursor) {
        pg::Params p;
        p.text(run).integer(limit);
        if (from_cursor) p.time(after->first).text(after->second);
        std::string sql = std::string("WITH picked AS (SELECT id FROM cases WHERE state = 'pending' "
                                      "AND batch_run IS DISTINCT FROM $1") +
                          (from_cursor ? " AND (due_at, id) > ($3, $4)" : "") +
                          " ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED), "
                          "marked AS (UPDATE cases SET batch_run = $1 WHERE id IN (SELECT id FROM picked) RETURNING id) "
                          "SELECT " + kCaseColumns + " FROM cases WHERE id IN (SELECT id FROM marked) ORDER BY due_at, id";
        auto rows = db_->run(sql, p);
        std::vector<CaseRecord> chunk;
        for (int i = 0; i < rows.size(); ++i) chunk.push_back(read_case(rows, i));
        return chunk;
    };
    auto chunk = claim(after.has_value());
    // Nothing left after the cursor: a chunk behind it may have been rolled back meanwhile
    // (a killed worker's); one look from the start takes it.
    if (chunk.empty() && after) chunk = claim(false);
    return chunk;
}

}  // namespace kunlun
