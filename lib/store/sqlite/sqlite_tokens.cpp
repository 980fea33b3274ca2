// The device soft token: one row per (customer, device), its apps and its freeze history in
// child rows, and the pending ID-digit challenge.
#include "store/sqlite/sqlite_guard.h"
#include "store/record_text.h"
#include "store/sqlite/sqlite_store.h"

namespace kunlun {

std::optional<TokenRecord> SqliteStore::find_token(const std::string& customer_id, const std::string& device_id) {
    return guarded(path_, [&]() -> std::optional<TokenRecord> {
        auto& q = prepared(
            "SELECT status, frozen_until, wrong_pins, pin_hash, updated_at FROM tokens "
            "WHERE customer_id = ? AND device_id = ?");
        q.bind(1, customer_id);
        q.bind(2, device_id);
        if (!q.executeStep()) return std::nullopt;
        TokenRecord t;
        t.customer_id = customer_id;
        t.device_id = device_id;
        t.status = q.getColumn(0).getString();
        t.frozen_until = optional_time(q.getColumn(1));
        t.wrong_pins = q.getColumn(2).getInt64();
        t.pin_hash = q.getColumn(3).getString();
        t.updated_at = instant_of(q.getColumn(4).getInt64());
        q.reset();
        auto& qa = prepared(
            "SELECT app, linked, biometric, high_risk_from FROM token_apps WHERE customer_id = ? AND device_id = ? "
            "ORDER BY app");
        qa.bind(1, customer_id);
        qa.bind(2, device_id);
        while (qa.executeStep()) {
            t.apps.push_back({qa.getColumn(0).getString(), qa.getColumn(1).getInt() != 0, qa.getColumn(2).getInt() != 0,
                              optional_time(qa.getColumn(3))});
        }
        qa.reset();
        auto& qf = prepared(
            "SELECT frozen_at FROM token_freezes WHERE customer_id = ? AND device_id = ? ORDER BY frozen_at");
        qf.bind(1, customer_id);
        qf.bind(2, device_id);
        while (qf.executeStep()) t.freezes.push_back(instant_of(qf.getColumn(0).getInt64()));
        qf.reset();
        return t;
    });
}

void SqliteStore::put_token(const TokenRecord& t) {
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO tokens (customer_id, device_id, status, frozen_until, wrong_pins, pin_hash, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id, device_id) DO UPDATE SET status = excluded.status, "
            "frozen_until = excluded.frozen_until, wrong_pins = excluded.wrong_pins, pin_hash = excluded.pin_hash, "
            "updated_at = excluded.updated_at");
        q.bind(1, t.customer_id);
        q.bind(2, t.device_id);
        q.bind(3, t.status);
        bind_optional_time(q, 4, t.frozen_until);
        q.bind(5, static_cast<std::int64_t>(t.wrong_pins));
        q.bind(6, t.pin_hash);
        q.bind(7, seconds_of(t.updated_at));
        q.exec();
        for (const char* table : {"DELETE FROM token_apps WHERE customer_id = ? AND device_id = ?",
                                  "DELETE FROM token_freezes WHERE customer_id = ? AND device_id = ?"}) {
            auto& del = prepared(table);
            del.bind(1, t.customer_id);
            del.bind(2, t.device_id);
            del.exec();
        }
        for (const auto& a : t.apps) {
            auto& qa = prepared(
                "INSERT INTO token_apps (customer_id, device_id, app, linked, biometric, high_risk_from) "
                "VALUES (?, ?, ?, ?, ?, ?)");
            qa.bind(1, t.customer_id);
            qa.bind(2, t.device_id);
            qa.bind(3, a.app);
            qa.bind(4, a.linked ? 1 : 0);
            qa.bind(5, a.biometric ? 1 : 0);
            bind_optional_time(qa, 6, a.high_risk_from);
            qa.exec();
        }
        for (Instant at : t.freezes) {
            auto& qf = prepared("INSERT OR IGNORE INTO token_freezes (customer_id, device_id, frozen_at) VALUES (?, ?, ?)");
            qf.bind(1, t.customer_id);
            qf.bind(2, t.device_id);
            qf.bind(3, seconds_of(at));
            qf.exec();
        }
        return 0;
    });
}

std::optional<TokenChallengeRecord> SqliteStore::find_token_challenge(const std::string& customer_id,
                                                                      const std::string& device_id) {
    return guarded(path_, [&]() -> std::optional<TokenChallengeRecord> {
        auto& q = prepared(
            "SELECT positions, created_at, expires_at, state FROM token_challenges WHERE customer_id = ? AND device_id = ?");
        q.bind(1, customer_id);
        q.bind(2, device_id);
        if (!q.executeStep()) return std::nullopt;
        TokenChallengeRecord c;
        c.customer_id = customer_id;
        c.device_id = device_id;
        c.positions = positions_from_text(q.getColumn(0).getString());
        c.created_at = instant_of(q.getColumn(1).getInt64());
        c.expires_at = instant_of(q.getColumn(2).getInt64());
        c.state = q.getColumn(3).getString();
        q.reset();
        return c;
    });
}

void SqliteStore::put_token_challenge(const TokenChallengeRecord& c) {
    guarded(path_, [&] {
        auto& q = prepared(
            "INSERT INTO token_challenges (customer_id, device_id, positions, created_at, expires_at, state) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id, device_id) DO UPDATE SET positions = excluded.positions, "
            "created_at = excluded.created_at, expires_at = excluded.expires_at, state = excluded.state");
        q.bind(1, c.customer_id);
        q.bind(2, c.device_id);
        q.bind(3, positions_text(c.positions));
        q.bind(4, seconds_of(c.created_at));
        q.bind(5, seconds_of(c.expires_at));
        q.bind(6, c.state);
        return q.exec();
    });
}

}  // namespace kunlun
