/**
 * Geometry of the history plots, apart from their markup: scales, axis ticks (UTC times on
 * steps a reader can name, values on 1-2-5 steps) and path data.
 */

export type Scale = (value: number) => number;

/** Maps [d0, d1] onto [r0, r1]; an empty domain maps to the middle of the range. */
export function linearScale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): Scale {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Round values (1, 2 or 5 times a power of ten apart) covering [min, max], about `count` of them. */
export function valueTicks(min: number, max: number, count = 4): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const ticks: number[] = [];
  // Multiplying rather than adding, and rounding to 12 digits, keeps 0.1 + 0.2 drift out of the labels; + 0 turns -0 into 0.
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)) + 0);
  return ticks;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];

export interface TimeTick {
  time: number;
  label: string;
}

/** How a tick reads at a given step: seconds only when the step has them, the date once steps reach a day. */
function tickLabel(time: number, stepMs: number): string {
  const iso = new Date(time).toISOString();
  if (stepMs >= DAY) return iso.slice(0, 10);
  if (stepMs < MINUTE) return iso.slice(11, 19);
  // Midnight says which day the hours belong to.
  return iso.slice(11, 16) === '00:00' ? iso.slice(5, 10) : iso.slice(11, 16);
}

/** UTC ticks on whole steps (aligned to the epoch, so days start at midnight UTC), at most `maxTicks` of them. */
export function timeTicks(from: number, to: number, maxTicks = 8): TimeTick[] {
  if (!(to > from)) return [];
  const step = TIME_STEPS.find((s) => (to - from) / s <= maxTicks) ?? Math.ceil((to - from) / maxTicks / DAY) * DAY;
  const ticks: TimeTick[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push({ time: t, label: tickLabel(t, step) });
  return ticks;
}

const fixed = (n: number) => n.toFixed(1);

/** Path data of a line through the points. */
export function linePath(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${fixed(p.x)} ${fixed(p.y)}`).join('');
}

/** Path data of the area between an upper and a lower edge sampled at the same x. */
export function bandPath(points: readonly { x: number; high: number; low: number }[]): string {
  if (!points.length) return '';
  const upper = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${fixed(p.x)} ${fixed(p.high)}`).join('');
  const lower = points.toReversed().map((p) => `L${fixed(p.x)} ${fixed(p.low)}`).join('');
  return `${upper}${lower}Z`;
}
