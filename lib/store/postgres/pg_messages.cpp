// One-time codes and the outbox. The destination phone is stored as a blind index (otps) or
// sealed (outbox), never in clear; a code only as a keyed hash.
#include "store/postgres/pg_store.h"

namespace kunlun {
namespace {

constexpr const char* kOutboxColumns =
    "id, customer_id, to_enc, template, params, text, created_at, state, attempts, next_attempt_at, last_error, sent_at";

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
    return db_->run("INSERT INTO outbox (customer_id, to_enc, template, params, text, created_at, state, attempts, "
                    "next_attempt_at, last_error, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                    "RETURNING id",
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
                        .time_or_null(m.sent_at))
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

std::vector<OutboxMessage> PgStore::pending_outbox_page(std::int64_t after_id, std::int64_t limit) {
    auto rows = db_->run(std::string("SELECT ") + kOutboxColumns +
                             " FROM outbox WHERE state = 'pending' AND id > $1 ORDER BY id LIMIT $2",
                         pg::Params().integer(after_id).integer(limit));
    std::vector<OutboxMessage> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_outbox(rows, i));
    return out;
}

}  // namespace kunlun
