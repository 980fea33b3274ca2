// Floor of `pg-batch`: one batch worker on a PostgreSQL store with raw libpq, the same
// statements as the store's batch: claim a chunk of pending cases in (due_at, id) order with
// FOR UPDATE SKIP LOCKED (marking them with the run), per case one UPDATE and one outbox
// INSERT, then at commit lock the audit head, insert the chunk's chained audit entries
// (HMAC-SHA256) and move the head. Several of these may run at once on one run id.
//
//   floor_pg_batch CONNINFO KEYFILE RUN OPERATOR NOW_SECONDS [CHUNK]
#include "floor_common.h"

#include <libpq-fe.h>

#include <ctime>

using namespace floorbench;

namespace {

PGconn* conn;

PGresult* ok(PGresult* r, const char* what) {
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) die(std::string(what) + ": " + PQerrorMessage(conn));
    return r;
}

void exec(const char* sql) { PQclear(ok(PQexec(conn, sql), sql)); }

void prepare(const char* name, const char* sql) { PQclear(ok(PQprepare(conn, name, sql, 0, nullptr), name)); }

struct Params {
    std::vector<std::string> values;
    std::vector<int> lengths, formats;
    Params& text(std::string v) {
        values.push_back(std::move(v));
        formats.push_back(0);
        return *this;
    }
    Params& bytes(const Bytes& b) {
        values.emplace_back(b.begin(), b.end());
        formats.push_back(1);
        return *this;
    }
    PGresult* run(const char* name) {
        std::vector<const char*> p;
        lengths.clear();
        for (const auto& v : values) {
            p.push_back(v.data());
            lengths.push_back(static_cast<int>(v.size()));
        }
        return ok(PQexecPrepared(conn, name, static_cast<int>(p.size()), p.data(), lengths.data(), formats.data(), 0), name);
    }
};

Bytes unescape(const char* hex) {
    std::size_t n = 0;
    unsigned char* p = PQunescapeBytea(reinterpret_cast<const unsigned char*>(hex), &n);
    Bytes b(p, p + n);
    PQfreemem(p);
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 6) die("usage: floor_pg_batch CONNINFO KEYFILE RUN OPERATOR NOW_SECONDS [CHUNK]");
    conn = PQconnectdb(argv[1]);
    if (PQstatus(conn) != CONNECTION_OK) die(std::string("connect: ") + PQerrorMessage(conn));
    const std::string run = argv[3], op = argv[4], now = argv[5];
    const std::string chunk = argc > 6 ? argv[6] : "1000";
    Bytes master = master_key(argv[2]);
    Hmac audit_hmac(hkdf(master, "audit-mac"));
    Sealer sealer(hkdf(master, "field-encryption"));

    const std::string pick =
        "WITH picked AS (SELECT id FROM cases WHERE state = 'pending' AND batch_run IS DISTINCT FROM $1 %s"
        " ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED), "
        "marked AS (UPDATE cases SET batch_run = $1 WHERE id IN (SELECT id FROM picked) RETURNING id) "
        "SELECT id, kind, customer_id, due_at, submitted_by FROM cases WHERE id IN (SELECT id FROM marked) ORDER BY due_at, id";
    char sql[1024];
    std::snprintf(sql, sizeof sql, pick.c_str(), "");
    prepare("claim_first", sql);
    std::snprintf(sql, sizeof sql, pick.c_str(), "AND (due_at, id) > ($3, $4)");
    prepare("claim_after", sql);
    prepare("upd",
            "UPDATE cases SET state = $1, checks = checks, decided_at = $2, decided_by = $3, decision_auto = true, "
            "reason = NULL, note = $4, staged_secret_enc = CASE WHEN $1 = 'pending' THEN staged_secret_enc ELSE NULL END "
            "WHERE id = $5");
    prepare("outbox",
            "INSERT INTO outbox (customer_id, to_enc, template, params, text, created_at, state, attempts, next_attempt_at, "
            "last_error, sent_at) VALUES ($1, $2, 'case_approved', $3, $4, $5, 'pending', 0, $6, '', NULL)");
    prepare("head", "SELECT seq, mac FROM audit_head FOR UPDATE");
    prepare("audit", "INSERT INTO audit (seq, at_real, at_effective, operator, command, customer, outcome, details, mac) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    prepare("move", "UPDATE audit_head SET seq = $1, mac = $2");

    std::string after_due, after_id;
    long long done = 0;
    struct Case { std::string id, kind, customer, due, submitted_by; };
    while (true) {
        exec("BEGIN ISOLATION LEVEL READ COMMITTED");
        std::vector<Case> cases;
        for (int attempt = 0; attempt < 2 && cases.empty(); ++attempt) {
            bool from_cursor = attempt == 0 && !after_id.empty();
            if (attempt == 1 && after_id.empty()) break;
            Params p;
            p.text(run).text(chunk);
            if (from_cursor) p.text(after_due).text(after_id);
            PGresult* r = p.run(from_cursor ? "claim_after" : "claim_first");
            for (int i = 0; i < PQntuples(r); ++i) {
                cases.push_back({PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                                 PQgetvalue(r, i, 4)});
            }
            PQclear(r);
        }
        if (cases.empty()) {
            exec("COMMIT");
            break;
        }
        std::vector<AuditRow> drafts;
        const std::string at_real = std::to_string(std::time(nullptr));
        for (const auto& c : cases) {
            PQclear(Params().text("approved").text(now).text(op).text("all automated checks passed").text(c.id).run("upd"));
            std::string phone = "+86138" + c.customer.substr(c.customer.size() - 8);
            PQclear(Params()
                        .text(c.customer)
                        .bytes(sealer.seal(phone, "outbox.to/" + c.customer))
                        .text("{\"case\":\"" + c.id + "\",\"kind_name\":\"" + c.kind + "\"}")
                        .text("【昆仑银行】您的" + c.kind + "申请（" + c.id + "）已审核通过。")
                        .text(now)
                        .text(now)
                        .run("outbox"));
            drafts.push_back({0, std::stoll(at_real), std::stoll(now), op, "review approve", c.customer, "ok",
                              "{\"auto\":true,\"case\":\"" + c.id + "\",\"kind\":\"" + c.kind + "\",\"submitted_by\":\"" +
                                  c.submitted_by + "\"}"});
        }
        PGresult* h = Params().run("head");
        if (PQntuples(h) != 1) die("no audit head row");
        long long seq = std::stoll(PQgetvalue(h, 0, 0));
        Bytes mac = unescape(PQgetvalue(h, 0, 1));
        PQclear(h);
        for (auto& e : drafts) {
            e.seq = ++seq;
            mac = audit_mac(audit_hmac, mac, e);
            PQclear(Params()
                        .text(std::to_string(e.seq))
                        .text(std::to_string(e.at_real))
                        .text(std::to_string(e.at_effective))
                        .text(e.op)
                        .text(e.command)
                        .text(e.customer)
                        .text(e.outcome)
                        .text(e.details)
                        .bytes(mac)
                        .run("audit"));
        }
        PQclear(Params().text(std::to_string(seq)).bytes(mac).run("move"));
        exec("COMMIT");
        done += static_cast<long long>(cases.size());
        after_due = cases.back().due;
        after_id = cases.back().id;
    }
    PQfinish(conn);
    std::printf("%lld\n", done);
    return 0;
}
