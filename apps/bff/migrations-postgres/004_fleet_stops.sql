-- Several servers (issue 17): the wall's recent stops ("went down unexpectedly", GET /api/fleet/stops) as the leader
-- lists them, so that every server serves the same list, a server started after a stop included.
-- One row: `body` is the leader's list as JSON (src/fleet/stops.ts StopEntry[]), `version` grows by one at every
-- write, `epoch` is the lease epoch it was written under (a write from an older epoch than the row's is refused).
-- Servers are told of a change by NOTIFY powerdeck_fleet_stops (the version, never the body) and read the row.
CREATE TABLE fleet_stops (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  body TEXT NOT NULL,
  version BIGINT NOT NULL,
  epoch BIGINT NOT NULL,
  written_at BIGINT NOT NULL
);
INSERT INTO fleet_stops (id, body, version, epoch, written_at) VALUES (1, '[]', 0, 0, 0);
