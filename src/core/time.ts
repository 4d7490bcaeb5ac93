/** Times arrive as ISO 8601 or epoch milliseconds and travel as epoch milliseconds. */
export function toEpochMs(time: string | number): number {
  return typeof time === 'number' ? time : Date.parse(time);
}

export function toIso(ms: number | Date): string {
  return (typeof ms === 'number' ? new Date(ms) : ms).toISOString();
}

/** Parses an optional time query parameter; NaN when present but not a time. */
export function parseTimeParam(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value);
}
