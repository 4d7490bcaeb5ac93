-- Ground stations of a mission: where they are on WGS-84 and the elevation below which they
-- cannot see a spacecraft (one value, and optionally a horizon by azimuth). Pass prediction reads them; the missions store writes them and
-- records each change (and deletion) in the mission's change history.
CREATE TABLE ground_stations (
  mission_id text NOT NULL REFERENCES missions (id),
  id text NOT NULL,
  name text NOT NULL,
  latitude_deg double precision NOT NULL CHECK (latitude_deg BETWEEN -90 AND 90),
  longitude_deg double precision NOT NULL CHECK (longitude_deg BETWEEN -180 AND 180),
  altitude_m double precision NOT NULL DEFAULT 0,
  elevation_mask_deg double precision NOT NULL DEFAULT 0 CHECK (elevation_mask_deg BETWEEN -5 AND 90),
  -- [{azimuthDeg, elevationDeg}, ...] by increasing azimuth, or null: elevation_mask_deg all round.
  horizon_mask jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mission_id, id)
);

ALTER TABLE mission_changes ADD COLUMN ground_station text;
ALTER TABLE mission_changes DROP CONSTRAINT mission_changes_action_check;
ALTER TABLE mission_changes ADD CONSTRAINT mission_changes_action_check CHECK (action IN ('create', 'update', 'import', 'delete'));
ALTER TABLE mission_changes DROP CONSTRAINT mission_changes_entity_check;
ALTER TABLE mission_changes ADD CONSTRAINT mission_changes_entity_check CHECK (entity IN ('mission', 'spacecraft', 'channel', 'ground-station'));
