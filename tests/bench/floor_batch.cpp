// Floor of `batch`: on a copy of the same generated store, walk the pending cases on the
// (state, due_at, id) index in chunks (one transaction each) and approve every one: per case
// one UPDATE of the case, one INSERT into the outbox (recipient sealed with AES-256-GCM) and
// one INSERT into the audit log chained with HMAC-SHA256. Raw sqlite3 + OpenSSL only.
//
//   floor_batch STORE KEYFILE OPERATOR NOW_SECONDS [CHUNK]
#include "sqlite_util.h"

#include <ctime>

using namespace floorbench;

int main(int argc, char** argv) {
    if (argc < 5) die("usage: floor_batch STORE KEYFILE OPERATOR NOW_SECONDS [CHUNK]");
    const std::string op = argv[3];
    const std::int64_t now = std::stoll(argv[4]);
    const int chunk = argc > 5 ? std::stoi(argv[5]) : 1000;
    Bytes master = master_key(argv[2]);
    Hmac audit_hmac(hkdf(master, "audit-mac"));
    Sealer sealer(hkdf(master, "field-encryption"));

    sqlite3* db = open_store(argv[1]);
    auto [seq, mac] = audit_head(db);
    sqlite3_stmt* pick = prepare(db,
        "SELECT id, kind, customer_id, due_at, submitted_by FROM cases WHERE state = 'pending' "
        "AND (due_at > ?1 OR (due_at = ?1 AND id > ?2)) ORDER BY due_at, id LIMIT ?3");
    sqlite3_stmt* upd = prepare(db,
        "UPDATE cases SET state = ?1, checks = checks, decided_at = ?2, decided_by = ?3, decision_auto = 1, reason = NULL, "
        "note = ?4, staged_secret_enc = NULL WHERE id = ?5");
    sqlite3_stmt* out = prepare(db,
        "INSERT INTO outbox (customer_id, to_enc, template, params, text, created_at, state, attempts, next_attempt_at, "
        "last_error, sent_at) VALUES (?, ?, 'case_approved', ?, ?, ?, 'pending', 0, ?, '', NULL)");
    sqlite3_stmt* aud = prepare(db,
        "INSERT INTO audit (seq, at_real, at_effective, operator, command, customer, outcome, details, mac) "
        "VALUES (?, ?, ?, ?, 'review approve', ?, 'ok', ?, ?)");

    std::int64_t after_due = INT64_MIN, done = 0;
    std::string after_id;
    struct Case { std::string id, kind, customer, submitted_by; std::int64_t due; };
    std::vector<Case> cases;
    while (true) {
        exec(db, "BEGIN IMMEDIATE");
        cases.clear();
        sqlite3_bind_int64(pick, 1, after_due);
        text(pick, 2, after_id);
        sqlite3_bind_int(pick, 3, chunk);
        while (sqlite3_step(pick) == SQLITE_ROW) {
            cases.push_back({column_text(pick, 0), column_text(pick, 1), column_text(pick, 2), column_text(pick, 4),
                             sqlite3_column_int64(pick, 3)});
        }
        sqlite3_reset(pick);
        if (cases.empty()) {
            exec(db, "COMMIT");
            break;
        }
        const std::int64_t at_real = static_cast<std::int64_t>(std::time(nullptr));
        for (const auto& c : cases) {
            text(upd, 1, "approved");
            sqlite3_bind_int64(upd, 2, now);
            text(upd, 3, op);
            text(upd, 4, "all automated checks passed");
            text(upd, 5, c.id);
            run(db, upd, "update case");

            std::string phone = "+86138" + c.customer.substr(c.customer.size() - 8);
            text(out, 1, c.customer);
            blob(out, 2, sealer.seal(phone, "outbox.to/" + c.customer));
            text(out, 3, "{\"case\":\"" + c.id + "\",\"kind_name\":\"" + c.kind + "\"}");
            text(out, 4, "【昆仑银行】您的" + c.kind + "申请（" + c.id + "）已审核通过。");
            sqlite3_bind_int64(out, 5, now);
            sqlite3_bind_int64(out, 6, now);
            run(db, out, "insert outbox");

            AuditRow e{seq + 1, at_real, now, op, "review approve", c.customer, "ok",
                       "{\"auto\":true,\"case\":\"" + c.id + "\",\"kind\":\"" + c.kind + "\",\"submitted_by\":\"" +
                           c.submitted_by + "\"}"};
            mac = audit_mac(audit_hmac, mac, e);
            seq = e.seq;
            sqlite3_bind_int64(aud, 1, e.seq);
            sqlite3_bind_int64(aud, 2, e.at_real);
            sqlite3_bind_int64(aud, 3, e.at_effective);
            text(aud, 4, e.op);
            text(aud, 5, e.customer);
            text(aud, 6, e.details);
            blob(aud, 7, mac);
            run(db, aud, "insert audit");
        }
        exec(db, "COMMIT");
        done += static_cast<std::int64_t>(cases.size());
        after_due = cases.back().due;
        after_id = cases.back().id;
    }
    for (auto* s : {pick, upd, out, aud}) sqlite3_finalize(s);
    sqlite3_close(db);
    std::printf("%lld\n", static_cast<long long>(done));
    return 0;
}
