-- Alerts (issue 19): the same schema as SQLite's migration 009 (../migrations/009_alerts.sql): alert targets, their
-- durable delivery queue, and audit kind 'alert'. Times are BIGINT milliseconds since the Unix epoch (UTC).

CREATE TABLE alert_targets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  kind TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'teams', 'email')),
  config TEXT NOT NULL,
  -- Sealed with the servers' key (src/alerts/secret-box.ts); never plain text. Null: none.
  secret TEXT,
  events TEXT NOT NULL DEFAULT '[]',
  vm_filter TEXT NOT NULL DEFAULT '',
  min_severity TEXT NOT NULL CHECK (min_severity IN ('info', 'warning', 'critical')),
  cooldown_minutes INTEGER NOT NULL CHECK (cooldown_minutes BETWEEN 0 AND 1440),
  digest_threshold INTEGER NOT NULL CHECK (digest_threshold BETWEEN 1 AND 1000),
  enabled BOOLEAN NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- Unique regardless of case, folding ASCII letters only (lower() under the "C" collation), as SQLite's NOCASE does;
-- also the order of the list.
CREATE UNIQUE INDEX alert_targets_name ON alert_targets (lower(name COLLATE "C"));

CREATE TABLE alert_deliveries (
  id TEXT PRIMARY KEY,
  target_id TEXT NOT NULL REFERENCES alert_targets (id) ON DELETE CASCADE,
  event TEXT NOT NULL CHECK (event IN ('vm_down', 'vm_back', 'operation_failed', 'schedule_missed',
    'schedule_failed', 'vergeos_unreachable', 'vergeos_back', 'leader_changed', 'vm_down_digest', 'test')),
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title TEXT NOT NULL,
  vm_key BIGINT,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'retrying', 'sent', 'failed', 'merged')),
  attempts INTEGER NOT NULL CHECK (attempts >= 0),
  created_at BIGINT NOT NULL,
  next_attempt_at BIGINT,
  last_attempt_at BIGINT,
  last_error TEXT,
  sent_at BIGINT,
  merged_into TEXT,
  CHECK (status NOT IN ('queued', 'retrying') OR next_attempt_at IS NOT NULL),
  CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CHECK ((status = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status IN ('queued', 'retrying');
CREATE INDEX alert_deliveries_last ON alert_deliveries (target_id, event, vm_key, created_at);
CREATE INDEX alert_deliveries_target ON alert_deliveries (target_id, created_at);
CREATE INDEX alert_deliveries_open ON alert_deliveries (target_id, status)
  WHERE status IN ('queued', 'retrying', 'failed');
CREATE INDEX alert_deliveries_created_at ON alert_deliveries (created_at);

-- The audit log: kind 'alert'.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_kind_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_kind_check CHECK (
  kind IN ('power', 'signin', 'signin_failed', 'user', 'token', 'display', 'access', 'schedule', 'plan', 'alert')
);
