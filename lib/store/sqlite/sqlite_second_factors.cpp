// The customer's hardware second factors: the e-shield certificate and its single-use
// challenges, and the e-password device's moving counter / replay guard.
#include "store/sqlite/sqlite_guard.h"
#include "store/sqlite/sqlite_store.h"

namespace kunlun {

void SqliteStore::put_eshield(const std::string& customer_id, const EshieldRecord& e) {
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO eshields (customer_id, certificate_pem, fingerprint) VALUES (?, ?, ?) "
            "ON CONFLICT (customer_id) DO UPDATE SET certificate_pem = excluded.certificate_pem, "
            "fingerprint = excluded.fingerprint");
        q.bind(1, customer_id);
        q.bind(2, e.certificate_pem);
        q.bind(3, e.fingerprint);
        return q.exec();
    });
}

void SqliteStore::update_otp_device(const std::string& customer_id, const OtpDeviceRecord& d) {
    guarded(path_, [&] {
        auto& q = prepared("UPDATE otp_devices SET counter = ?, last_step = ?, failures = ? WHERE customer_id = ?");
        q.bind(1, static_cast<std::int64_t>(d.counter));
        if (d.last_step) {
            q.bind(2, *d.last_step);
        } else {
            q.bind(2);
        }
        q.bind(3, static_cast<std::int64_t>(d.failures));
        q.bind(4, customer_id);
        return q.exec();
    });
}

void SqliteStore::insert_eshield_challenge(const EshieldChallengeRecord& c) {
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO eshield_challenges (id, customer_id, purpose, to_sign, created_at, expires_at, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, c.id);
        q.bind(2, c.customer_id);
        q.bind(3, c.purpose);
        bind_blob(q, 4, c.to_sign);
        q.bind(5, seconds_of(c.created_at));
        q.bind(6, seconds_of(c.expires_at));
        q.bind(7, c.state);
        return q.exec();
    });
}

std::optional<EshieldChallengeRecord> SqliteStore::find_eshield_challenge(const std::string& id) {
    return guarded(path_, [&]() -> std::optional<EshieldChallengeRecord> {
        auto& q = prepared(
            "SELECT id, customer_id, purpose, to_sign, created_at, expires_at, state FROM eshield_challenges WHERE id = ?");
        q.bind(1, id);
        if (!q.executeStep()) return std::nullopt;
        EshieldChallengeRecord c;
        c.id = q.getColumn(0).getString();
        c.customer_id = q.getColumn(1).getString();
        c.purpose = q.getColumn(2).getString();
        c.to_sign = blob_of(q.getColumn(3));
        c.created_at = instant_of(q.getColumn(4).getInt64());
        c.expires_at = instant_of(q.getColumn(5).getInt64());
        c.state = q.getColumn(6).getString();
        return c;
    });
}

void SqliteStore::use_eshield_challenge(const std::string& id) {
    guarded(path_, [&] {
        auto& q = prepared("UPDATE eshield_challenges SET state = 'used' WHERE id = ?");
        q.bind(1, id);
        return q.exec();
    });
}

}  // namespace kunlun
