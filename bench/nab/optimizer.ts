/**
 * NAB's threshold choice: for one profile, every distinct score the detector gave on
 * the scored rows of the whole corpus is a candidate threshold (plus one above them
 * all, detecting nothing); the threshold whose corpus total is highest wins, the higher
 * threshold on a tie. One sweep from the highest score down: lowering the threshold to
 * the next distinct score turns the rows with that score into detections.
 */
import type { Costs } from './profiles.ts';
import { detectionWorth, OUTSIDE, type RowLabels } from './row-labels.ts';

export interface ScoredSeries {
  labels: RowLabels;
  scores: ArrayLike<number>;
}

export interface ThresholdChoice {
  threshold: number;
  /** Raw (not normalised) corpus total at that threshold. */
  score: number;
}

/** NAB's starting threshold: above any score in [0, 1], so nothing is detected. */
export const NOTHING_DETECTED = 1.1;

export function optimiseThreshold(corpus: ScoredSeries[], costs: Costs): ThresholdChoice {
  let rows = 0;
  for (const { labels, scores } of corpus) rows += scores.length - labels.firstScored;
  const score = new Float64Array(rows);
  const worth = new Float64Array(rows);
  /** Corpus-wide window number, or OUTSIDE. */
  const window = new Int32Array(rows);
  const windowWorth: number[] = [];
  let r = 0;
  for (const { labels, scores } of corpus) {
    const base = windowWorth.length;
    // A window wholly in probation adds 0: adding zeros leaves NAB's sum as it was.
    for (let k = 0; k < labels.windowCount; k++) windowWorth.push(k < labels.firstScoredWindow ? 0 : -costs.fn);
    for (let i = labels.firstScored; i < scores.length; i++, r++) {
      const s = scores[i]!;
      if (!(s >= 0 && s <= 1)) throw new RangeError(`anomaly score ${s} is not in [0, 1]`);
      score[r] = s;
      worth[r] = detectionWorth(labels, i, costs);
      window[r] = labels.window[i] === OUTSIDE ? OUTSIDE : base + labels.window[i]!;
    }
  }

  const order = new Uint32Array(rows).map((_, k) => k).sort((a, b) => score[b]! - score[a]!);
  const total = (fp: number) => {
    let t = 0 + fp;
    for (const w of windowWorth) t += w;
    return t;
  };
  let fpWorth = 0;
  let best: ThresholdChoice = { threshold: NOTHING_DETECTED, score: total(0) };
  for (let k = 0; k < rows; ) {
    const threshold = score[order[k]!]!;
    for (; k < rows && score[order[k]!] === threshold; k++) {
      const row = order[k]!;
      const w = window[row]!;
      if (w === OUTSIDE) fpWorth += worth[row]!;
      else if (worth[row]! > windowWorth[w]!) windowWorth[w] = worth[row]!;
    }
    const candidate = total(fpWorth);
    if (candidate > best.score) best = { threshold, score: candidate };
  }
  return best;
}
