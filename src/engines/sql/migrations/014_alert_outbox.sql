-- The transactional outbox of alert events. Each published alert transition is stored with
-- its event in the transaction that changes the alert, numbered per spacecraft (the order
-- on the `alerts` topic), unpublished until the analyzer holding the spacecraft's lease has
-- sent it. The per-spacecraft counter row is locked by each change until it commits, so
-- numbers are committed in order and the relay never sees 6 before 5.
CREATE TABLE alert_outbox (
  spacecraft_id text NOT NULL,
  seq bigint NOT NULL,
  alert_id text NOT NULL REFERENCES alerts (id),
  transition_seq integer NOT NULL,
  event jsonb NOT NULL,
  -- The trace the change was made in, so the event's send continues it.
  traceparent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  PRIMARY KEY (spacecraft_id, seq)
);
CREATE INDEX alert_outbox_pending_idx ON alert_outbox (spacecraft_id, seq) WHERE published_at IS NULL;
CREATE INDEX alert_outbox_published_idx ON alert_outbox (published_at) WHERE published_at IS NOT NULL;

CREATE TABLE alert_outbox_sequences (
  spacecraft_id text PRIMARY KEY,
  last_seq bigint NOT NULL
);

-- Who may send a spacecraft's events: one live analyzer at a time. `term` grows whenever the
-- lease changes hands (or lapses), so a holder knows whether someone else may have sent meanwhile.
CREATE TABLE alert_outbox_leases (
  spacecraft_id text PRIMARY KEY,
  holder text NOT NULL,
  term bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
