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
