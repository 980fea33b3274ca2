-- The database roles of a kunlunctl PostgreSQL store, and what each may do.
--
-- On PostgreSQL the acting operator is the database role a command connects as
-- (current_user): kunlunctl finds its kunlunctl roles in the store's operators table
-- (`kunlunctl operator add NAME --role ...`), and the database itself refuses what the
-- role's GRANTs do not allow, so a reviewer's login cannot do an operator's work even with
-- the operators table tampered with. Both must agree for a command to run.
--
-- A DBA runs this once per store, after the first `kunlunctl init` (which creates the tables
-- and is run by the role that owns them: the first admin), connected to the store's database
-- with the store's schema first on the search_path, e.g.
--
--   psql "postgresql://dba@db.bank.example/kunlun" -v ON_ERROR_STOP=1 -f scripts/pg/roles.sql
--
-- and again after an upgrade that adds tables. It is idempotent. Then, per person:
--
--   CREATE ROLE alice LOGIN;                  -- or an existing login (password, cert, GSSAPI)
--   GRANT kunlunctl_operator TO alice;        -- kunlunctl_admin | _operator | _reviewer | _auditor
--   -- and in kunlunctl, as an admin:  kunlunctl operator add alice --role operator
--
-- The audit log is append-only for every role: INSERT, never UPDATE or DELETE; only the
-- owner of the tables could alter it, and `kunlunctl audit verify` would show that.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['kunlunctl_user', 'kunlunctl_admin', 'kunlunctl_operator', 'kunlunctl_reviewer',
                             'kunlunctl_auditor'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    -- Every kunlunctl role is a kunlunctl_user: what any command needs.
    EXECUTE 'GRANT kunlunctl_user TO kunlunctl_admin, kunlunctl_operator, kunlunctl_reviewer, kunlunctl_auditor';
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO kunlunctl_user', current_schema());
END
$$;

-- Any role: open the store (schema version, meta, who holds which role), read customers,
-- cases and calendars (`customer *`, `review list|show`, `calendar next-business-day`), and
-- append to the audit log (every refusal is audited too).
GRANT SELECT ON schema_migrations, meta, operators, calendars TO kunlunctl_user;
GRANT SELECT ON customers, accounts, devices, eshields, otp_devices TO kunlunctl_user;
GRANT SELECT ON cases, case_materials TO kunlunctl_user;
GRANT INSERT ON audit TO kunlunctl_user;
GRANT SELECT, UPDATE ON audit_head TO kunlunctl_user;

-- admin: operators, calendars, fixtures (load and dump), notifications, reading the audit.
GRANT INSERT, UPDATE, DELETE ON operators, calendars, meta TO kunlunctl_admin;
GRANT INSERT, UPDATE ON customers, accounts, devices, eshields, otp_devices TO kunlunctl_admin;
GRANT SELECT, INSERT, DELETE ON login_history TO kunlunctl_admin;
GRANT SELECT, UPDATE ON outbox TO kunlunctl_admin;
GRANT SELECT ON audit TO kunlunctl_admin;

-- operator: credential resets, one-time codes, review cases submitted and withdrawn,
-- notifications.
GRANT UPDATE ON customers, accounts TO kunlunctl_operator;
GRANT SELECT, INSERT, DELETE ON login_history TO kunlunctl_operator;
GRANT SELECT, INSERT, UPDATE ON otps, outbox TO kunlunctl_operator;
GRANT USAGE ON SEQUENCE otps_id_seq, outbox_id_seq TO kunlunctl_operator;
GRANT INSERT, UPDATE ON cases TO kunlunctl_operator;
GRANT INSERT ON case_materials TO kunlunctl_operator;
-- ... and the second factors and the soft token: registering an e-shield, its challenges,
-- the e-password device's counter, the token and its ID-digit challenges.
GRANT INSERT, UPDATE ON eshields TO kunlunctl_operator;
GRANT UPDATE ON otp_devices TO kunlunctl_operator;
GRANT SELECT, INSERT, UPDATE ON eshield_challenges, token_challenges TO kunlunctl_operator;
GRANT SELECT, INSERT, UPDATE, DELETE ON tokens, token_apps, token_freezes TO kunlunctl_operator;

-- reviewer: decisions and the review batch. A decision writes only the decision's columns of
-- a case and installs the staged change (a password hash, a reserved phone); a reviewer
-- cannot submit a case, touch a one-time code or change anything else of a customer.
GRANT UPDATE (state, checks, decided_at, decided_by, decision_auto, reason, note, staged_secret_enc, batch_run)
    ON cases TO kunlunctl_reviewer;
GRANT UPDATE (login_hash, login_failures, login_locked_at, login_locked_reason, login_must_change, login_otp_required,
               phone_enc, phone_idx, phone_changed_at)
    ON customers TO kunlunctl_reviewer;
GRANT UPDATE (txn_hash, txn_failures, txn_locked_at) ON accounts TO kunlunctl_reviewer;
GRANT SELECT, INSERT, DELETE ON login_history TO kunlunctl_reviewer;
GRANT SELECT, INSERT, UPDATE ON outbox TO kunlunctl_reviewer;
GRANT USAGE ON SEQUENCE outbox_id_seq TO kunlunctl_reviewer;
GRANT SELECT, INSERT, UPDATE, DELETE ON batch_workers TO kunlunctl_reviewer;

-- auditor: reads the audit log (`audit list|verify|checkpoint`), changes nothing.
GRANT SELECT ON audit TO kunlunctl_auditor;
