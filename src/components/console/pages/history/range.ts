/**
 * The history explorer's time range: the quick presets, and the bucket width that keeps a
 * wide range at about a thousand buckets, on steps a reader can name (5 min, 1 h, 1 d).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const PRESETS = [
  { id: '15m', label: 'Last 15 min', ms: 15 * MINUTE },
  { id: '1h', label: 'Last 1 h', ms: HOUR },
  { id: '24h', label: 'Last 24 h', ms: DAY },
  { id: '7d', label: 'Last 7 d', ms: 7 * DAY },
  { id: '30d', label: 'Last 30 d', ms: 30 * DAY },
] as const;

export const DEFAULT_PRESET = '1h';

export const presetMs = (id: string | undefined) => PRESETS.find((p) => p.id === id)?.ms;

/** Most buckets a plot and its table show. */
export const MAX_BUCKETS = 1000;

const STEPS_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];

/** The smallest listed step (seconds) giving at most MAX_BUCKETS buckets over the span; past a week, whole weeks. */
export function bucketStepSeconds(spanMs: number): number {
  const needed = spanMs / SECOND / MAX_BUCKETS;
  const step = STEPS_SECONDS.find((s) => s >= needed);
  return step ?? Math.ceil(needed / 604_800) * 604_800;
}

/** A step as people say it: 30 s, 5 min, 2 h, 1 d. */
export function stepLabel(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
