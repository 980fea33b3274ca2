// One-time codes and the outbox. The destination phone is stored as a blind index (otps) or
// encrypted (outbox), never in clear; a code only as a keyed hash.
#include "crypto/field_cipher.h"
#include "store/sqlite/sqlite_guard.h"
#include "store/sqlite/sqlite_store.h"

namespace kunlun {

std::vector<unsigned char> SqliteStore::phone_index(const std::string& e164) { return index_of("customers.phone", e164); }

std::int64_t SqliteStore::insert_otp(const OtpRecord& o) {
    return guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO otps (customer_id, purpose, destination_idx, code_mac, created_at, expires_at, wrong_tries, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, o.customer_id);
        q.bind(2, o.purpose);
        bind_blob(q, 3, o.destination_idx);
        bind_blob(q, 4, o.code_mac);
        q.bind(5, seconds_of(o.created_at));
        q.bind(6, seconds_of(o.expires_at));
        q.bind(7, static_cast<std::int64_t>(o.wrong_tries));
        q.bind(8, o.state);
        q.exec();
        return static_cast<std::int64_t>(db_->getLastInsertRowid());
    });
}

std::optional<OtpRecord> SqliteStore::latest_otp(const std::string& customer_id, const std::string& purpose,
                                                 const std::vector<unsigned char>& destination_idx) {
    return guarded(path_, [&]() -> std::optional<OtpRecord> {
        auto& q = prepared(
            "SELECT id, code_mac, created_at, expires_at, wrong_tries, state FROM otps "
            "WHERE customer_id = ? AND purpose = ? AND destination_idx = ? ORDER BY created_at DESC, id DESC LIMIT 1");
        q.bind(1, customer_id);
        q.bind(2, purpose);
        bind_blob(q, 3, destination_idx);
        if (!q.executeStep()) return std::nullopt;
        OtpRecord o;
        o.id = q.getColumn(0).getInt64();
        o.customer_id = customer_id;
        o.purpose = purpose;
        o.destination_idx = destination_idx;
        o.code_mac = blob_of(q.getColumn(1));
        o.created_at = instant_of(q.getColumn(2).getInt64());
        o.expires_at = instant_of(q.getColumn(3).getInt64());
        o.wrong_tries = q.getColumn(4).getInt64();
        o.state = q.getColumn(5).getString();
        return o;
    });
}

void SqliteStore::update_otp(std::int64_t id, std::int64_t wrong_tries, const std::string& state) {
    guarded(path_, [&] {
        auto& q = prepared("UPDATE otps SET wrong_tries = ?, state = ? WHERE id = ?");
        q.bind(1, static_cast<std::int64_t>(wrong_tries));
        q.bind(2, state);
        q.bind(3, static_cast<std::int64_t>(id));
        return q.exec();
    });
}

void SqliteStore::supersede_otps(const std::string& customer_id, const std::string& purpose,
                                 const std::vector<unsigned char>& destination_idx) {
    guarded(path_, [&] {
        auto& q = prepared(
            "UPDATE otps SET state = 'superseded' WHERE customer_id = ? AND purpose = ? AND destination_idx = ? "
            "AND state = 'active'");
        q.bind(1, customer_id);
        q.bind(2, purpose);
        bind_blob(q, 3, destination_idx);
        return q.exec();
    });
}

OtpSendStats SqliteStore::otp_sends(const std::string& customer_id, const std::string& purpose,
                                    const std::vector<unsigned char>& destination_idx, Instant since) {
    return guarded(path_, [&] {
        OtpSendStats stats;
        auto& q = prepared(
            "SELECT (SELECT count(*) FROM otps WHERE customer_id = ?1 AND purpose = ?2 AND destination_idx = ?3 "
            "AND created_at >= ?4), (SELECT max(created_at) FROM otps WHERE customer_id = ?1 AND purpose = ?2 "
            "AND destination_idx = ?3)");
        q.bind(1, customer_id);
        q.bind(2, purpose);
        bind_blob(q, 3, destination_idx);
        q.bind(4, seconds_of(since));
        if (q.executeStep()) {
            stats.sends_since = q.getColumn(0).getInt64();
            stats.last_sent_at = optional_time(q.getColumn(1));
        }
        return stats;
    });
}

