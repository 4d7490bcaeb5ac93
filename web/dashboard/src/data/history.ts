/**
 * How to backfill a plot from the history API: every raw reading while there are few
 * enough to draw (and to download), otherwise min/max/avg buckets about one per pixel —
 * a plot cannot show more than that anyway.
 */

/**
 * Raw up to this many expected readings: one page of the points API (100,000), with room
 * for a rate that is a little off, is a few MB of JSON and draws within a frame.
 */
export const RAW_POINT_LIMIT = 150_000;

/** Bucket widths (seconds) a person reads easily and that line up with the clock. */
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

export type HistoryPlan = { kind: 'raw'; expectedPoints: number } | { kind: 'aggregate'; stepSeconds: number; expectedPoints: number };

/**
 * `from`/`to` in epoch ms, `widthPx` the plot's drawing width, `rateHz` the channel's
 * readings per second (see estimateRate).
 */
export function planHistory(q: { from: number; to: number; widthPx: number; rateHz: number }): HistoryPlan {
  const seconds = Math.max(0, q.to - q.from) / 1000;
  const expectedPoints = Math.ceil(seconds * Math.max(0, q.rateHz));
  if (expectedPoints <= RAW_POINT_LIMIT) return { kind: 'raw', expectedPoints };
  // About one bucket per pixel; a coarser nice step rather than a finer one (at most ~2 px per bucket).
  const exact = seconds / Math.max(1, q.widthPx);
  const stepSeconds = NICE_STEPS.find((s) => s >= exact) ?? Math.ceil(exact / 86_400) * 86_400;
  return { kind: 'aggregate', stepSeconds, expectedPoints };
}

/**
 * Readings per second from a sample of a channel's recent readings (epoch ms, in time
 * order) taken over the last `windowMs` up to `windowEnd`. When the sample is a full
 * page, it covers only up to its last reading, so the rate comes from that span.
 */
export function estimateRate(times: readonly number[], sample: { windowStart: number; windowEnd: number; full: boolean }): number {
  if (!times.length) return 0;
  const end = sample.full ? times[times.length - 1]! : sample.windowEnd;
  const seconds = (end - sample.windowStart) / 1000;
  return seconds > 0 ? times.length / seconds : 0;
}
