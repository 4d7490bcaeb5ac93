-- Jobs can be cancelled, and a result is kept in parts beside its job: the job row holds a
-- small summary, the parts hold the rows (a 100,000-sample propagation is ~10 MB), read a
-- page or a part at a time. Part data is in the job type's own encoding.
ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'));

CREATE TABLE job_result_parts (
  job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  first_row integer NOT NULL,
  row_count integer NOT NULL CHECK (row_count > 0),
  data text NOT NULL,
  PRIMARY KEY (job_id, first_row)
);

-- Propagations stored whole in jobs.result (raw float64 in base64) become one part each.
INSERT INTO job_result_parts (job_id, first_row, row_count, data)
  SELECT id, 0, (result->>'count')::int, result->>'values' FROM jobs
  WHERE result->>'layout' = 'float64le-base64:x,y,z,vx,vy,vz,latitudeDeg,longitudeDeg,altitudeKm' AND (result->>'count')::int > 0;
UPDATE jobs SET result = jsonb_build_object('frame', 'TEME', 'rows', (result->>'count')::int)
  WHERE result->>'layout' = 'float64le-base64:x,y,z,vx,vy,vz,latitudeDeg,longitudeDeg,altitudeKm';
