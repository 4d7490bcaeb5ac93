/**
 * Where each row of a series stands for scoring, whatever the detector says: in the
 * probationary period (not scored), inside a window (a detection earns by how early it
 * comes), or outside (a detection costs by how soon after the previous window it comes).
 */
import type { Series } from './corpus.ts';
import { MAX_TP, scaledSigmoid } from './sigmoid.ts';
import type { Costs } from './profiles.ts';

export const PROBATIONARY_FRACTION = 0.15;
/** Rows outside every window. */
export const OUTSIDE = -1;

/**
 * Rows a detector may use to learn before it is scored: the first 15 % of a series, at
 * most 750 rows (NAB computes the cap as 15 % of 5000 rows, and so does this).
 */
export function probationaryRows(rows: number): number {
  return Math.min(Math.floor(PROBATIONARY_FRACTION * rows), PROBATIONARY_FRACTION * 5000);
}

export interface RowLabels {
  /** Rows before this one are probationary. */
  firstScored: number;
  /** Per row: index of the series' window the row is in, or OUTSIDE. */
  window: Int32Array;
  /**
   * Per row, the scaled sigmoid of its position: inside a window, relative to the
   * window's right edge (positive, largest on the first row); outside, after the
   * preceding window (negative; -1 when no window precedes).
   */
  sigmoid: Float64Array;
  windowCount: number;
  /** Windows from this index on have scored rows; earlier ones lie in probation and can be neither found nor missed. */
  firstScoredWindow: number;
}

export function labelRows(series: Series): RowLabels {
  const n = series.times.length;
  const window = new Int32Array(n).fill(OUTSIDE);
  const sigmoid = new Float64Array(n);
  let previous: { last: number; width: number } | undefined;
  let next = 0;
  for (let i = 0; i < n; ) {
    const w = series.windows[next];
    if (w && i === w.first) {
      const width = w.last - w.first + 1;
      for (; i <= w.last; i++) {
        window[i] = next;
        // -1 on the window's first row, rising by 1/width a row to -1/width on its last.
        sigmoid[i] = scaledSigmoid(-(w.last - i + 1) / width);
      }
      previous = { last: w.last, width };
      next++;
      continue;
    }
    // A one-row window has no width to measure distance by: NAB would divide by zero; count it as far.
    sigmoid[i] = previous === undefined || previous.width === 1 ? -1 : scaledSigmoid((i - previous.last) / (previous.width - 1));
    i++;
  }
  const firstScored = probationaryRows(n);
  const reaching = series.windows.findIndex((w) => w.last >= firstScored);
  const firstScoredWindow = reaching === -1 ? series.windows.length : reaching;
  return { firstScored, window, sigmoid, windowCount: series.windows.length, firstScoredWindow };
}

/**
 * What a detection on row i is worth under a profile: inside a window, the tp weight
 * scaled so that the window's first row earns it exactly; outside, the fp weight times
 * the (negative) sigmoid.
 */
export function detectionWorth(labels: RowLabels, i: number, costs: Costs): number {
  const s = labels.sigmoid[i]!;
  return labels.window[i] === OUTSIDE ? s * costs.fp : (s * costs.tp) / MAX_TP;
}
