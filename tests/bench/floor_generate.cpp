// Floor of `generate`: into a store that `init` just created (same schema), insert N
// customers (ID number and phone sealed with AES-256-GCM and blind-indexed with HMAC-SHA256,
// one account sealed and indexed, one device) and M pending review cases (sealed account,
// contact or new phone and staged secret, three materials each), in one transaction with one
// audit entry, hashing each distinct secret once with Argon2id at the given cost.
// Raw sqlite3 + OpenSSL + libargon2 only.
//
//   floor_generate STORE KEYFILE CUSTOMERS CASES NOW_SECONDS MEMORY_KIB TIME_COST
#include "sqlite_util.h"

#include <argon2.h>

#include <ctime>

using namespace floorbench;

namespace {

std::string phc(const std::string& password, std::uint32_t m, std::uint32_t t, int i) {
    unsigned char salt[16];
    std::memset(salt, i, sizeof salt);
    std::vector<char> encoded(argon2_encodedlen(t, m, 1, sizeof salt, 32, Argon2_id));
    if (argon2id_hash_encoded(t, m, 1, password.data(), password.size(), salt, sizeof salt, 32, encoded.data(),
                              encoded.size()) != ARGON2_OK) {
        die("argon2");
    }
    return encoded.data();
}

Bytes blind(Hmac& h, std::string_view column, std::string_view value) {
    std::string m(column);
    m.push_back('\0');
    m.append(value);
    return h(m);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 8) die("usage: floor_generate STORE KEYFILE CUSTOMERS CASES NOW MEMORY_KIB TIME_COST");
    const long long n = std::stoll(argv[3]), m = std::stoll(argv[4]);
    const std::int64_t now = std::stoll(argv[5]);
    const auto mem = static_cast<std::uint32_t>(std::stoul(argv[6])), tcost = static_cast<std::uint32_t>(std::stoul(argv[7]));
    Bytes master = master_key(argv[2]);
    Sealer field(hkdf(master, "field-encryption"));
    Sealer staged(hkdf(master, "staged-secret"));
    Hmac index(hkdf(master, "blind-index"));
    Hmac audit_hmac(hkdf(master, "audit-mac"));

    const char* logins[] = {"Kunlun2026!", "Spring#Tea88", "Harbor-Lights7", "Maple&River42"};
    const char* pins[] = {"739182", "502847", "861390", "274615"};
    std::vector<std::string> login_hash, txn_hash;
    for (int i = 0; i < 4; ++i) login_hash.push_back(phc(logins[i], mem, tcost, i));
    for (int i = 0; i < 4; ++i) txn_hash.push_back(phc(pins[i], mem, tcost, 4 + i));
    std::string staged_login = phc("Orchid#Valley2031", mem, tcost, 8), staged_pin = phc("385027", mem, tcost, 9);

