#include "store/sqlite/migrations.h"

#include <array>

namespace kunlun::sqlite {
namespace {

// Times are integer seconds since the Unix epoch (UTC); they print in the bank's zone.
// PII columns come in pairs: *_enc (AES-256-GCM, the column name as associated data) and
// *_idx (HMAC blind index) for lookups.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE operators (
  name       TEXT PRIMARY KEY,
  roles      TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE customers (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL,
  id_type             TEXT NOT NULL CHECK (id_type IN ('resident-id', 'hkid', 'passport')),
  id_number_enc       BLOB NOT NULL,
  id_number_idx       BLOB NOT NULL,
  phone_enc           BLOB NOT NULL,
  phone_idx           BLOB NOT NULL,
  status              TEXT NOT NULL DEFAULT 'active',
  login_hash          TEXT NOT NULL DEFAULT '',
  login_failures      INTEGER NOT NULL DEFAULT 0,
  login_locked_at     INTEGER,
  login_locked_reason TEXT NOT NULL DEFAULT '',
  login_must_change   INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX customers_by_phone ON customers (phone_idx);
CREATE INDEX customers_by_id_number ON customers (id_number_idx);

CREATE TABLE login_history (
  customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  hash        TEXT NOT NULL,
  PRIMARY KEY (customer_id, position)
) STRICT;

CREATE TABLE accounts (
  number_idx    BLOB PRIMARY KEY,
  number_enc    BLOB NOT NULL,
  customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  class         TEXT NOT NULL CHECK (class IN ('I', 'II', 'III')),
  txn_hash      TEXT NOT NULL DEFAULT '',
  txn_failures  INTEGER NOT NULL DEFAULT 0,
  txn_locked_at INTEGER
) STRICT;
CREATE INDEX accounts_by_customer ON accounts (customer_id, position);

CREATE TABLE devices (
  customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  device_id   TEXT NOT NULL,
  apps        TEXT NOT NULL,
  encrypted   INTEGER NOT NULL,
  app_version TEXT NOT NULL,
  rooted      INTEGER NOT NULL,
  PRIMARY KEY (customer_id, device_id)
) STRICT;

CREATE TABLE eshields (
  customer_id     TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
  certificate_pem TEXT NOT NULL,
  fingerprint     TEXT NOT NULL
) STRICT;

CREATE TABLE otp_devices (
  customer_id TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
  type        TEXT NOT NULL CHECK (type IN ('totp', 'hotp')),
  secret_enc  BLOB NOT NULL,
  digits      INTEGER NOT NULL,
  algorithm   TEXT NOT NULL,
  period      INTEGER NOT NULL,
  counter     INTEGER NOT NULL
) STRICT;

CREATE TABLE audit (
  seq          INTEGER PRIMARY KEY,
  at_real      INTEGER NOT NULL,
  at_effective INTEGER NOT NULL,
  operator     TEXT NOT NULL,
  command      TEXT NOT NULL,
  customer     TEXT NOT NULL,
  outcome      TEXT NOT NULL,
  details      TEXT NOT NULL,
  mac          BLOB NOT NULL
) STRICT;
CREATE INDEX audit_by_customer ON audit (customer, seq);

CREATE TABLE calendars (
  region TEXT NOT NULL,
  year   INTEGER NOT NULL,
  body   TEXT NOT NULL,
  PRIMARY KEY (region, year)
) STRICT;
)sql";

// v2: one-time codes, the outbox, review cases and their materials (domain.md §6, §7).
constexpr std::string_view kV2 = R"sql(
CREATE TABLE otps (
  id              INTEGER PRIMARY KEY,
  customer_id     TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  purpose         TEXT NOT NULL,
  destination_idx BLOB NOT NULL,
  code_mac        BLOB NOT NULL,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  wrong_tries     INTEGER NOT NULL DEFAULT 0,
  state           TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'used', 'exhausted', 'superseded'))
) STRICT;
CREATE INDEX otps_by_key ON otps (customer_id, purpose, destination_idx, created_at);

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  customer_id     TEXT NOT NULL,
  to_enc          BLOB NOT NULL,
  template        TEXT NOT NULL,
  params          TEXT NOT NULL,
  text            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  sent_at         INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_pending ON outbox (state, id);

CREATE TABLE cases (
  id                TEXT PRIMARY KEY,
  kind              TEXT NOT NULL CHECK (kind IN ('reset-login', 'reset-txn', 'change-phone')),
  customer_id       TEXT NOT NULL,
  account_idx       BLOB,
  account_enc       BLOB,
  state             TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn', 'expired')),
  submitted_at      INTEGER NOT NULL,
  submitted_by      TEXT NOT NULL,
  due_at            INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  face_result       TEXT NOT NULL,
  face_ref          TEXT NOT NULL,
  contact_phone_enc BLOB,
  staged_hash       TEXT,
  staged_secret_enc BLOB,
  staged_phone_enc  BLOB,
  checks            TEXT NOT NULL DEFAULT '{}',
  decided_at        INTEGER,
  decided_by        TEXT,
  decision_auto     INTEGER NOT NULL DEFAULT 0,
  reason            TEXT,
  note              TEXT
) STRICT;
CREATE INDEX cases_by_state_due ON cases (state, due_at, id);
CREATE INDEX cases_by_customer ON cases (customer_id, kind, state);

-- The batch's lock lives in the store: one row, claimed with the holder's pid, host and a
-- heartbeat, so a killed batch never leaves a lock file behind (docs/decisions.md).
CREATE TABLE batch_lock (
  name      TEXT PRIMARY KEY,
  holder    TEXT NOT NULL,
  pid       INTEGER NOT NULL,
  host      TEXT NOT NULL,
  heartbeat INTEGER NOT NULL
) STRICT;

