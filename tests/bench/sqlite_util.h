// Raw sqlite3 helpers for the floors: open with the store's pragmas, prepare, step, check.
#pragma once

#include "floor_common.h"

#include <sqlite3.h>

namespace floorbench {

inline void check(sqlite3* db, int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) die(std::string(what) + ": " + sqlite3_errmsg(db));
}

// Opens a store the way kunlunctl does: WAL, synchronous=NORMAL, foreign keys on.
inline sqlite3* open_store(const std::string& path) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) die("cannot open " + path);
    sqlite3_busy_timeout(db, 5000);
    check(db, sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                           nullptr, nullptr, nullptr), "pragmas");
    return db;
}

inline sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* s = nullptr;
    check(db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), sql);
    return s;
}

inline void exec(sqlite3* db, const char* sql) { check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr), sql); }

inline void text(sqlite3_stmt* s, int i, std::string_view v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
inline void blob(sqlite3_stmt* s, int i, const Bytes& v) {
    sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
inline std::string column_text(sqlite3_stmt* s, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}
inline Bytes column_blob(sqlite3_stmt* s, int i) {
    const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s, i));
    return p ? Bytes(p, p + sqlite3_column_bytes(s, i)) : Bytes();
}
inline void run(sqlite3* db, sqlite3_stmt* s, const char* what) {
    check(db, sqlite3_step(s), what);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

// The head of the audit chain: (seq, mac) of the last entry, or (0, empty).
inline std::pair<std::int64_t, Bytes> audit_head(sqlite3* db) {
    sqlite3_stmt* s = prepare(db, "SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1");
    std::pair<std::int64_t, Bytes> head{0, {}};
    if (sqlite3_step(s) == SQLITE_ROW) head = {sqlite3_column_int64(s, 0), column_blob(s, 1)};
    sqlite3_finalize(s);
    return head;
}

}  // namespace floorbench
