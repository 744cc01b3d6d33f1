-- A refused request that is not a power action (a viewer asking for the user list, a token asking
-- to manage tokens) is audited too, as kind 'access'. SQLite cannot change a CHECK constraint in
-- place, so the table is rebuilt the documented way (create, copy, drop, rename; foreign keys are
-- off while migrations run and checked before they commit). Rows are copied as they are, so every
-- hash and link of the chain still holds.
CREATE TABLE audit_log_next (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL
    CHECK (kind IN ('power', 'signin', 'signin_failed', 'user', 'token', 'display', 'access')),
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

INSERT INTO audit_log_next SELECT * FROM audit_log;

DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
DROP TABLE audit_log;
ALTER TABLE audit_log_next RENAME TO audit_log;

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
