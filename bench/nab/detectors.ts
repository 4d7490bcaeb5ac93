/**
 * The detectors the benchmark can run, by name: every detector of the product's
 * registry (src/core/anomaly/registry.ts), at its default sensitivity, each seeing each
 * series one reading at a time, fresh for every series. Two baselines fix NAB's scale: `null`
 * (a constant 0.5, which scores 0) and `perfect` (an oracle that reads the windows and
 * flags each window's first scored row, which scores 100 when no window starts in
 * probation); the oracle is for checking the scale, not a detector.
 */
import type { DetectorFactory } from '../../src/core/anomaly/detector.ts';
import { createDetector, DEFAULT_DETECTOR, DETECTOR_NAMES } from '../../src/core/anomaly/registry.ts';
import type { Series } from './corpus.ts';
import { probationaryRows } from './row-labels.ts';

export type ScoreSeries = (series: Series) => Float64Array;

export function streaming(create: DetectorFactory): ScoreSeries {
  return (series) => {
    const detector = create();
    const scores = new Float64Array(series.values.length);
    for (let i = 0; i < scores.length; i++) scores[i] = detector.score(series.times[i]!, series.values[i]!);
    return scores;
  };
}

/** NAB's null detector: the same score everywhere, so every threshold detects all or nothing. */
export const nullDetector: DetectorFactory = () => ({ score: () => 0.5 });

export const perfectOracle: ScoreSeries = (series) => {
  const scores = new Float64Array(series.values.length);
  const firstScored = probationaryRows(scores.length);
  for (const w of series.windows) if (w.last >= firstScored) scores[Math.max(w.first, firstScored)] = 1;
  return scores;
};

export const DETECTORS: Record<string, ScoreSeries> = {
  ...Object.fromEntries(DETECTOR_NAMES.map((name) => [name, streaming(() => createDetector({ name }).detector)])),
  null: streaming(nullDetector),
  perfect: perfectOracle,
};

/** The product's default detector, the best on NAB: what `bench:detect` runs unless told otherwise. */
export { DEFAULT_DETECTOR };

/**
 * Scores as NAB's published result files hold them: printed to 12 significant digits
 * (Python 2's str of a float). It matters near 1: there a score of 1 - 4e-13 is stored
 * as 1.0 and joins the readings that reach a threshold of 1.
 */
export const NAB_RESULT_DIGITS = 12;

export function roundScores(scores: Float64Array, digits: number): Float64Array {
  return scores.map((s) => Number(s.toPrecision(digits)));
}
