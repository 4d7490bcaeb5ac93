-- The alarm lifecycle and anomaly alerts. Channels: limit sets chosen by a state channel,
-- debounce, whether an alert that returned to normal waits for an acknowledgement, and the
-- anomaly detector. Alerts: the anomaly score, when the value returned to normal, the shelf
-- (by whom, until when) and the person assigned. Transitions name the action that made them.
ALTER TABLE channels
  ADD COLUMN limit_sets jsonb,
  ADD COLUMN debounce jsonb,
  ADD COLUMN return_to_normal text CHECK (return_to_normal IN ('auto', 'acknowledge')),
  ADD COLUMN detector jsonb;

ALTER TABLE alerts DROP CONSTRAINT alerts_state_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_state_check CHECK (state IN ('open', 'acknowledged', 'shelved', 'rtn-unacknowledged', 'resolved'));
ALTER TABLE alerts
  ADD COLUMN score double precision,
  ADD COLUMN returned_at timestamptz,
  ADD COLUMN shelved_by text,
  ADD COLUMN shelved_until timestamptz,
  ADD COLUMN assigned_to text;

ALTER TABLE alert_transitions ADD COLUMN action text;
