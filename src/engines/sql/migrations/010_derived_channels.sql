-- A derived channel's expression over other number channels of its spacecraft (see
-- src/core/expression.ts); NULL for channels whose readings are sent.
ALTER TABLE channels ADD COLUMN expression text;