    sqlite3* db = open_store(argv[1]);
    exec(db, "BEGIN IMMEDIATE");
    sqlite3_stmt* cu = prepare(db,
        "INSERT INTO customers (id, name, id_type, id_number_enc, id_number_idx, phone_enc, phone_idx, status, login_hash, "
        "login_failures, login_locked_at, login_locked_reason, login_must_change, created_at, phone_changed_at, "
        "login_otp_required) VALUES (?, ?, 'resident-id', ?, ?, ?, ?, 'active', ?, 0, NULL, '', 0, ?, NULL, 0)");
    sqlite3_stmt* ac = prepare(db,
        "INSERT INTO accounts (number_idx, number_enc, customer_id, position, class, txn_hash, txn_failures, txn_locked_at) "
        "VALUES (?, ?, ?, 0, ?, ?, 0, NULL)");
    sqlite3_stmt* dv = prepare(db,
        "INSERT INTO devices (customer_id, device_id, apps, encrypted, app_version, rooted) "
        "VALUES (?, 'D1', 'mobile-banking,invest', 1, '6.2.5', 0)");
    sqlite3_stmt* ca = prepare(db,
        "INSERT INTO cases (id, kind, customer_id, account_idx, account_enc, state, submitted_at, submitted_by, due_at, "
        "expires_at, face_result, face_ref, contact_phone_enc, staged_hash, staged_secret_enc, staged_phone_enc, checks) "
        "VALUES (?, ?, ?, ?, ?, 'pending', ?, 'generator', ?, ?, 'pass', ?, ?, ?, ?, ?, ?)");
    sqlite3_stmt* mt = prepare(db, "INSERT INTO case_materials (case_id, role, sha256, media, size) VALUES (?, ?, ?, ?, ?)");
    const char* kinds[] = {"reset-login", "reset-txn", "change-phone"};
    const char* roles[] = {"handheld", "id-back", "id-front"};
    const std::string sha(64, 'a');
    char buf[64];
    long long made = 0;
    for (long long i = 0; i < n; ++i) {
        std::snprintf(buf, sizeof buf, "C%07lld", i + 1);
        const std::string id = buf;
        std::snprintf(buf, sizeof buf, "11010219%02lld%02lld%02lld%03lld", 50 + i % 50, 1 + i % 12, 1 + i % 28, i % 1000);
        std::string id_number = std::string(buf) + "X";
        std::snprintf(buf, sizeof buf, "+86138%08lld", (i * 48271) % 100000000);
        const std::string phone = buf;
        std::snprintf(buf, sizeof buf, "622202%012lld%d", i, static_cast<int>(i % 10));
        const std::string account = buf;
        text(cu, 1, id);
        text(cu, 2, "王秀英");
        blob(cu, 3, field.seal(id_number, "customers.id_number/" + id));
        blob(cu, 4, blind(index, "customers.id_number", id_number));
        blob(cu, 5, field.seal(phone, "customers.phone/" + id));
        blob(cu, 6, blind(index, "customers.phone", phone));
        text(cu, 7, login_hash[static_cast<std::size_t>(i % 4)]);
        sqlite3_bind_int64(cu, 8, now);
        run(db, cu, "insert customer");
        blob(ac, 1, blind(index, "accounts.number", account));
        blob(ac, 2, field.seal(account, "accounts.number/" + id));
        text(ac, 3, id);
        text(ac, 4, i % 3 == 0 ? "I" : i % 3 == 1 ? "II" : "III");
        text(ac, 5, txn_hash[static_cast<std::size_t>(i % 4)]);
        run(db, ac, "insert account");
        text(dv, 1, id);
        run(db, dv, "insert device");
        for (int k = 0; k < 3 && made < m; ++k, ++made) {
            std::snprintf(buf, sizeof buf, "G%09lld-%d", i + 1, k + 1);
            const std::string cid = buf;
            text(ca, 1, cid);
            text(ca, 2, kinds[k]);
            text(ca, 3, id);
            if (k == 1) {
                blob(ca, 4, blind(index, "accounts.number", account));
                blob(ca, 5, field.seal(account, "cases.account/" + cid));
            }
            sqlite3_bind_int64(ca, 6, now - 86400 * (1 + i % 3));
            sqlite3_bind_int64(ca, 7, now + 86400);
            sqlite3_bind_int64(ca, 8, now + 86400 * 10);
            std::snprintf(buf, sizeof buf, "FACE-%09lld", made);
            text(ca, 9, buf);
            if (k == 0) blob(ca, 10, field.seal("+86167" + phone.substr(6), "cases.contact_phone/" + cid));
            if (k < 2) {
                text(ca, 11, k == 0 ? staged_login : staged_pin);
                blob(ca, 12, staged.seal(k == 0 ? "Orchid#Valley2031" : "385027", cid));
            }
            if (k == 2) blob(ca, 13, field.seal("+86166" + phone.substr(6), "cases.staged_phone/" + cid));
            Bytes ref = blind(index, "identity-ref", id_number);
            std::string checks = "{\"identity_ref\":\"";
            for (unsigned char b : ref) {
                std::snprintf(buf, sizeof buf, "%02x", b);
                checks += buf;
            }
            text(ca, 14, checks + "\"}");
            run(db, ca, "insert case");
            for (const char* role : roles) {
                text(mt, 1, cid);
                text(mt, 2, role);
                text(mt, 3, sha);
                text(mt, 4, "image/jpeg");
                sqlite3_bind_int64(mt, 5, 23);
                run(db, mt, "insert material");
            }
        }
    }
    auto [seq, previous] = audit_head(db);
    std::snprintf(buf, sizeof buf, "%lld", n);
    AuditRow e{seq + 1, static_cast<std::int64_t>(std::time(nullptr)), now, "root", "fixtures generate", "", "ok",
               std::string("{\"customers\":") + buf + "}"};
    Bytes mac = audit_mac(audit_hmac, previous, e);
    sqlite3_stmt* au = prepare(db, "INSERT INTO audit (seq, at_real, at_effective, operator, command, customer, outcome, "
                                   "details, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    sqlite3_bind_int64(au, 1, e.seq);
    sqlite3_bind_int64(au, 2, e.at_real);
    sqlite3_bind_int64(au, 3, e.at_effective);
    text(au, 4, e.op);
    text(au, 5, e.command);
    text(au, 6, e.customer);
    text(au, 7, e.outcome);
    text(au, 8, e.details);
    blob(au, 9, mac);
    run(db, au, "insert audit");
    exec(db, "COMMIT");
    for (auto* s : {cu, ac, dv, ca, mt, au}) sqlite3_finalize(s);
    sqlite3_close(db);
    std::printf("%lld %lld\n", n, made);
    return 0;
}
