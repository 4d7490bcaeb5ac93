-- The telemetry archive: readings per (spacecraft, channel) in time-ordered segments of
-- encoded columns (see src/stores/telemetry/codec.ts), each with the count, minimum,
-- maximum and sum of its finite values. A segment never crosses a UTC midnight. Where
-- segments overlap, the higher seq (written later) wins for a time both hold.
CREATE SEQUENCE telemetry_segment_seq;

CREATE TABLE telemetry_segments (
  spacecraft_id text NOT NULL,
  channel text NOT NULL,
  start_time timestamptz NOT NULL,
  end_time timestamptz NOT NULL,
  seq bigint NOT NULL,
  count integer NOT NULL,
  value_count integer NOT NULL,
  min double precision,
  max double precision,
  sum double precision,
  -- Compacted into its final shape; open segments are merged by the compactor.
  sealed boolean NOT NULL DEFAULT false,
  stored_at timestamptz NOT NULL DEFAULT now(),
  times bytea NOT NULL,
  value_data bytea NOT NULL,
  -- NULL when every raw value equals its calibrated value.
  raw_data bytea,
  PRIMARY KEY (spacecraft_id, channel, start_time, seq)
);
CREATE INDEX telemetry_segments_open_idx ON telemetry_segments (spacecraft_id, channel) WHERE NOT sealed;

-- Batches whose readings are stored, entered in the same transaction as their segments.
CREATE TABLE telemetry_batches (
  batch_id text PRIMARY KEY,
  stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telemetry_batches_stored_at_idx ON telemetry_batches (stored_at);

-- Readings stored one row each move into open segments in the plain encodings (tag byte 0:
-- big-endian float64s; 3: a JSON array of strings), which the compactor then packs.
INSERT INTO telemetry_segments (spacecraft_id, channel, start_time, end_time, seq, count, value_count, min, max, sum, times, value_data, raw_data)
SELECT spacecraft_id, channel, min(time), max(time), nextval('telemetry_segment_seq'), count(*)::int,
  count(value) FILTER (WHERE text_value IS NULL AND value NOT IN ('NaN', 'Infinity', '-Infinity'))::int,
  min(value) FILTER (WHERE text_value IS NULL AND value NOT IN ('NaN', 'Infinity', '-Infinity')),
  max(value) FILTER (WHERE text_value IS NULL AND value NOT IN ('NaN', 'Infinity', '-Infinity')),
  sum(value) FILTER (WHERE text_value IS NULL AND value NOT IN ('NaN', 'Infinity', '-Infinity')),
  '\x00'::bytea || string_agg(float8send(round(extract(epoch FROM time) * 1000)::float8), ''::bytea ORDER BY time),
  CASE WHEN bool_or(text_value IS NOT NULL)
    THEN '\x03'::bytea || convert_to(json_agg(coalesce(text_value, '') ORDER BY time)::text, 'UTF8')
    ELSE '\x00'::bytea || string_agg(float8send(coalesce(value, 'NaN')), ''::bytea ORDER BY time) END,
  CASE WHEN bool_and(text_value IS NOT NULL OR raw IS NOT DISTINCT FROM value) THEN NULL
    ELSE '\x00'::bytea || string_agg(float8send(coalesce(raw, 'NaN')), ''::bytea ORDER BY time) END
FROM (
  SELECT *, (row_number() OVER (PARTITION BY spacecraft_id, channel, date_trunc('day', time, 'UTC') ORDER BY time) - 1) / 1024 AS chunk
  FROM telemetry
) t
GROUP BY spacecraft_id, channel, date_trunc('day', time, 'UTC'), chunk;

DROP TABLE telemetry;

-- How long a mission's telemetry is kept; NULL keeps it for good.
ALTER TABLE missions ADD COLUMN retention_days integer CHECK (retention_days > 0);
