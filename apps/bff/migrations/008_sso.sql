-- Single sign-on with OpenID Connect (issue 18).
-- SQLite cannot change a CHECK constraint or a column's NOT NULL in place, so `users` and `audit_log` are rebuilt the
-- documented way (https://sqlite.org/lang_altertable.html#otheralter: create the new table, copy, drop the old one,
-- rename the new one; foreign keys are off while migrations run and checked before they commit). Ids are copied as
-- they are, so every session, token, display link and operation still points at its user, and every hash and link of
-- the audit chain still holds.

-- Users: where they come from ('local': a password made in Powerdeck; 'sso': made at their first single sign-on,
-- with no password), the provider's subject (issuer + sub, unique), their last sign-in; '@' allowed in names so that
-- e-mail addresses and UPNs fit.
CREATE TABLE users_next (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL COLLATE NOCASE UNIQUE
    CHECK (length(username) BETWEEN 1 AND 64 AND username NOT GLOB '*[^a-z0-9._@-]*'),
  role TEXT NOT NULL CHECK (role IN ('viewer', 'helpdesk', 'admin')),
  password_hash TEXT,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'sso')),
  sso_subject TEXT UNIQUE,
  last_sign_in_at INTEGER,
  CHECK ((source = 'local' AND password_hash IS NOT NULL AND sso_subject IS NULL)
    OR (source = 'sso' AND password_hash IS NULL AND sso_subject IS NOT NULL))
) STRICT;

INSERT INTO users_next (id, username, role, password_hash, disabled, created_at, updated_at)
  SELECT id, username, role, password_hash, disabled, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_next RENAME TO users;

-- Sessions: how the person signed in, the ID token (for the provider's logout: id_token_hint), and the absolute
-- limit of a person's session (POWERDECK_SESSION_MAX_HOURS; displays have none). Sessions made before this
-- migration were all password sessions, limited from their start with the default 12 hours.
ALTER TABLE sessions ADD COLUMN sign_in_method TEXT CHECK (sign_in_method IS NULL OR sign_in_method IN ('password', 'sso'));
ALTER TABLE sessions ADD COLUMN id_token TEXT;
ALTER TABLE sessions ADD COLUMN expires_at INTEGER;
UPDATE sessions SET sign_in_method = 'password', expires_at = created_at + 43200000 WHERE kind = 'session';

-- Sign-ins under way: made at /api/sso/start, consumed once at /api/sso/callback (any server), bound to the browser
-- by a cookie whose SHA-256 is browser_hash. Refusals are kept (15 minutes) for the refusal page of that browser.
CREATE TABLE sso_pending (
  id INTEGER PRIMARY KEY,
  state TEXT NOT NULL UNIQUE,
  browser_hash TEXT NOT NULL,
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  return_to TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER
) STRICT;
CREATE INDEX sso_pending_created_at ON sso_pending (created_at);

CREATE TABLE sso_refusals (
  id TEXT PRIMARY KEY,
  browser_hash TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sso_refusals_created_at ON sso_refusals (created_at);

-- Settings an admin changes in the app (JSON documents by key): 'sign-in' (who may use a password).
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- The audit log: auth kind 'sso' (single sign-ins and their refusals).
CREATE TABLE audit_log_next (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL
    CHECK (kind IN ('power', 'signin', 'signin_failed', 'user', 'token', 'display', 'access', 'schedule', 'plan')),
  actor TEXT,
  role TEXT CHECK (role IS NULL OR role IN ('viewer', 'helpdesk', 'admin')),
  auth_kind TEXT CHECK (
    auth_kind IS NULL OR auth_kind IN ('session', 'display', 'token', 'password', 'cli', 'schedule', 'sso')
  ),
  source TEXT,
  user_agent TEXT,
  vm_key INTEGER,
  vm_name TEXT,
  action TEXT,
  params TEXT,
  reason TEXT,
  target TEXT,
  request_id TEXT,
  operation_id TEXT,
  ref_id INTEGER REFERENCES audit_log (id),
  outcome TEXT NOT NULL
    CHECK (outcome IN ('requested', 'accepted', 'denied', 'conflict', 'failed', 'timeout')),
  vergeos_status INTEGER,
  vergeos_message TEXT,
  latency_ms INTEGER,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  chain TEXT NOT NULL DEFAULT 'powerdeck-audit-v1'
    CHECK (chain IN ('powerdeck-audit-v1', 'powerdeck-audit-v2')),
  schedule_id TEXT,
  schedule_name TEXT
) STRICT;

INSERT INTO audit_log_next (id, at, kind, actor, role, auth_kind, source, user_agent, vm_key, vm_name, action,
  params, reason, target, request_id, operation_id, ref_id, outcome, vergeos_status, vergeos_message, latency_ms,
  prev_hash, hash, chain, schedule_id, schedule_name)
  SELECT id, at, kind, actor, role, auth_kind, source, user_agent, vm_key, vm_name, action, params, reason, target,
    request_id, operation_id, ref_id, outcome, vergeos_status, vergeos_message, latency_ms, prev_hash, hash, chain,
    schedule_id, schedule_name
  FROM audit_log;

DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
DROP TABLE audit_log;
ALTER TABLE audit_log_next RENAME TO audit_log;

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_vm_key ON audit_log (vm_key);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_ref_id ON audit_log (ref_id);
CREATE INDEX audit_log_legacy ON audit_log (id) WHERE chain = 'powerdeck-audit-v1';
CREATE INDEX audit_log_schedule ON audit_log (schedule_id) WHERE schedule_id IS NOT NULL;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
