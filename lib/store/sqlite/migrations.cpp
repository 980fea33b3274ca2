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

constexpr std::array<std::string_view, 1> kMigrations = {kV1};

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

}  // namespace kunlun::sqlite
