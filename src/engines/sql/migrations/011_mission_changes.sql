-- The change history of the mission database: who changed what in a mission, one of its
-- spacecraft or one of their channels, with each field's old and new value. The missions
-- store writes a row in the same transaction as the change it records.
CREATE TABLE mission_changes (
  seq bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  by text NOT NULL,
  action text NOT NULL CHECK (action IN ('create', 'update', 'import')),
  entity text NOT NULL CHECK (entity IN ('mission', 'spacecraft', 'channel')),
  mission_id text NOT NULL,
  spacecraft_id text,
  channel text,
  changes jsonb NOT NULL
);
CREATE INDEX mission_changes_mission_idx ON mission_changes (mission_id, seq);
CREATE INDEX mission_changes_spacecraft_idx ON mission_changes (spacecraft_id, channel, seq);
