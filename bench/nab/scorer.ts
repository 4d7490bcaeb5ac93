/**
 * NAB's score of one series at one threshold: a score at or above the threshold is a
 * detection. Each window contributes once, the worth of its best detection (which is
 * its earliest, as worth falls through a window) or, if nothing was detected in it,
 * minus the fn weight. Each detection outside the windows adds its (negative) worth.
 * Probationary rows count for nothing.
 */
import type { Costs } from './profiles.ts';
import { detectionWorth, OUTSIDE, type RowLabels } from './row-labels.ts';

/** NAB's figures for a series or a corpus; tp, fp, fn and tn count rows, as NAB reports them. */
export interface Outcome {
  score: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** Scored windows with at least one detection, and without. */
  found: number;
  missed: number;
}

export function scoreSeries(labels: RowLabels, scores: ArrayLike<number>, costs: Costs, threshold: number): Outcome {
  const windows = new Map<number, number>();
  let fpWorth = 0;
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const found = new Set<number>();
  for (let i = labels.firstScored; i < scores.length; i++) {
    const w = labels.window[i]!;
    if (w !== OUTSIDE && !windows.has(w)) windows.set(w, -costs.fn);
    const detected = scores[i]! >= threshold;
    if (w === OUTSIDE) {
      if (detected) {
        counts.fp++;
        fpWorth += detectionWorth(labels, i, costs);
      } else counts.tn++;
    } else if (detected) {
      counts.tp++;
      found.add(w);
      windows.set(w, Math.max(windows.get(w)!, detectionWorth(labels, i, costs)));
    } else counts.fn++;
  }
  // Summed in NAB's order (false positives first, then the windows in time order), so totals agree to the last bit.
  let score = 0 + fpWorth;
  for (const worth of windows.values()) score += worth;
  return { score, ...counts, found: found.size, missed: windows.size - found.size };
}

export function addOutcomes(outcomes: Outcome[]): Outcome {
  const total: Outcome = { score: 0, tp: 0, fp: 0, fn: 0, tn: 0, found: 0, missed: 0 };
  for (const o of outcomes) for (const key of Object.keys(total) as (keyof Outcome)[]) total[key] += o[key];
  return total;
}
