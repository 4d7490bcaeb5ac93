/**
 * `datetime-local` inputs carry no zone, and the console shows every time in UTC: a value
 * typed there is read as UTC, and a time is written there in UTC.
 */

const LOCAL_INPUT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** What the input sent, as the API reads it: a zoneless time gets its Z; anything else is passed on for the API to judge. */
export function fromUtcInput(value: string | undefined): string | undefined {
  return value !== undefined && LOCAL_INPUT.test(value) ? `${value}Z` : value;
}

/** Epoch ms as a `datetime-local` value in UTC, to the second. */
export function toUtcInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
