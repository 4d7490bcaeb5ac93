-- Processed readings, one row per (spacecraft, channel, time): redelivered batches
-- land on the same rows, which makes storing them idempotent.
CREATE TABLE telemetry (
  spacecraft_id text NOT NULL,
  channel text NOT NULL,
  time timestamptz NOT NULL,
  raw double precision,
  value double precision,
  text_value text,
  batch_id text NOT NULL,
  PRIMARY KEY (spacecraft_id, channel, time)
);
