-- Idempotency keys of POST /v1/telemetry and POST /v1/jobs: a request repeated with the same
-- key and body gets the first answer again instead of being done twice. A row without a
-- status is a request still in progress. Rows older than the keeping time are swept.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status integer,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