std::int64_t SqliteStore::enqueue(const OutboxMessage& m) {
    return guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO outbox (customer_id, to_enc, template, params, text, created_at, state, attempts, "
            "next_attempt_at, last_error, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, m.customer_id);
        bind_blob(q, 2, seal("outbox.to", m.customer_id, m.to));
        q.bind(3, m.template_name);
        q.bind(4, m.params);
        q.bind(5, m.text);
        q.bind(6, seconds_of(m.created_at));
        q.bind(7, m.state);
        q.bind(8, static_cast<std::int64_t>(m.attempts));
        q.bind(9, seconds_of(m.next_attempt_at));
        q.bind(10, m.last_error);
        bind_optional_time(q, 11, m.sent_at);
        q.exec();
        return static_cast<std::int64_t>(db_->getLastInsertRowid());
    });
}

void SqliteStore::update_outbox(const OutboxMessage& m) {
    guarded(path_, [&] {
        auto& q = prepared(
            "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sent_at = ? WHERE id = ?");
        q.bind(1, m.state);
        q.bind(2, static_cast<std::int64_t>(m.attempts));
        q.bind(3, seconds_of(m.next_attempt_at));
        q.bind(4, m.last_error);
        bind_optional_time(q, 5, m.sent_at);
        q.bind(6, static_cast<std::int64_t>(m.id));
        return q.exec();
    });
}

OutboxMessage SqliteStore::read_outbox_row(SQLite::Statement& q) {
    OutboxMessage m;
    m.id = q.getColumn(0).getInt64();
    m.customer_id = q.getColumn(1).getString();
    m.to = open_column("outbox.to", m.customer_id, q.getColumn(2));
    m.template_name = q.getColumn(3).getString();
    m.params = q.getColumn(4).getString();
    m.text = q.getColumn(5).getString();
    m.created_at = instant_of(q.getColumn(6).getInt64());
    m.state = q.getColumn(7).getString();
    m.attempts = q.getColumn(8).getInt64();
    m.next_attempt_at = instant_of(q.getColumn(9).getInt64());
    m.last_error = q.getColumn(10).getString();
    m.sent_at = optional_time(q.getColumn(11));
    return m;
}

void SqliteStore::for_each_outbox(const std::optional<std::string>& state, const std::optional<Instant>& due_by,
                                  const std::function<bool(const OutboxMessage&)>& visit) {
    guarded(path_, [&] {
        std::string sql =
            "SELECT id, customer_id, to_enc, template, params, text, created_at, state, attempts, next_attempt_at, "
            "last_error, sent_at FROM outbox WHERE 1 = 1";
        if (state) sql += " AND state = :state";
        if (due_by) sql += " AND next_attempt_at <= :due";
        sql += " ORDER BY id";
        SQLite::Statement q(*db_, sql);
        if (state) q.bind(":state", *state);
        if (due_by) q.bind(":due", seconds_of(*due_by));
        while (q.executeStep()) {
            if (!visit(read_outbox_row(q))) break;
        }
        return 0;
    });
}

std::vector<OutboxMessage> SqliteStore::pending_outbox_page(std::int64_t after_id, std::int64_t limit) {
    return guarded(path_, [&] {
        std::vector<OutboxMessage> out;
        auto& q = prepared(
            "SELECT id, customer_id, to_enc, template, params, text, created_at, state, attempts, next_attempt_at, "
            "last_error, sent_at FROM outbox WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?");
        q.bind(1, static_cast<std::int64_t>(after_id));
        q.bind(2, static_cast<std::int64_t>(limit));
        while (q.executeStep()) out.push_back(read_outbox_row(q));
        return out;
    });
}

}  // namespace kunlun
