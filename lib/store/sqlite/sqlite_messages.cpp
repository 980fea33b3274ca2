// One-time codes and the outbox. The destination phone is stored as a blind index (otps) or
// encrypted (outbox), never in clear; a code only as a keyed hash.
#include "crypto/field_cipher.h"
#include "store/sqlite/sqlite_guard.h"
#include "store/sqlite/sqlite_store.h"

#include <algorithm>

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

namespace {

constexpr const char* kOutboxColumns =
    "id, customer_id, to_enc, template, params, text, created_at, state, attempts, next_attempt_at, last_error, "
    "sent_at, secret_enc, claimed_by, claim_until";

// A JSON array of ids, for `id IN (SELECT value FROM json_each(?))`: one statement per page.
std::string id_array(const std::vector<std::int64_t>& ids) {
    std::string out = "[";
    for (auto id : ids) {
        if (out.size() > 1) out += ',';
        out += std::to_string(id);
    }
    return out + "]";
}

}  // namespace

std::int64_t SqliteStore::enqueue(const OutboxMessage& m) {
    return guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO outbox (customer_id, to_enc, template, params, text, created_at, state, attempts, "
            "next_attempt_at, last_error, sent_at, to_idx, secret_enc, claimed_by, claim_until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
        bind_blob(q, 12, phone_index(m.to));
        if (m.secret_params.empty() || m.state != "pending") {
            q.bind(13);
        } else {
            bind_blob(q, 13, seal("outbox.secret", m.customer_id, m.secret_params));
        }
        if (m.claimed_by.empty()) {
            q.bind(14);
        } else {
            q.bind(14, m.claimed_by);
        }
        bind_optional_time(q, 15, m.claimed_by.empty() ? std::nullopt : m.claim_until);
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
    if (!q.getColumn(12).isNull()) m.secret_params = open_column("outbox.secret", m.customer_id, q.getColumn(12));
    if (!q.getColumn(13).isNull()) m.claimed_by = q.getColumn(13).getString();
    m.claim_until = optional_time(q.getColumn(14));
    return m;
}

void SqliteStore::for_each_outbox(const std::optional<std::string>& state, const std::optional<Instant>& due_by,
                                  const std::function<bool(const OutboxMessage&)>& visit) {
    guarded(path_, [&] {
        std::string sql = std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE 1 = 1";
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

std::vector<OutboxHead> SqliteStore::pending_outbox_heads(std::int64_t after_id, std::int64_t limit) {
    return guarded(path_, [&] {
        std::vector<OutboxHead> out;
        auto& q = prepared(
            "SELECT id, to_idx, next_attempt_at, claimed_by, claim_until, customer_id, to_enc FROM outbox "
            "WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?");
        q.bind(1, static_cast<std::int64_t>(after_id));
        q.bind(2, static_cast<std::int64_t>(limit));
        while (q.executeStep()) {
            OutboxHead h;
            h.id = q.getColumn(0).getInt64();
            if (q.getColumn(1).isNull()) {
                // Queued before the recipient index existed (schema v3): index it from the sealed number.
                h.recipient = phone_index(open_column("outbox.to", q.getColumn(5).getString(), q.getColumn(6)));
            } else {
                const auto* data = static_cast<const unsigned char*>(q.getColumn(1).getBlob());
                h.recipient.assign(data, data + q.getColumn(1).getBytes());
            }
            h.next_attempt_at = instant_of(q.getColumn(2).getInt64());
            if (!q.getColumn(3).isNull()) h.claimed_by = q.getColumn(3).getString();
            h.claim_until = optional_time(q.getColumn(4));
            out.push_back(std::move(h));
        }
        return out;
    });
}

std::vector<OutboxMessage> SqliteStore::claim_outbox(const std::vector<std::int64_t>& ids, const std::string& claimant,
                                                     Instant until) {
    return guarded(path_, [&] {
        std::vector<OutboxMessage> out;
        if (ids.empty()) return out;
        auto& q = prepared(
            "UPDATE outbox SET claimed_by = ?, claim_until = ? "
            "WHERE state = 'pending' AND id IN (SELECT value FROM json_each(?)) RETURNING "
            "id, customer_id, to_enc, template, params, text, created_at, state, attempts, next_attempt_at, "
            "last_error, sent_at, secret_enc, claimed_by, claim_until");
        q.bind(1, claimant);
        q.bind(2, seconds_of(until));
        q.bind(3, id_array(ids));
        while (q.executeStep()) out.push_back(read_outbox_row(q));
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        return out;
    });
}

void SqliteStore::settle_outbox(const std::string& claimant, const std::vector<OutboxMessage>& messages,
                                const std::vector<DeliveryOutcome>& outcomes, Instant at) {
    guarded(path_, [&] {
        std::vector<std::int64_t> sent;
        for (std::size_t i = 0; i < messages.size(); ++i) {
            if (outcomes.at(i) == DeliveryOutcome::sent) {
                sent.push_back(messages[i].id);
                continue;
            }
            const auto& m = messages[i];
            auto& q = prepared(
                "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, claimed_by = NULL, "
                "claim_until = NULL, secret_enc = CASE WHEN ? = 'pending' THEN secret_enc END "
                "WHERE id = ? AND claimed_by = ?");
            std::string state = outcomes[i] == DeliveryOutcome::dead ? "dead" : "pending";
            q.bind(1, state);
            q.bind(2, static_cast<std::int64_t>(m.attempts));
            q.bind(3, seconds_of(m.next_attempt_at));
            q.bind(4, m.last_error);
            q.bind(5, state);
            q.bind(6, static_cast<std::int64_t>(m.id));
            q.bind(7, claimant);
            q.exec();
        }
        if (!sent.empty()) {
            auto& q = prepared(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = '', "
                "claimed_by = NULL, claim_until = NULL, secret_enc = NULL "
                "WHERE claimed_by = ? AND id IN (SELECT value FROM json_each(?))");
            q.bind(1, seconds_of(at));
            q.bind(2, claimant);
            q.bind(3, id_array(sent));
            q.exec();
        }
        return 0;
    });
}

}  // namespace kunlun