CREATE TABLE case_materials (
  case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  role    TEXT NOT NULL,
  sha256  TEXT NOT NULL,
  media   TEXT NOT NULL,
  size    INTEGER NOT NULL,
  PRIMARY KEY (case_id, role)
) STRICT;
)sql";


// v3: second factors in use (e-shield challenges, the e-password device's replay guard), the
// reserved-phone change's cooling-off, ended sessions, and the device soft token.
constexpr std::string_view kV3 = R"sql(
ALTER TABLE customers ADD COLUMN phone_changed_at INTEGER;
ALTER TABLE customers ADD COLUMN login_otp_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE otp_devices ADD COLUMN last_step INTEGER;
ALTER TABLE otp_devices ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;

CREATE TABLE eshield_challenges (
  id          TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  purpose     TEXT NOT NULL,
  to_sign     BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('active', 'used'))
) STRICT;

CREATE TABLE tokens (
  customer_id  TEXT NOT NULL,
  device_id    TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('not-enabled', 'active', 'frozen', 'frozen-permanent')),
  frozen_until INTEGER,
  wrong_pins   INTEGER NOT NULL DEFAULT 0,
  pin_hash     TEXT NOT NULL DEFAULT '',
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (customer_id, device_id),
  FOREIGN KEY (customer_id, device_id) REFERENCES devices (customer_id, device_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE token_apps (
  customer_id    TEXT NOT NULL,
  device_id      TEXT NOT NULL,
  app            TEXT NOT NULL,
  linked         INTEGER NOT NULL,
  biometric      INTEGER NOT NULL,
  high_risk_from INTEGER,
  PRIMARY KEY (customer_id, device_id, app),
  FOREIGN KEY (customer_id, device_id) REFERENCES tokens (customer_id, device_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE token_freezes (
  customer_id TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  frozen_at   INTEGER NOT NULL,
  PRIMARY KEY (customer_id, device_id, frozen_at),
  FOREIGN KEY (customer_id, device_id) REFERENCES tokens (customer_id, device_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE token_challenges (
  customer_id TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  positions   TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('active', 'used')),
  PRIMARY KEY (customer_id, device_id),
  FOREIGN KEY (customer_id, device_id) REFERENCES devices (customer_id, device_id) ON DELETE CASCADE
) STRICT;
)sql";

// v4: outbox claims. A deliverer claims the messages it hands to the sink (claimed_by, a
// lease until claim_until) so concurrent deliverers never take one message twice; to_idx (the
// recipient's blind index) keeps each recipient's messages in order without decrypting them;
// secret_enc holds a one-time code sealed until its message is delivered (docs/notify.md).
// outbox_due goes: deliverers walk (state, id), and every index is paid on each of the
// millions of rows an evening batch queues. The CHECK constraints `col IN ('a', 'b', ...)`
// become `col = 'a' OR col = 'b' ...`, the same rule: SQLite built a temporary b-tree for the
// IN list each time a row was written (a case decided, a message queued), about a tenth of
// the batch's work. The documented writable_schema way of changing a CHECK constraint; the DDL
// after it bumps the schema cookie, so every connection reads the new text.
constexpr std::string_view kV4 = R"sql(
ALTER TABLE outbox ADD COLUMN to_idx BLOB;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claim_until INTEGER;
ALTER TABLE outbox ADD COLUMN secret_enc BLOB;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (id_type IN (''resident-id'', ''hkid'', ''passport''))', 'CHECK (id_type = ''resident-id'' OR id_type = ''hkid'' OR id_type = ''passport'')') WHERE type = 'table';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (class IN (''I'', ''II'', ''III''))', 'CHECK (class = ''I'' OR class = ''II'' OR class = ''III'')') WHERE type = 'table';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (type IN (''totp'', ''hotp''))', 'CHECK (type = ''totp'' OR type = ''hotp'')') WHERE type = 'table';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (state IN (''active'', ''used'', ''exhausted'', ''superseded''))', 'CHECK (state = ''active'' OR state = ''used'' OR state = ''exhausted'' OR state = ''superseded'')') WHERE type = 'table';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (state IN (''pending'', ''sent'', ''dead''))', 'CHECK (state = ''pending'' OR state = ''sent'' OR state = ''dead'')') WHERE type = 'table';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (kind IN (''reset-login'', ''reset-txn'', ''change-phone''))', 'CHECK (kind = ''reset-login'' OR kind = ''reset-txn'' OR kind = ''change-phone'')') WHERE type = 'table';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (state IN (''pending'', ''approved'', ''rejected'', ''withdrawn'', ''expired''))', 'CHECK (state = ''pending'' OR state = ''approved'' OR state = ''rejected'' OR state = ''withdrawn'' OR state = ''expired'')') WHERE type = 'table';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (state IN (''active'', ''used''))', 'CHECK (state = ''active'' OR state = ''used'')') WHERE type = 'table';
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (status IN (''not-enabled'', ''active'', ''frozen'', ''frozen-permanent''))', 'CHECK (status = ''not-enabled'' OR status = ''active'' OR status = ''frozen'' OR status = ''frozen-permanent'')') WHERE type = 'table';
PRAGMA writable_schema = OFF;
CREATE INDEX outbox_claimed ON outbox (claim_until) WHERE claimed_by IS NOT NULL;
DROP INDEX outbox_due;
)sql";

constexpr std::array<std::string_view, 4> kMigrations = {kV1, kV2, kV3, kV4};

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

}  // namespace kunlun::sqlite
