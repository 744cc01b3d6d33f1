-- Alerts (issue 19): the targets admins set up (a webhook, Slack, Teams, e-mail, each with its matchers) and the
-- durable queue of what is sent to them. Audit rows of kind 'alert' record changes to targets. Times are integers:
-- milliseconds since the Unix epoch (UTC). Applied inside a transaction by src/db/migrate.ts: no BEGIN/COMMIT here;
-- foreign keys are off while it runs and checked before it commits.

CREATE TABLE alert_targets (
  id TEXT PRIMARY KEY,
  -- Unique regardless of case (ASCII letters, as NOCASE folds them; PostgreSQL's index folds the same).
  name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
  kind TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'teams', 'email')),
  -- What may be shown of the kind's settings, as JSON text (webhook {url}; slack/teams {host}; email {host, port,
  -- security, username, from, to}).
  config TEXT NOT NULL,
  -- The kind's secrets sealed with the server's key (src/alerts/secret-box.ts); never plain text. Null: none.
  secret TEXT,
  -- The events sent here, a JSON array (empty: every event).
  events TEXT NOT NULL DEFAULT '[]',
  vm_filter TEXT NOT NULL DEFAULT '',
  min_severity TEXT NOT NULL CHECK (min_severity IN ('info', 'warning', 'critical')),
  cooldown_minutes INTEGER NOT NULL CHECK (cooldown_minutes BETWEEN 0 AND 1440),
  digest_threshold INTEGER NOT NULL CHECK (digest_threshold BETWEEN 1 AND 1000),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- One message to one target, from queued to sent or failed; it goes with its target. `merged_into` names the
-- digest a `vm_down` was folded into (no foreign key: pruning may take them apart).
CREATE TABLE alert_deliveries (
  id TEXT PRIMARY KEY,
  target_id TEXT NOT NULL REFERENCES alert_targets (id) ON DELETE CASCADE,
  event TEXT NOT NULL CHECK (event IN ('vm_down', 'vm_back', 'operation_failed', 'schedule_missed',
    'schedule_failed', 'vergeos_unreachable', 'vergeos_back', 'leader_changed', 'vm_down_digest', 'test')),
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title TEXT NOT NULL,
  vm_key INTEGER,
  -- The message's JSON (the WebhookPayload's `data`).
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'retrying', 'sent', 'failed', 'merged')),
  attempts INTEGER NOT NULL CHECK (attempts >= 0),
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER,
  last_attempt_at INTEGER,
  last_error TEXT,
  sent_at INTEGER,
  merged_into TEXT,
  -- A delivery waiting has a time to be tried (or the worker would never find it); only a sent one has sent_at;
  -- only a merged one names its digest.
  CHECK (status NOT IN ('queued', 'retrying') OR next_attempt_at IS NOT NULL),
  CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CHECK ((status = 'merged') = (merged_into IS NOT NULL))
) STRICT;
-- due(): the waiting ones by the time they are due (a small index: sent and failed rows are not in it).
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status IN ('queued', 'retrying');
-- lastDelivery(): a target's newest of one event for one VM (the cool-down; "back" only after "down").
CREATE INDEX alert_deliveries_last ON alert_deliveries (target_id, event, vm_key, created_at);
-- listDeliveries(), counts()' newest, queuedDowns(), and the cascade from alert_targets: a target's, by time.
CREATE INDEX alert_deliveries_target ON alert_deliveries (target_id, created_at);
-- counts(): a target's waiting and failed ones, without reading the sent history.
CREATE INDEX alert_deliveries_open ON alert_deliveries (target_id, status)
  WHERE status IN ('queued', 'retrying', 'failed');
-- prune(): the finished ones by age.
CREATE INDEX alert_deliveries_created_at ON alert_deliveries (created_at);

-- The audit log: kind 'alert' (changes to alert targets, and their test messages). SQLite cannot change a CHECK
-- constraint in place: rebuilt as in 008, every column copied as it is, so every hash and link of the chain still
-- holds.
CREATE TABLE audit_log_next (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL
    CHECK (kind IN ('power', 'signin', 'signin_failed', 'user', 'token', 'display', 'access', 'schedule', 'plan',
      'alert')),
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
