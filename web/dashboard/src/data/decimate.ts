/**
 * Thins a line series for drawing without changing the picture (M4: per pixel column the
 * first, lowest, highest and last point, in time order). A line through those covers the
 * same pixels as a line through every point, and costs a bounded amount to draw however
 * many points the window holds: at most four per column.
 */
export interface Decimated {
  times: Float64Array;
  values: Float64Array;
  length: number;
}

/**
 * Points [lo, hi) of `times`/`values` (in time order), on `columns` columns spanning
 * [from, to), written into `out` (reused: it grows when too small).
 */
export function decimate(times: Float64Array, values: Float64Array, lo: number, hi: number, from: number, to: number, columns: number, out: Decimated): Decimated {
  const room = Math.min(hi - lo, 4 * columns + 4);
  if (out.times.length < room) {
    out.times = new Float64Array(room * 2);
    out.values = new Float64Array(room * 2);
  }
  let n = 0;
  const emit = (i: number) => {
    out.times[n] = times[i]!;
    out.values[n] = values[i]!;
    n++;
  };
  const scale = columns / (to - from);
  let column = Number.NaN;
  let first = -1;
  let min = -1;
  let max = -1;
  let last = -1;
  const flush = () => {
    if (first < 0) return;
    // The extremes between first and last, in the order they came.
    const a = Math.min(min, max);
    const b = Math.max(min, max);
    emit(first);
    if (a !== first && a !== last) emit(a);
    if (b !== first && b !== last && b !== a) emit(b);
    if (last !== first) emit(last);
  };
  for (let i = lo; i < hi; i++) {
    const c = Math.min(columns - 1, Math.max(0, Math.floor((times[i]! - from) * scale)));
    if (c !== column) {
      flush();
      column = c;
      first = min = max = last = i;
      continue;
    }
    last = i;
    const v = values[i]!;
    if (v < values[min]!) min = i;
    else if (v > values[max]!) max = i;
  }
  flush();
  out.length = n;
  return out;
}
