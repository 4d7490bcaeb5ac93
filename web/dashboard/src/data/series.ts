/**
 * One channel's plotted points, in time order, in typed arrays a plot can draw without
 * copying: epoch-ms times, the value, and a min/max envelope (equal to the value for a
 * raw reading, the bucket's extremes for an aggregate). Live readings and history
 * backfills meet here: whatever order they arrive in, each time is held once (a later
 * arrival for a time already present replaces it), so joining them leaves no gap and no
 * duplicate.
 *
 * Appending in time order (the live case) is amortised O(1) per point; trimming the old
 * end moves a start offset and compacts only once the dead space outgrows the live part.
 */

export interface SeriesPoint {
  time: number;
  value: number;
  /** Absent for a raw reading: the value itself. */
  min?: number;
  max?: number;
}

export class SeriesBuffer {
  #start = 0;
  #end = 0;
  #times: Float64Array;
  #values: Float64Array;
  #mins: Float64Array;
  #maxs: Float64Array;

  constructor(initialCapacity = 1024) {
    this.#times = new Float64Array(initialCapacity);
    this.#values = new Float64Array(initialCapacity);
    this.#mins = new Float64Array(initialCapacity);
    this.#maxs = new Float64Array(initialCapacity);
  }

  get length(): number {
    return this.#end - this.#start;
  }

  get firstTime(): number | undefined {
    return this.length ? this.#times[this.#start] : undefined;
  }

  get lastTime(): number | undefined {
    return this.length ? this.#times[this.#end - 1] : undefined;
  }

  /** Views of the held points (valid until the next change). */
  get times(): Float64Array {
    return this.#times.subarray(this.#start, this.#end);
  }

  get values(): Float64Array {
    return this.#values.subarray(this.#start, this.#end);
  }

  get mins(): Float64Array {
    return this.#mins.subarray(this.#start, this.#end);
  }

  get maxs(): Float64Array {
    return this.#maxs.subarray(this.#start, this.#end);
  }

  /** Adds points in any order; a time already held (or repeated in the batch) keeps the last value given. */
  insert(points: readonly SeriesPoint[]): void {
    if (!points.length) return;
    const batch = inTimeOrder(points);
    const last = this.lastTime;
    if (last === undefined || batch[0]!.time > last) this.#append(batch);
    else this.#merge(batch);
  }

  /**
   * Swaps the points in [from, to) for `points` (in any order, all inside the span): a
   * finer backfill of a span held as coarser buckets.
   */
  replace(from: number, to: number, points: readonly SeriesPoint[]): void {
    const lo = lowerBound(this.#times, from, this.#start, this.#end);
    const hi = lowerBound(this.#times, to, lo, this.#end);
    if (hi > lo) {
      for (const column of [this.#times, this.#values, this.#mins, this.#maxs]) column.copyWithin(lo, hi, this.#end);
      this.#end -= hi - lo;
    }
    this.insert(points);
  }

  /** Drops the points before `time`. */
  trimBefore(time: number): void {
    let i = this.#start;
    // Most trims drop a few points off the front: step, don't search.
    while (i < this.#end && this.#times[i]! < time && i - this.#start < 16) i++;
    if (i < this.#end && this.#times[i]! < time) i = lowerBound(this.#times, time, i, this.#end);
    this.#start = i;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  clear(): void {
    this.#start = this.#end = 0;
  }

  #append(batch: readonly SeriesPoint[]): void {
    this.#reserve(batch.length);
    let j = this.#end;
    for (const p of batch) this.#write(j++, p);
    this.#end = j;
  }

  /** Merges a sorted batch into the held points, both in time order; on equal times the batch wins. */
  #merge(batch: readonly SeriesPoint[]): void {
    const n = this.length;
    const old = { times: this.times.slice(), values: this.values.slice(), mins: this.mins.slice(), maxs: this.maxs.slice() };
    this.#start = this.#end = 0;
    this.#reserve(n + batch.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < n || j < batch.length) {
      const p = batch[j];
      if (p && (i >= n || p.time <= old.times[i]!)) {
        if (i < n && p.time === old.times[i]) i++;
        this.#write(k++, p);
        j++;
      } else {
        this.#times[k] = old.times[i]!;
        this.#values[k] = old.values[i]!;
        this.#mins[k] = old.mins[i]!;
        this.#maxs[k] = old.maxs[i]!;
        k++;
        i++;
      }
    }
    this.#end = k;
  }

  #write(at: number, p: SeriesPoint): void {
    this.#times[at] = p.time;
    this.#values[at] = p.value;
    this.#mins[at] = p.min ?? p.value;
    this.#maxs[at] = p.max ?? p.value;
  }

  /** Room for `extra` more points after the end: compacts dead space at the front, or grows by doubling. */
  #reserve(extra: number): void {
    const needed = this.length + extra;
    const capacity = this.#times.length;
    if (this.#end + extra <= capacity) return;
    const grow = needed > capacity / 2;
    const size = grow ? Math.max(needed, capacity * 2) : capacity;
    const moved = (a: Float64Array) => {
      const b = grow ? new Float64Array(size) : a;
      b.set(a.subarray(this.#start, this.#end), 0);
      return b;
    };
    this.#times = moved(this.#times);
    this.#values = moved(this.#values);
    this.#mins = moved(this.#mins);
    this.#maxs = moved(this.#maxs);
    this.#end -= this.#start;
    this.#start = 0;
  }
}

/** The batch sorted by time with only the last point of each time kept (stable: later wins). */
function inTimeOrder(points: readonly SeriesPoint[]): readonly SeriesPoint[] {
  let sorted = true;
  for (let i = 1; i < points.length && sorted; i++) sorted = points[i]!.time > points[i - 1]!.time;
  if (sorted) return points;
  const order = points.map((p, i) => ({ p, i })).sort((a, b) => a.p.time - b.p.time || a.i - b.i);
  const out: SeriesPoint[] = [];
  for (const { p } of order) {
    if (out.length && out[out.length - 1]!.time === p.time) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

/** The first index in [lo, hi) whose time is at least `time`. */
export function lowerBound(times: Float64Array, time: number, lo = 0, hi = times.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
