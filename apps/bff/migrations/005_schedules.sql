-- Scheduled power operations (issue 15): schedules, their skipped runs and the history of their runs; an
-- operation may be a schedule's run, and audit rows name the schedule they are about. Times are integers:
-- milliseconds since the Unix epoch (UTC). Applied inside a transaction by src/db/migrate.ts: no BEGIN/COMMIT
-- here; foreign keys are off while it runs and checked before it commits.

CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  action TEXT NOT NULL CHECK (action IN ('start', 'shutdown', 'reboot', 'forceOff')),
  force_after_s INTEGER CHECK (force_after_s IS NULL OR force_after_s > 0),
  -- The contract's Targets and When, as JSON text.
  targets TEXT NOT NULL,
  when_json TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  grace_minutes INTEGER NOT NULL CHECK (grace_minutes >= 0),
  -- A JSON array of YYYY-MM-DD dates in the zone.
  exclusions TEXT NOT NULL DEFAULT '[]',
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  paused_by TEXT,
  paused_reason TEXT,
  paused_at INTEGER,
  -- The newest run time already decided: runs at or before it are never decided again.
  last_handled_for INTEGER,
  CHECK ((paused_by IS NULL) = (paused_at IS NULL))
) STRICT;

-- Upcoming runs someone skipped; a skip is dropped when its run is recorded (as skipped) or the schedule edited.
CREATE TABLE schedule_skips (
  schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  by TEXT NOT NULL,
  reason TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, at)
) STRICT;

-- The history of runs; it outlives its schedule (no foreign key), so the name is kept with each run.
-- UNIQUE (schedule_id, scheduled_for): a run is recorded, and so started, at most once, whatever happens (two
-- wakes, two processes, a restart). A `started` run is recorded before its operation is created, and gets the
-- operation's id after.
CREATE TABLE schedule_runs (
  id TEXT PRIMARY KEY,
  schedule_id TEXT NOT NULL,
  schedule_name TEXT NOT NULL,
  scheduled_for INTEGER NOT NULL,
  outcome TEXT NOT NULL
    CHECK (outcome IN ('started', 'skipped', 'excluded', 'missed', 'empty', 'failed')),
  detail TEXT NOT NULL,
  operation_id TEXT,
  recorded_at INTEGER NOT NULL,
  UNIQUE (schedule_id, scheduled_for)
) STRICT;
CREATE INDEX schedule_runs_scheduled_for ON schedule_runs (scheduled_for);
CREATE INDEX schedule_runs_recorded_at ON schedule_runs (recorded_at);
CREATE INDEX schedule_runs_unfinished ON schedule_runs (id) WHERE outcome = 'started' AND operation_id IS NULL;

-- Operations: a schedule's run is owned by the schedule's owner acting as `schedule`, and names the schedule.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt the documented way (create, copy, drop,
-- rename; operation_vms keeps referring to it by name).
CREATE TABLE operations_next (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('start', 'shutdown', 'reboot', 'forceOff')),
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'cancelled')),
  owner TEXT NOT NULL,
  owner_role TEXT NOT NULL CHECK (owner_role IN ('viewer', 'helpdesk', 'admin')),
  owner_auth_kind TEXT NOT NULL CHECK (owner_auth_kind IN ('session', 'display', 'token', 'schedule')),
  source TEXT,
  user_agent TEXT,
  request_id TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  cancelled_by TEXT,
  force_after_s INTEGER CHECK (force_after_s IS NULL OR force_after_s > 0),
  timeout_s INTEGER NOT NULL CHECK (timeout_s > 0),
  parallelism INTEGER NOT NULL CHECK (parallelism BETWEEN 1 AND 16),
  reason TEXT,
  schedule_id TEXT,
  schedule_name TEXT,
  CHECK ((status = 'running') = (finished_at IS NULL)),
  CHECK ((schedule_id IS NULL) = (schedule_name IS NULL))
) STRICT;
INSERT INTO operations_next (id, action, status, owner, owner_role, owner_auth_kind, source, user_agent, request_id,
  created_at, finished_at, cancelled_by, force_after_s, timeout_s, parallelism, reason)
  SELECT id, action, status, owner, owner_role, owner_auth_kind, source, user_agent, request_id,
    created_at, finished_at, cancelled_by, force_after_s, timeout_s, parallelism, reason FROM operations;
DROP TABLE operations;
ALTER TABLE operations_next RENAME TO operations;
CREATE INDEX operations_running ON operations (created_at) WHERE status = 'running';
CREATE INDEX operations_finished_at ON operations (finished_at);

-- The audit log: kind 'schedule' (changes to schedules), auth kind 'schedule' (a run's steps), and the schedule's
-- id and name. Rebuilt as in 002; rows are copied as they are (the new columns null), so every hash and link of
-- the chain still holds (src/stores/audit-chain.ts hashes the schedule fields only when a row has them).
CREATE TABLE audit_log_next (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL
    CHECK (kind IN ('power', 'signin', 'signin_failed', 'user', 'token', 'display', 'access', 'schedule')),
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
  prev_hash, hash, chain)
  SELECT id, at, kind, actor, role, auth_kind, source, user_agent, vm_key, vm_name, action, params, reason, target,
    request_id, operation_id, ref_id, outcome, vergeos_status, vergeos_message, latency_ms, prev_hash, hash, chain
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
