// Floor of `cmd-write` (`otp send`): open the store, one write transaction of the same rows,
// exit. Reads the customer, counts today's sends, supersedes the active code, inserts the new
// code's HMAC, appends the audit entry (HMAC chain), writes the SMS to the file sink and
// records it in the outbox as sent. Raw sqlite3 + OpenSSL only.
//
//   floor_write STORE KEYFILE SINK CUSTOMER OPERATOR NOW_SECONDS
#include "sqlite_util.h"

#include <ctime>

using namespace floorbench;

int main(int argc, char** argv) {
    if (argc < 7) die("usage: floor_write STORE KEYFILE SINK CUSTOMER OPERATOR NOW_SECONDS");
    const std::string customer = argv[4], op = argv[5], purpose = "reset-login";
    const std::int64_t now = std::stoll(argv[6]);
    Bytes master = master_key(argv[2]);
    sqlite3* db = open_store(argv[1]);
    exec(db, "BEGIN IMMEDIATE");

    sqlite3_stmt* s = prepare(db, "SELECT name, phone_enc, phone_idx, status FROM customers WHERE id = ?");
    text(s, 1, customer);
    if (sqlite3_step(s) != SQLITE_ROW) die("no customer " + customer);
    Bytes dest_idx = column_blob(s, 2);
    sqlite3_finalize(s);

    s = prepare(db, "SELECT count(*), max(created_at) FROM otps WHERE customer_id = ? AND purpose = ? AND destination_idx = ? "
                    "AND created_at >= ?");
    text(s, 1, customer);
    text(s, 2, purpose);
    blob(s, 3, dest_idx);
    sqlite3_bind_int64(s, 4, now - 86400);
    run(db, s, "otp stats");
    sqlite3_finalize(s);

    s = prepare(db, "UPDATE otps SET state = 'superseded' WHERE customer_id = ? AND purpose = ? AND destination_idx = ? "
                    "AND state = 'active'");
    text(s, 1, customer);
    text(s, 2, purpose);
    blob(s, 3, dest_idx);
    run(db, s, "supersede");
    sqlite3_finalize(s);

    unsigned char r[4];
    RAND_bytes(r, sizeof r);
    char code[8];
    std::snprintf(code, sizeof code, "%06u", (static_cast<unsigned>(r[0]) << 16 | r[1] << 8 | r[2]) % 1000000u);
    Hmac otp_hmac(hkdf(master, "otp-code"));
    std::string message = customer + '\0' + purpose + '\0' + code;
    s = prepare(db, "INSERT INTO otps (customer_id, purpose, destination_idx, code_mac, created_at, expires_at, wrong_tries, "
                    "state) VALUES (?, ?, ?, ?, ?, ?, 0, 'active')");
    text(s, 1, customer);
    text(s, 2, purpose);
    blob(s, 3, dest_idx);
    blob(s, 4, otp_hmac(message));
    sqlite3_bind_int64(s, 5, now);
    sqlite3_bind_int64(s, 6, now + 300);
    run(db, s, "insert otp");
    sqlite3_finalize(s);

    Hmac audit_hmac(hkdf(master, "audit-mac"));
    auto [seq, previous] = audit_head(db);
    AuditRow e{seq + 1, static_cast<std::int64_t>(std::time(nullptr)), now, op, "otp send", customer, "ok",
               "{\"purpose\":\"reset-login\",\"to\":\"*******0000\"}"};
    Bytes mac = audit_mac(audit_hmac, previous, e);
    s = prepare(db, "INSERT INTO audit (seq, at_real, at_effective, operator, command, customer, outcome, details, mac) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    sqlite3_bind_int64(s, 1, e.seq);
    sqlite3_bind_int64(s, 2, e.at_real);
    sqlite3_bind_int64(s, 3, e.at_effective);
    text(s, 4, e.op);
    text(s, 5, e.command);
    text(s, 6, e.customer);
    text(s, 7, e.outcome);
    text(s, 8, e.details);
    blob(s, 9, mac);
    run(db, s, "insert audit");
    sqlite3_finalize(s);

    std::string body = std::string("您的验证码是") + code + "，5分钟内有效。";
    if (FILE* f = std::fopen(argv[3], "a")) {
        std::fprintf(f, "{\"to\":\"+8613800000000\",\"template\":\"otp\",\"params\":{\"code\":\"%s\"},\"text\":\"%s\"}\n", code,
                     body.c_str());
        std::fclose(f);
    } else {
        die("cannot append to the sink");
    }
    Sealer sealer(hkdf(master, "field-encryption"));
    s = prepare(db, "INSERT INTO outbox (customer_id, to_enc, template, params, text, created_at, state, attempts, "
                    "next_attempt_at, last_error, sent_at) VALUES (?, ?, 'otp', ?, ?, ?, 'sent', 1, ?, '', ?)");
    text(s, 1, customer);
    blob(s, 2, sealer.seal("+8613800000000", "outbox.to/" + customer));
    text(s, 3, "{\"code\":\"******\",\"minutes\":5,\"purpose\":\"reset-login\"}");
    text(s, 4, "您的验证码是******，5分钟内有效。");
    sqlite3_bind_int64(s, 5, now);
    sqlite3_bind_int64(s, 6, now);
    sqlite3_bind_int64(s, 7, now);
    run(db, s, "insert outbox");
    sqlite3_finalize(s);

    exec(db, "COMMIT");
    sqlite3_close(db);
    return 0;
}
