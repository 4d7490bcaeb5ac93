CREATE TABLE alerts (
  id text PRIMARY KEY,
  spacecraft_id text NOT NULL,
  channel text NOT NULL,
  rule text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('warning', 'critical')),
  state text NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved', 'shelved')),
  value double precision,
  threshold double precision,
  message text NOT NULL,
  opened_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  resolved_at timestamptz,
  acknowledged_by text,
  acknowledged_at timestamptz
);
-- At most one unresolved alert per (spacecraft, channel, rule).
CREATE UNIQUE INDEX alerts_one_active_idx ON alerts (spacecraft_id, channel, rule) WHERE state <> 'resolved';
CREATE INDEX alerts_state_idx ON alerts (state, opened_at DESC);

CREATE TABLE alert_transitions (
  alert_id text NOT NULL REFERENCES alerts (id),
  seq integer NOT NULL,
  at timestamptz NOT NULL,
  from_state text,
  to_state text NOT NULL,
  severity text NOT NULL,
  value double precision,
  by text,
  comment text,
  PRIMARY KEY (alert_id, seq)
);
