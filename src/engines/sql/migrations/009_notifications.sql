-- Notifications: routes to webhooks, and one delivery per (route, alert transition).
CREATE TABLE notification_routes (
  id text PRIMARY KEY,
  name text NOT NULL,
  url text NOT NULL,
  mission_id text,
  -- JSON arrays; NULL matches every severity or rule.
  severities jsonb,
  rules jsonb,
  -- The key of each delivery's HMAC-SHA256 signature; the API never lists it.
  secret text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- No foreign key to the route: a deleted route's deliveries stay in the alert's log, with its name.
CREATE TABLE notification_deliveries (
  id text PRIMARY KEY,
  route_id text NOT NULL,
  route_name text NOT NULL,
  alert_id text NOT NULL,
  -- Names the transition (time, from, to, severity): an alert event read twice from the
  -- event log finds its delivery there and neither records nor sends it again.
  transition_key text NOT NULL,
  transition_at timestamptz NOT NULL,
  from_state text,
  to_state text NOT NULL,
  severity text NOT NULL,
  -- The exact bytes sent and signed, the same on every try.
  body text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  enqueued_at timestamptz,
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  UNIQUE (route_id, alert_id, transition_key)
);
CREATE INDEX notification_deliveries_alert_idx ON notification_deliveries (alert_id, created_at);
