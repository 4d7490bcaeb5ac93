/**
 * Segments of the telemetry archive: the readings of one (spacecraft, channel), in time
 * order, as encoded columns with their summary. Pure: building, encoding, decoding and
 * merging segments; the store moves them in and out of SQL.
 *
 * A segment never crosses a UTC hour and holds at most SEGMENT_READINGS readings, so hourly
 * rollups add up whole segments and retention drops whole days. Segments sealed before
 * hours were cut may cross hours, never a midnight, so a range query looks for segments
 * that can touch it among those starting up to a day before it. Segments of a channel may
 * overlap (late data, a reading sent again): where two hold the same time, the one written
 * later (higher `seq`) wins, and the compactor merges them into disjoint ones.
 */
import type { ChannelType, ReadingValue } from '../../core/schemas.ts';
import { decodeNumbers, decodeStrings, decodeTimes, encodeNumbers, encodeStrings, encodeTimes } from './codec.ts';

export const SEGMENT_READINGS = 1024;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Readings of one channel in time order, one per time. */
export interface Series {
  times: ArrayLike<number>;
  values: ArrayLike<ReadingValue>;
  raws: ArrayLike<ReadingValue>;
}

/** Aggregate of the readings with a finite numeric value (booleans count as 0 and 1). */
export interface Summary {
  valueCount: number;
  min: number | null;
  max: number | null;
  sum: number | null;
}

export interface EncodedSegment extends Summary {
  start: number;
  end: number;
  count: number;
  times: Uint8Array;
  values: Uint8Array;
  /** Absent when every raw value equals its calibrated value. */
  raws: Uint8Array | null;
}

export interface DecodedSegment extends Series {
  seq: number;
  start: number;
  end: number;
}

const numeric = (v: ReadingValue): number => (typeof v === 'number' ? v : v ? 1 : 0);
const same = (a: ReadingValue, b: ReadingValue) => a === b || (Number.isNaN(a) && Number.isNaN(b));

function summarise(type: ChannelType, values: ArrayLike<ReadingValue>, from: number, to: number): Summary {
  if (type === 'string') return { valueCount: 0, min: null, max: null, sum: null };
  let valueCount = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const v = numeric(values[i]!);
    if (!Number.isFinite(v)) continue;
    valueCount++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return valueCount ? { valueCount, min, max, sum } : { valueCount, min: null, max: null, sum: null };
}

function encodeColumn(type: ChannelType, values: ArrayLike<ReadingValue>, from: number, to: number): Uint8Array {
  // A lone surrogate has no UTF-8 form: it becomes U+FFFD here rather than in each export.
  if (type === 'string') return encodeStrings(Array.from({ length: to - from }, (_, i) => String(values[from + i]).toWellFormed()));
  const out = new Float64Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = numeric(values[i]!);
  return encodeNumbers(out);
}

/** One encoded segment of series[from, to). */
export function encodeSegment(type: ChannelType, s: Series, from: number, to: number): EncodedSegment {
  let rawsDiffer = false;
  if (type !== 'string' && s.raws !== s.values) for (let i = from; i < to && !rawsDiffer; i++) rawsDiffer = !same(s.raws[i]!, s.values[i]!);
  const times = s.times instanceof Float64Array ? s.times.subarray(from, to) : Array.prototype.slice.call(s.times, from, to) as number[];
  return {
    start: s.times[from]!,
    end: s.times[to - 1]!,
    count: to - from,
    ...summarise(type, s.values, from, to),
    times: encodeTimes(times),
    values: encodeColumn(type, s.values, from, to),
    raws: rawsDiffer ? encodeColumn(type, s.raws, from, to) : null,
  };
}

/** The end of the UTC hour that holds time t. */
export const hourEnd = (t: number) => (Math.floor(t / HOUR_MS) + 1) * HOUR_MS;

/**
 * A series cut into segments: at each UTC hour, and an hour's readings into as few
 * segments of at most `size` as they fit, of equal length (an hour at 1 Hz is 4 × 900).
 */
export function cutSegments(type: ChannelType, s: Series, size = SEGMENT_READINGS): EncodedSegment[] {
  const out: EncodedSegment[] = [];
  let from = 0;
  while (from < s.times.length) {
    const end = lowerBound(s.times, hourEnd(s.times[from]!));
    const per = Math.ceil((end - from) / Math.ceil((end - from) / size));
    for (let at = from; at < end; at += per) out.push(encodeSegment(type, s, at, Math.min(end, at + per)));
    from = end;
  }
  return out;
}

function typed(type: ChannelType, values: Float64Array | string[]): ArrayLike<ReadingValue> {
  if (type === 'boolean') return Array.from(values as Float64Array, (v) => v === 1);
  return values;
}

export function decodeSegment(type: ChannelType, row: { seq: number; start: number; end: number; times: Uint8Array; values: Uint8Array; raws: Uint8Array | null }): DecodedSegment {
  const column = (bytes: Uint8Array) => typed(type, type === 'string' ? decodeStrings(bytes) : decodeNumbers(bytes));
  const values = column(row.values);
  return { seq: row.seq, start: row.start, end: row.end, times: decodeTimes(row.times), values, raws: row.raws ? column(row.raws) : values };
}

