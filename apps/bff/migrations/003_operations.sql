-- Operations: long power actions the BFF runs (graceful-then-force, watched reboots, bulk actions), stored so
-- that they survive a restart. Times are integers: milliseconds since the Unix epoch (UTC). Applied inside a
-- transaction by src/db/migrate.ts: no BEGIN/COMMIT here.

CREATE TABLE operations (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('start', 'shutdown', 'reboot', 'forceOff')),
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'cancelled')),
  -- Who started it, as the audit log names them, and how (each step is audited in their name).
  owner TEXT NOT NULL,
  owner_role TEXT NOT NULL CHECK (owner_role IN ('viewer', 'helpdesk', 'admin')),
  owner_auth_kind TEXT NOT NULL CHECK (owner_auth_kind IN ('session', 'display', 'token')),
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
  CHECK ((status = 'running') = (finished_at IS NULL))
) STRICT;
CREATE INDEX operations_running ON operations (created_at) WHERE status = 'running';
CREATE INDEX operations_finished_at ON operations (finished_at);

-- One row per VM of an operation, in the order they were asked for.
-- step_phase 'sending' is written and committed BEFORE the step's request goes to VergeOS, 'sent' once VergeOS
-- answered (or did not, in time): after a crash a 'sending' step may or may not have reached VergeOS, so it is
-- watched and never sent again.
CREATE TABLE operation_vms (
  operation_id TEXT NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position >= 0),
  vm_key INTEGER NOT NULL CHECK (vm_key > 0),
  name TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('pending', 'active', 'done', 'skipped', 'failed', 'cancelled')),
  step TEXT CHECK (step IS NULL OR step IN ('poweron', 'poweroff', 'reboot', 'kill')),
  step_phase TEXT CHECK (step_phase IS NULL OR step_phase IN ('sending', 'sent')),
  step_at INTEGER,
  deadline INTEGER,
  escalated INTEGER NOT NULL DEFAULT 0 CHECK (escalated IN (0, 1)),
  -- Seconds (at time scale 1) from the shut down to its escalation, once escalated.
  forced_after_s INTEGER,
  detail TEXT NOT NULL DEFAULT '',
  status TEXT,
  -- The VM's `started` (epoch seconds) before the operation acted: a reboot is over once it changes.
  started_before INTEGER,
  -- The VM left the status its step started from (a reboot went through stopping or starting).
  moved INTEGER NOT NULL DEFAULT 0 CHECK (moved IN (0, 1)),
  -- The audit log's `requested` row of the current step.
  audit_id INTEGER,
  PRIMARY KEY (operation_id, vm_key),
  UNIQUE (operation_id, position),
  CHECK ((step IS NULL) = (step_phase IS NULL))
) STRICT;
