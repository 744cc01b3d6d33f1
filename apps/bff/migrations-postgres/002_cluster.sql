-- Several servers on one database (issue 17): the leader's lease and the fleet snapshot the leader shares.
-- Times are the database's clock (ms since the epoch), so that servers whose clocks differ agree on who leads.

-- One row. `epoch` grows by one at every change of holder: the fencing token. A step is marked `sending` only in a
-- transaction that holds this row FOR SHARE and finds its epoch current and unexpired (src/cluster/lease.ts).
CREATE TABLE leader_lease (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  holder TEXT,
  epoch BIGINT NOT NULL,
  acquired_at BIGINT,
  expires_at BIGINT NOT NULL
);
INSERT INTO leader_lease (id, holder, epoch, acquired_at, expires_at) VALUES (1, NULL, 0, NULL, 0);

-- One row: the leader's latest fleet snapshot (its serialised body and ETag) and when VergeOS last answered a poll.
-- Servers are told of a change by NOTIFY powerdeck_fleet (the ETag, never the body) and read the row.
CREATE TABLE fleet_state (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  etag TEXT NOT NULL,
  body TEXT NOT NULL,
  last_success_at BIGINT,
  epoch BIGINT NOT NULL,
  written_at BIGINT NOT NULL
);

-- What a server that does not lead asks of the leader's engine and scheduler (create, cancel or force now an
-- operation; look at the schedules again): one row per request, taken by the leader once (taken_by), answered once
-- (answer, JSON), then deleted by the asker. A request the leader took and never answered (it stopped) is not
-- taken again: the asker says so, rather than risk acting twice.
CREATE TABLE cluster_commands (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('create', 'cancel', 'forceNow', 'poke')),
  body TEXT NOT NULL,
  asked_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  taken_by TEXT,
  taken_epoch BIGINT,
  answer TEXT,
  answered_at BIGINT
);
CREATE INDEX cluster_commands_open ON cluster_commands (created_at) WHERE taken_by IS NULL;