/** The first index of a sorted array whose time is at least t. */
export function lowerBound(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const slice = <T>(column: ArrayLike<T>, lo: number, hi: number): ArrayLike<T> =>
  ArrayBuffer.isView(column) ? (column as unknown as Float64Array).subarray(lo, hi) as unknown as ArrayLike<T> : Array.prototype.slice.call(column, lo, hi) as T[];

/**
 * The readings of several segments in [from, to), in time order, one per time, as a list
 * of series: where segments share a time, the one with the highest seq wins. Segments
 * that do not overlap (the usual case) come back as views of their own columns, uncopied.
 */
export function mergeSegments(segments: readonly DecodedSegment[], from = -Infinity, to = Infinity): Series[] {
  const parts = segments
    .map((s) => ({ s, lo: lowerBound(s.times, from), hi: lowerBound(s.times, to) }))
    .filter((p) => p.hi > p.lo)
    .sort((a, b) => a.s.times[a.lo]! - b.s.times[b.lo]! || a.s.seq - b.s.seq);
  const disjoint = parts.every((p, i) => i === 0 || p.s.times[p.lo]! > parts[i - 1]!.s.times[parts[i - 1]!.hi - 1]!);
  if (disjoint) {
    return parts.map(({ s, lo, hi }) => (lo === 0 && hi === s.times.length ? s : { times: slice(s.times, lo, hi), values: slice(s.values, lo, hi), raws: slice(s.raws, lo, hi) }));
  }
  // Overlapping: merged pairwise like a merge sort over the parts in seq order, so each
  // merge takes an older run and a newer one, the newer winning a shared time: N log k.
  let runs: Series[] = [...parts].sort((a, b) => a.s.seq - b.s.seq).map(({ s, lo, hi }) => ({ times: slice(s.times, lo, hi), values: slice(s.values, lo, hi), raws: slice(s.raws, lo, hi) }));
  while (runs.length > 1) {
    const next: Series[] = [];
    for (let i = 0; i < runs.length; i += 2) next.push(i + 1 < runs.length ? mergeTwo(runs[i]!, runs[i + 1]!) : runs[i]!);
    runs = next;
  }
  return runs;
}

/**
 * Two series in time order as one; where both hold a time, `newer` wins. Stretches that
 * come from one side are copied whole (typed arrays at memory speed): interleaved
 * segments of concurrent writers alternate in stretches of a batch's readings.
 */
function mergeTwo(older: Series, newer: Series): Series {
  const na = older.times.length;
  const nb = newer.times.length;
  const typed = older.values instanceof Float64Array && newer.values instanceof Float64Array;
  // Raw columns that are the value columns (raws equal to values) stay shared, uncopied.
  const sharedRaws = older.raws === older.values && newer.raws === newer.values;
  const times = new Float64Array(na + nb);
  const values = typed ? new Float64Array(na + nb) : new Array<ReadingValue>(na + nb);
  const raws = sharedRaws ? values : typed ? new Float64Array(na + nb) : new Array<ReadingValue>(na + nb);
  let k = 0;
  const copy = (from: Series, lo: number, hi: number) => {
    if (from.times instanceof Float64Array) times.set(from.times.subarray(lo, hi), k);
    else for (let x = lo; x < hi; x++) times[k + x - lo] = from.times[x]!;
    if (typed) {
      (values as Float64Array).set((from.values as Float64Array).subarray(lo, hi), k);
      if (!sharedRaws) (raws as Float64Array).set((from.raws as Float64Array).subarray(lo, hi), k);
    } else {
      for (let x = lo; x < hi; x++) {
        (values as ReadingValue[])[k + x - lo] = from.values[x]!;
        if (!sharedRaws) (raws as ReadingValue[])[k + x - lo] = from.raws[x]!;
      }
    }
    k += hi - lo;
  };
  let i = 0;
  let j = 0;
  while (i < na && j < nb) {
    const a = older.times[i]!;
    const b = newer.times[j]!;
    if (a < b) {
      let e = i + 1;
      while (e < na && older.times[e]! < b) e++;
      copy(older, i, e);
      i = e;
    } else {
      let e = j + 1;
      while (e < nb && newer.times[e]! < a) e++;
      // A time both hold: the newer reading, and the older one is skipped.
      if (e === j + 1 && a === b) i++;
      copy(newer, j, e);
      j = e;
    }
  }
  copy(older, i, na);
  copy(newer, j, nb);
  const outValues = slice(values as ArrayLike<ReadingValue>, 0, k);
  return { times: times.subarray(0, k), values: outValues, raws: sharedRaws ? outValues : slice(raws as ArrayLike<ReadingValue>, 0, k) };
}

/** Several series one after the other as one (for rewriting them as segments). */
export function joinSeries(parts: readonly Series[]): Series {
  if (parts.length === 1) return parts[0]!;
  const times: number[] = [];
  const values: ReadingValue[] = [];
  const raws: ReadingValue[] = [];
  for (const p of parts) {
    for (let i = 0; i < p.times.length; i++) {
      times.push(p.times[i]!);
      values.push(p.values[i]!);
      raws.push(p.raws[i]!);
    }
  }
  return { times, values, raws };
}

/**
 * Readings as they arrived (a batch, a group of batches) as a series: sorted by time, and
 * of readings with the same time the one that came last.
 */
export function seriesOf(readings: readonly { time: number; value: ReadingValue; raw: ReadingValue }[]): Series {
  let ordered = readings;
  for (let i = 1; i < readings.length; i++) {
    if (readings[i]!.time <= readings[i - 1]!.time) {
      // A stable sort keeps arrival order among equal times, so the last of them is the newest.
      ordered = readings.map((r, k) => ({ r, k })).sort((a, b) => a.r.time - b.r.time || a.k - b.k).map((x) => x.r);
      break;
    }
  }
  const times: number[] = [];
  const values: ReadingValue[] = [];
  const raws: ReadingValue[] = [];
  for (let i = 0; i < ordered.length; i++) {
    const r = ordered[i]!;
    if (i + 1 < ordered.length && ordered[i + 1]!.time === r.time) continue;
    times.push(r.time);
    values.push(r.value);
    raws.push(r.raw);
  }
  return { times, values, raws };
}
