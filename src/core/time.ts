/** The range JavaScript dates and PostgreSQL timestamps share (about ±275,000 years), in ms. */
export const MAX_EPOCH_MS = 8.64e15;

/** Times arrive as ISO 8601 or epoch milliseconds and travel as whole epoch milliseconds. */
export function toEpochMs(time: string | number): number {
  return Math.round(typeof time === 'number' ? time : Date.parse(time));
}

export function toIso(ms: number | Date): string {
  return (typeof ms === 'number' ? new Date(ms) : ms).toISOString();
}

/** Parses an optional time query parameter; NaN when present but not a time in the supported range. */
export function parseTimeParam(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value);
  return Math.abs(ms) <= MAX_EPOCH_MS ? ms : Number.NaN;
}
