// Floor of `audit verify`: read every audit row in seq order with sqlite3 and recompute the
// HMAC-SHA256 chain with OpenSSL, comparing each stored MAC. Prints the entry count; exits 1
// on the first mismatch.
//
//   floor_audit_verify STORE KEYFILE
#include "sqlite_util.h"

using namespace floorbench;

int main(int argc, char** argv) {
    if (argc < 3) die("usage: floor_audit_verify STORE KEYFILE");
    Hmac hmac(hkdf(master_key(argv[2]), "audit-mac"));
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) die("cannot open store");
    sqlite3_stmt* s = prepare(db,
        "SELECT seq, at_real, at_effective, operator, command, customer, outcome, details, mac FROM audit ORDER BY seq");
    Bytes previous;
    std::int64_t n = 0;
    AuditRow e;
    while (sqlite3_step(s) == SQLITE_ROW) {
        e.seq = sqlite3_column_int64(s, 0);
        e.at_real = sqlite3_column_int64(s, 1);
        e.at_effective = sqlite3_column_int64(s, 2);
        e.op = column_text(s, 3);
        e.command = column_text(s, 4);
        e.customer = column_text(s, 5);
        e.outcome = column_text(s, 6);
        e.details = column_text(s, 7);
        Bytes mac = audit_mac(hmac, previous, e);
        const auto* stored = static_cast<const unsigned char*>(sqlite3_column_blob(s, 8));
        if (sqlite3_column_bytes(s, 8) != 32 || std::memcmp(stored, mac.data(), 32) != 0) {
            std::fprintf(stderr, "floor: chain broken at seq %lld\n", static_cast<long long>(e.seq));
            return 1;
        }
        previous = std::move(mac);
        ++n;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    std::printf("%lld\n", static_cast<long long>(n));
    return 0;
}
