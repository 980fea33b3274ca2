// The customer's hardware second factors (e-shield certificate and challenges, the
// e-password device's counter) and the device soft token, as on SQLite.
#include "store/postgres/pg_store.h"
#include "store/record_text.h"

namespace kunlun {

void PgStore::put_eshield(const std::string& customer_id, const EshieldRecord& e) {
    db_->run("INSERT INTO eshields (customer_id, certificate_pem, fingerprint) VALUES ($1, $2, $3) "
             "ON CONFLICT (customer_id) DO UPDATE SET certificate_pem = excluded.certificate_pem, "
             "fingerprint = excluded.fingerprint",
             pg::Params().text(customer_id).text(e.certificate_pem).text(e.fingerprint));
}

void PgStore::update_otp_device(const std::string& customer_id, const OtpDeviceRecord& d) {
    db_->run("UPDATE otp_devices SET counter = $1, last_step = $2, failures = $3 WHERE customer_id = $4",
             pg::Params().integer(d.counter).integer_or_null(d.last_step).integer(d.failures).text(customer_id));
}

void PgStore::insert_eshield_challenge(const EshieldChallengeRecord& c) {
    db_->run("INSERT INTO eshield_challenges (id, customer_id, purpose, to_sign, created_at, expires_at, state) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7)",
             pg::Params()
                 .text(c.id)
                 .text(c.customer_id)
                 .text(c.purpose)
                 .bytes(c.to_sign)
                 .time(c.created_at)
                 .time(c.expires_at)
                 .text(c.state));
}

// Locked inside a write transaction: two commands presenting the same challenge take turns,
// and the second sees it used.
std::optional<EshieldChallengeRecord> PgStore::find_eshield_challenge(const std::string& id) {
    auto r = db_->run(std::string("SELECT id, customer_id, purpose, to_sign, created_at, expires_at, state "
                                  "FROM eshield_challenges WHERE id = $1") + row_lock(),
                      pg::Params().text(id));
    if (r.empty()) return std::nullopt;
    return EshieldChallengeRecord{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.bytes(0, 3),
                                  r.time(0, 4),  r.time(0, 5), r.text(0, 6)};
}

void PgStore::use_eshield_challenge(const std::string& id) {
    db_->run("UPDATE eshield_challenges SET state = 'used' WHERE id = $1", pg::Params().text(id));
}

std::optional<TokenRecord> PgStore::find_token(const std::string& customer_id, const std::string& device_id) {
    auto r = db_->run(std::string("SELECT status, frozen_until, wrong_pins, pin_hash, updated_at FROM tokens "
                                  "WHERE customer_id = $1 AND device_id = $2") + row_lock(),
                      pg::Params().text(customer_id).text(device_id));
    if (r.empty()) return std::nullopt;
    TokenRecord t;
    t.customer_id = customer_id;
    t.device_id = device_id;
    t.status = r.text(0, 0);
    t.frozen_until = r.time_or_null(0, 1);
    t.wrong_pins = r.integer(0, 2);
    t.pin_hash = r.text(0, 3);
    t.updated_at = r.time(0, 4);
    auto apps = db_->run("SELECT app, linked, biometric, high_risk_from FROM token_apps "
                         "WHERE customer_id = $1 AND device_id = $2 ORDER BY app",
                         pg::Params().text(customer_id).text(device_id));
    for (int i = 0; i < apps.size(); ++i) {
        t.apps.push_back({apps.text(i, 0), apps.boolean(i, 1), apps.boolean(i, 2), apps.time_or_null(i, 3)});
    }
    auto freezes = db_->run("SELECT frozen_at FROM token_freezes WHERE customer_id = $1 AND device_id = $2 "
                            "ORDER BY frozen_at",
                            pg::Params().text(customer_id).text(device_id));
    for (int i = 0; i < freezes.size(); ++i) t.freezes.push_back(freezes.time(i, 0));
    return t;
}

void PgStore::put_token(const TokenRecord& t) {
    db_->run("INSERT INTO tokens (customer_id, device_id, status, frozen_until, wrong_pins, pin_hash, updated_at) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (customer_id, device_id) DO UPDATE SET "
             "status = excluded.status, frozen_until = excluded.frozen_until, wrong_pins = excluded.wrong_pins, "
             "pin_hash = excluded.pin_hash, updated_at = excluded.updated_at",
             pg::Params()
                 .text(t.customer_id)
                 .text(t.device_id)
                 .text(t.status)
                 .time_or_null(t.frozen_until)
                 .integer(t.wrong_pins)
                 .text(t.pin_hash)
                 .time(t.updated_at));
    auto key = pg::Params().text(t.customer_id).text(t.device_id);
    db_->run("DELETE FROM token_apps WHERE customer_id = $1 AND device_id = $2", key);
    db_->run("DELETE FROM token_freezes WHERE customer_id = $1 AND device_id = $2", key);
    for (const auto& a : t.apps) {
        db_->run("INSERT INTO token_apps (customer_id, device_id, app, linked, biometric, high_risk_from) "
                 "VALUES ($1, $2, $3, $4, $5, $6)",
                 pg::Params()
                     .text(t.customer_id)
                     .text(t.device_id)
                     .text(a.app)
                     .boolean(a.linked)
                     .boolean(a.biometric)
                     .time_or_null(a.high_risk_from));
    }
    for (Instant at : t.freezes) {
        db_->run("INSERT INTO token_freezes (customer_id, device_id, frozen_at) VALUES ($1, $2, $3) "
                 "ON CONFLICT DO NOTHING",
                 pg::Params().text(t.customer_id).text(t.device_id).time(at));
    }
}

std::optional<TokenChallengeRecord> PgStore::find_token_challenge(const std::string& customer_id,
                                                                  const std::string& device_id) {
    auto r = db_->run(std::string("SELECT positions, created_at, expires_at, state FROM token_challenges "
                                  "WHERE customer_id = $1 AND device_id = $2") + row_lock(),
                      pg::Params().text(customer_id).text(device_id));
    if (r.empty()) return std::nullopt;
    return TokenChallengeRecord{customer_id, device_id, positions_from_text(r.text(0, 0)), r.time(0, 1), r.time(0, 2),
                                r.text(0, 3)};
}

void PgStore::put_token_challenge(const TokenChallengeRecord& c) {
    db_->run("INSERT INTO token_challenges (customer_id, device_id, positions, created_at, expires_at, state) "
             "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (customer_id, device_id) DO UPDATE SET "
             "positions = excluded.positions, created_at = excluded.created_at, expires_at = excluded.expires_at, "
             "state = excluded.state",
             pg::Params()
                 .text(c.customer_id)
                 .text(c.device_id)
                 .text(positions_text(c.positions))
                 .time(c.created_at)
                 .time(c.expires_at)
                 .text(c.state));
}

}  // namespace kunlun
