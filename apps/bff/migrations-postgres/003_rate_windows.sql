-- Several servers (issue 17): the VergeOS routes' rate per principal (POWERDECK_API_RATE_PER_MINUTE) counted once for
-- all servers, so that a script spread over three servers by the load balancer gets the same rate as against one.
-- One fixed window per principal, started at its first request (the database's clock, ms since the epoch).
CREATE TABLE rate_windows (
  key TEXT PRIMARY KEY,
  started_at BIGINT NOT NULL,
  count INTEGER NOT NULL CHECK (count > 0)
);
