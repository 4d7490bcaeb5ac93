-- Hourly rollups of the telemetry archive: per (spacecraft, channel, UTC hour), the count,
-- minimum, maximum and sum of the finite values of the sealed segments inside that hour.
-- The compactor rewrites the rollups of the hours it touched in the transaction that swaps
-- their segments; an hour that also holds an open segment is read from its segments until
-- the compactor has merged it. Aggregates over months read a row per hour, not a summary
-- per segment.
CREATE TABLE telemetry_rollups (
  spacecraft_id text NOT NULL,
  channel text NOT NULL,
  hour timestamptz NOT NULL,
  value_count integer NOT NULL,
  min double precision,
  max double precision,
  sum double precision,
  PRIMARY KEY (spacecraft_id, channel, hour)
);
