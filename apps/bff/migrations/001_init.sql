-- Users, sessions, display links, personal access tokens, sign-in throttling and the audit log.
-- Times are integers: milliseconds since the Unix epoch (UTC). Applied inside a transaction by
-- src/db/migrate.ts: no BEGIN/COMMIT here.

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL COLLATE NOCASE UNIQUE
    CHECK (length(username) BETWEEN 1 AND 64 AND username NOT GLOB '*[^a-z0-9._-]*'),
  role TEXT NOT NULL CHECK (role IN ('viewer', 'helpdesk', 'admin')),
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Read-only credentials for wall displays. Only a SHA-256 hash of the secret is kept.
CREATE TABLE display_links (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  secret_hash TEXT NOT NULL UNIQUE,
  created_by INTEGER NOT NULL REFERENCES users (id),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
) STRICT;

-- Browser sessions (kind 'session', of a user) and wall-display sessions (kind 'display', of a
-- display link). Only a SHA-256 hash of the session id is kept. idle_timeout_ms NULL: never idles out.
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  id_hash TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('session', 'display')),
  user_id INTEGER REFERENCES users (id),
  display_link_id INTEGER REFERENCES display_links (id),
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  idle_timeout_ms INTEGER CHECK (idle_timeout_ms IS NULL OR idle_timeout_ms > 0),
  revoked_at INTEGER,
  CHECK (
    (kind = 'session' AND user_id IS NOT NULL AND display_link_id IS NULL)
    OR (kind = 'display' AND display_link_id IS NOT NULL AND user_id IS NULL AND idle_timeout_ms IS NULL)
  )
) STRICT;
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_display_link_id ON sessions (display_link_id);

-- Personal access tokens for scripts. Only a SHA-256 hash of the token is kept, and its first
-- characters (prefix) so that people can tell their tokens apart.
CREATE TABLE access_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role TEXT NOT NULL CHECK (role IN ('viewer', 'helpdesk', 'admin')),
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
) STRICT;
CREATE INDEX access_tokens_user_id ON access_tokens (user_id);

-- Sign-in failures per user name and per source address, in fixed windows.
CREATE TABLE signin_throttle (
  scope TEXT NOT NULL CHECK (scope IN ('user', 'source')),
  key TEXT NOT NULL,
  failures INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER,
  PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;

-- The audit log: append-only (the triggers below refuse UPDATE and DELETE) and hash-chained:
-- hash = SHA-256 of the row's canonical form, which includes prev_hash (see src/stores/audit-chain.ts).
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('power', 'signin', 'signin_failed', 'user', 'token', 'display')),
  actor TEXT,
  role TEXT CHECK (role IS NULL OR role IN ('viewer', 'helpdesk', 'admin')),
  auth_kind TEXT CHECK (auth_kind IS NULL OR auth_kind IN ('session', 'display', 'token', 'password', 'cli')),
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
  hash TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_vm_key ON audit_log (vm_key);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_ref_id ON audit_log (ref_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
