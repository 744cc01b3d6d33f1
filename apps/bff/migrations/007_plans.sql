-- Power plans (issue 16): ordered tiers of VMs, started in order and shut down in reverse. A run is an operation
-- (its plan columns: migration 006); the plan itself is kept here, its tiers as JSON text (the contract's Tier
-- list, every setting given). Audit rows of kind 'plan' record changes to plans and their runs. Times are
-- integers: milliseconds since the Unix epoch (UTC). Applied inside a transaction by src/db/migrate.ts: no
-- BEGIN/COMMIT here; foreign keys are off while it runs and checked before it commits.

CREATE TABLE plans (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  -- The contract's Tier[] in plan order, as JSON text.
  tiers TEXT NOT NULL,
  helpdesk TEXT NOT NULL CHECK (helpdesk IN ('none', 'start', 'startAndShutdown')),
  parallelism INTEGER NOT NULL CHECK (parallelism BETWEEN 1 AND 16),
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX plans_name ON plans (name, id);

-- The audit log: kind 'plan' (changes to plans, and their runs). SQLite cannot change a CHECK constraint in
-- place: rebuilt as in 005, every column copied as it is, so every hash and link of the chain still holds.
CREATE TABLE audit_log_next (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL
    CHECK (kind IN ('power', 'signin', 'signin_failed', 'user', 'token', 'display', 'access', 'schedule', 'plan')),
  actor TEXT,
  role TEXT CHECK (role IS NULL OR role IN ('viewer', 'helpdesk', 'admin')),
  auth_kind TEXT CHECK (
    auth_kind IS NULL OR auth_kind IN ('session', 'display', 'token', 'password', 'cli', 'schedule')
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
