/** How the value table words a channel's latest reading. */

/** No reading for longer than the channel's staleAfterSeconds: the value is not current. */
export function isStale(readingTime: number, now: number, staleAfterSeconds: number | undefined): boolean {
  return staleAfterSeconds !== undefined && now - readingTime > staleAfterSeconds * 1000;
}

/** 4 s, 3 m 20 s, 2 h 5 m, 3 d 4 h: precise while it matters, short once it does not. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} m`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

const NUMBER = new Intl.NumberFormat('en', { maximumFractionDigits: 4 });

/** Numbers to at most 4 decimals (enough for any sensor the fleet carries), without trailing zeros, digits grouped. */
export function formatValue(value: unknown): string {
  return typeof value === 'number' ? NUMBER.format(value) : String(value);
}
