-- Missions, spacecraft and channels: the mission database.
CREATE TABLE missions (
  id text PRIMARY KEY,
  name text NOT NULL,
  description text,
  auto_register_channels boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE spacecraft (
  id text PRIMARY KEY,
  mission_id text NOT NULL REFERENCES missions (id),
  name text NOT NULL,
  tle_line1 text,
  tle_line2 text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spacecraft_mission_idx ON spacecraft (mission_id);

CREATE TABLE channels (
  spacecraft_id text NOT NULL REFERENCES spacecraft (id),
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('number', 'string', 'boolean')),
  unit text,
  description text,
  calibration jsonb,
  limits jsonb,
  stale_after_seconds double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (spacecraft_id, name)
);
