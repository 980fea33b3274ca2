// One-time codes and the outbox. The destination phone is stored as a blind index (otps) or
// sealed (outbox), never in clear; a code only as a keyed hash.
#include "store/postgres/pg_store.h"

#include <algorithm>

namespace kunlun {
namespace {

constexpr const char* kOutboxColumns =
    "id, customer_id, to_enc, template, params, text, created_at, state, attempts, next_attempt_at, last_error, "
    "sent_at, secret_enc, claimed_by, claim_until";

// A PostgreSQL array literal of ids, for `id = ANY($n::bigint[])`: one statement per page.
std::string id_array(const std::vector<std::int64_t>& ids) {
    std::string out = "{";
    for (auto id : ids) {
        if (out.size() > 1) out += ',';
        out += std::to_string(id);
    }
    return out + "}";
}

}  // namespace

std::vector<unsigned char> PgStore::phone_index(const std::string& e164) {
    return blind_index(keys(), "customers.phone", e164);
}

std::int64_t PgStore::insert_otp(const OtpRecord& o) {
    return db_->run("INSERT INTO otps (customer_id, purpose, destination_idx, code_mac, created_at, expires_at, "
                    "wrong_tries, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    pg::Params()
                        .text(o.customer_id)
                        .text(o.purpose)
                        .bytes(o.destination_idx)
                        .bytes(o.code_mac)
                        .time(o.created_at)
                        .time(o.expires_at)
                        .integer(o.wrong_tries)
                        .text(o.state))
        .integer(0, 0);
}

// Locked inside a write transaction: two wrong codes entered at once both count.
std::optional<OtpRecord> PgStore::latest_otp(const std::string& customer_id, const std::string& purpose,
                                             const std::vector<unsigned char>& destination_idx) {
    auto rows = db_->run(std::string("SELECT id, code_mac, created_at, expires_at, wrong_tries, state FROM otps "
                                     "WHERE customer_id = $1 AND purpose = $2 AND destination_idx = $3 "
                                     "ORDER BY created_at DESC, id DESC LIMIT 1") +
                             row_lock(),
                         pg::Params().text(customer_id).text(purpose).bytes(destination_idx));
    if (rows.empty()) return std::nullopt;
    OtpRecord o;
    o.id = rows.integer(0, 0);
    o.customer_id = customer_id;
    o.purpose = purpose;
    o.destination_idx = destination_idx;
    o.code_mac = rows.bytes(0, 1);
    o.created_at = rows.time(0, 2);
    o.expires_at = rows.time(0, 3);
    o.wrong_tries = rows.integer(0, 4);
    o.state = rows.text(0, 5);
    return o;
}

void PgStore::update_otp(std::int64_t id, std::int64_t wrong_tries, const std::string& state) {
    db_->run("UPDATE otps SET wrong_tries = $1, state = $2 WHERE id = $3",
             pg::Params().integer(wrong_tries).text(state).integer(id));
}

void PgStore::supersede_otps(const std::string& customer_id, const std::string& purpose,
                             const std::vector<unsigned char>& destination_idx) {
    db_->run("UPDATE otps SET state = 'superseded' WHERE customer_id = $1 AND purpose = $2 AND destination_idx = $3 "
             "AND state = 'active'",
             pg::Params().text(customer_id).text(purpose).bytes(destination_idx));
}

OtpSendStats PgStore::otp_sends(const std::string& customer_id, const std::string& purpose,
                                const std::vector<unsigned char>& destination_idx, Instant since) {
    auto rows = db_->run("SELECT count(*) FILTER (WHERE created_at >= $4), max(created_at) FROM otps "
                         "WHERE customer_id = $1 AND purpose = $2 AND destination_idx = $3",
                         pg::Params().text(customer_id).text(purpose).bytes(destination_idx).time(since));
    OtpSendStats stats;
    stats.sends_since = rows.integer(0, 0);
    stats.last_sent_at = rows.time_or_null(0, 1);
    return stats;
}

std::int64_t PgStore::enqueue(const OutboxMessage& m) {
    bool keep_secret = !m.secret_params.empty() && m.state == "pending";
    return db_->run("INSERT INTO outbox (customer_id, to_enc, template, params, text, created_at, state, attempts, "
                    "next_attempt_at, last_error, sent_at, to_idx, secret_enc, claimed_by, claim_until) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
                    pg::Params()
                        .text(m.customer_id)
                        .bytes(seal_field(keys(), "outbox.to", m.customer_id, m.to))
                        .text(m.template_name)
                        .text(m.params)
                        .text(m.text)
                        .time(m.created_at)
                        .text(m.state)
                        .integer(m.attempts)
                        .time(m.next_attempt_at)
                        .text(m.last_error)
                        .time_or_null(m.sent_at)
                        .bytes(phone_index(m.to))
                        .bytes_or_null(keep_secret ? seal_field(keys(), "outbox.secret", m.customer_id, m.secret_params)
                                                   : std::vector<unsigned char>())
                        .text_or_null(m.claimed_by)
                        .time_or_null(m.claimed_by.empty() ? std::nullopt : m.claim_until))
        .integer(0, 0);
}

void PgStore::update_outbox(const OutboxMessage& m) {
    db_->run("UPDATE outbox SET state = $1, attempts = $2, next_attempt_at = $3, last_error = $4, sent_at = $5 "
             "WHERE id = $6",
             pg::Params().text(m.state).integer(m.attempts).time(m.next_attempt_at).text(m.last_error).time_or_null(m.sent_at).integer(m.id));
}

OutboxMessage PgStore::read_outbox(const pg::Rows& r, int i) {
    OutboxMessage m;
    m.id = r.integer(i, 0);
    m.customer_id = r.text(i, 1);
    m.to = open_field(keys(), "outbox.to", m.customer_id, r.bytes(i, 2));
    m.template_name = r.text(i, 3);
    m.params = r.text(i, 4);
    m.text = r.text(i, 5);
    m.created_at = r.time(i, 6);
    m.state = r.text(i, 7);
    m.attempts = r.integer(i, 8);
    m.next_attempt_at = r.time(i, 9);
    m.last_error = r.text(i, 10);
    m.sent_at = r.time_or_null(i, 11);
    if (!r.null(i, 12)) m.secret_params = open_field(keys(), "outbox.secret", m.customer_id, r.bytes(i, 12));
    m.claimed_by = r.text(i, 13);
    m.claim_until = r.time_or_null(i, 14);
    return m;
}

void PgStore::for_each_outbox(const std::optional<std::string>& state, const std::optional<Instant>& due_by,
                              const std::function<bool(const OutboxMessage&)>& visit) {
    constexpr std::int64_t kPage = 1000;
    std::int64_t after = 0;
    while (true) {
        pg::Params p;
        p.integer(after).integer(kPage);
        std::string sql = std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id > $1";
        int n = 2;
        if (state) {
            sql += " AND state = $" + std::to_string(++n);
            p.text(*state);
        }
        if (due_by) {
            sql += " AND next_attempt_at <= $" + std::to_string(++n);
            p.time(*due_by);
        }
        auto rows = db_->run(sql + " ORDER BY id LIMIT $2", p);
        for (int i = 0; i < rows.size(); ++i) {
            auto m = read_outbox(rows, i);
            after = m.id;
            if (!visit(m)) return;
        }
        if (rows.size() < kPage) return;
    }
}

std::vector<OutboxHead> PgStore::pending_outbox_heads(std::int64_t after_id, std::int64_t limit) {
    auto rows = db_->run("SELECT id, to_idx, next_attempt_at, claimed_by, claim_until, customer_id, to_enc FROM outbox "
                         "WHERE state = 'pending' AND id > $1 ORDER BY id LIMIT $2",
                         pg::Params().integer(after_id).integer(limit));
    std::vector<OutboxHead> out;
    out.reserve(static_cast<std::size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        OutboxHead h;
        h.id = rows.integer(i, 0);
        // Queued before the recipient index existed (schema v3): index it from the sealed number.
        h.recipient = rows.null(i, 1)
                          ? phone_index(open_field(keys(), "outbox.to", rows.text(i, 5), rows.bytes(i, 6)))
                          : rows.bytes(i, 1);
        h.next_attempt_at = rows.time(i, 2);
        h.claimed_by = rows.text(i, 3);
        h.claim_until = rows.time_or_null(i, 4);
        out.push_back(std::move(h));
    }
    return out;
}

std::vector<OutboxMessage> PgStore::claim_outbox(const std::vector<std::int64_t>& ids, const std::string& claimant,
                                                 Instant until) {
    std::vector<OutboxMessage> out;
    if (ids.empty()) return out;
    auto rows = db_->run(std::string("UPDATE outbox SET claimed_by = $1, claim_until = $2 "
                                     "WHERE state = 'pending' AND id = ANY($3::bigint[]) RETURNING ") +
                             kOutboxColumns,
                         pg::Params().text(claimant).time(until).text(id_array(ids)));
    out.reserve(static_cast<std::size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_outbox(rows, i));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

void PgStore::settle_outbox(const std::string& claimant, const std::vector<OutboxMessage>& messages,
                            const std::vector<DeliveryOutcome>& outcomes, Instant at) {
    std::vector<std::int64_t> sent;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const auto& m = messages[i];
        if (outcomes.at(i) == DeliveryOutcome::sent) {
            sent.push_back(m.id);
            continue;
        }
        std::string state = outcomes[i] == DeliveryOutcome::dead ? "dead" : "pending";
        db_->run("UPDATE outbox SET state = $1, attempts = $2, next_attempt_at = $3, last_error = $4, "
                 "claimed_by = NULL, claim_until = NULL, secret_enc = CASE WHEN $1 = 'pending' THEN secret_enc END "
                 "WHERE id = $5 AND claimed_by = $6",
                 pg::Params().text(state).integer(m.attempts).time(m.next_attempt_at).text(m.last_error).integer(m.id).text(
                     claimant));
    }
    if (!sent.empty()) {
        db_->run("UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = $1, last_error = '', "
                 "claimed_by = NULL, claim_until = NULL, secret_enc = NULL "
                 "WHERE claimed_by = $2 AND id = ANY($3::bigint[])",
                 pg::Params().time(at).text(claimant).text(id_array(sent)));
    }
}

}  // namespace kunlun
