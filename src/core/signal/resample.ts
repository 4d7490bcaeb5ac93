/**
 * Telemetry arrives at irregular times; spectra need a uniform grid. Readings are
 * interpolated linearly onto times start, start + interval, ... (no new frequencies are
 * invented, and a short gap is bridged by a straight line rather than a step).
 */

/** The median spacing of sorted times; NaN for fewer than two. */
export function medianInterval(times: ArrayLike<number>): number {
  if (times.length < 2) return Number.NaN;
  const gaps = new Float64Array(times.length - 1);
  for (let i = 1; i < times.length; i++) gaps[i - 1] = times[i]! - times[i - 1]!;
  gaps.sort();
  const mid = gaps.length >> 1;
  return gaps.length % 2 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
}

/** `count` values at start + i * interval, linearly interpolated between the readings around each (sorted times). */
export function resample(times: ArrayLike<number>, values: ArrayLike<number>, start: number, interval: number, count: number): Float64Array {
  const out = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < count; i++) {
    const t = start + i * interval;
    while (j < times.length - 2 && times[j + 1]! <= t) j++;
    const t0 = times[j]!;
    const t1 = times[j + 1] ?? t0;
    const v0 = values[j]!;
    const v1 = values[j + 1] ?? v0;
    out[i] = t1 === t0 ? v0 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
  }
  return out;
}
