-- Each channel definition counts its changes, so a stage that keeps a definition can tell
-- from a reading's message whether it holds the one that reading was checked against.
-- A channel is created at revision 1; putChannel adds 1 whenever the definition changes.
ALTER TABLE channels ADD COLUMN revision integer NOT NULL DEFAULT 1;
