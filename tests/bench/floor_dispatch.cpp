// Floor of `dispatch` (`notify dispatch` to the file sink): on a copy of the same store, take
// the pending messages a page at a time: one SELECT of the page (recipient opened with
// AES-256-GCM), one append of its JSON lines to the sink and one fsync, then one write
// transaction marking the page sent. Raw sqlite3 + OpenSSL only.
//
//   floor_dispatch STORE KEYFILE SINK NOW_SECONDS [PAGE]
#include "sqlite_util.h"

#include <fcntl.h>
#include <unistd.h>

using namespace floorbench;

namespace {

void json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", c);
            out += esc;
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) die("usage: floor_dispatch STORE KEYFILE SINK NOW_SECONDS [PAGE]");
    const std::int64_t now = std::stoll(argv[4]);
    const int page = argc > 5 ? std::stoi(argv[5]) : 500;
    Sealer sealer(hkdf(master_key(argv[2]), "field-encryption"));
    sqlite3* db = open_store(argv[1]);
    sqlite3_stmt* pick = prepare(db,
        "SELECT id, customer_id, to_enc, template, params, text FROM outbox WHERE state = 'pending' AND id > ? "
        "ORDER BY id LIMIT ?");
    sqlite3_stmt* mark = prepare(db,
        "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ? WHERE id = ?");
    std::int64_t after = 0, sent = 0;
    while (true) {
        std::vector<std::int64_t> ids;
        std::string lines;
        exec(db, "BEGIN");
        sqlite3_bind_int64(pick, 1, after);
        sqlite3_bind_int(pick, 2, page);
        while (sqlite3_step(pick) == SQLITE_ROW) {
            std::int64_t id = sqlite3_column_int64(pick, 0);
            std::string to = sealer.open(column_blob(pick, 2), "outbox.to/" + column_text(pick, 1));
            lines += "{\"id\":" + std::to_string(id) + ",\"to\":";
            json_string(lines, to);
            lines += ",\"template\":";
            json_string(lines, column_text(pick, 3));
            lines += ",\"params\":" + column_text(pick, 4) + ",\"text\":";
            json_string(lines, column_text(pick, 5));
            lines += ",\"at\":\"2026-01-01T00:00:00+08:00\"}\n";
            ids.push_back(id);
        }
        sqlite3_reset(pick);
        exec(db, "COMMIT");
        if (ids.empty()) break;
        after = ids.back();
        int fd = ::open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0 || ::write(fd, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size()) || ::fsync(fd) != 0) {
            die("writing the sink failed");
        }
        ::close(fd);
        exec(db, "BEGIN IMMEDIATE");
        for (auto id : ids) {
            sqlite3_bind_int64(mark, 1, now);
            sqlite3_bind_int64(mark, 2, id);
            run(db, mark, "mark sent");
        }
        exec(db, "COMMIT");
        sent += static_cast<std::int64_t>(ids.size());
    }
    std::printf("sent %lld\n", static_cast<long long>(sent));
    sqlite3_finalize(pick);
    sqlite3_finalize(mark);
    sqlite3_close(db);
    return 0;
}
