/**
 * A detector's NAB result: per profile, the threshold NAB's optimiser picks over the
 * whole corpus, the corpus total at that threshold (summed series by series, as NAB's
 * scoring step does) and that total normalised between the null and perfect detectors.
 */
import type { Corpus } from './corpus.ts';
import { nullDetector, streaming } from './detectors.ts';
import { perfectScore, normalise } from './normalise.ts';
import { optimiseThreshold } from './optimizer.ts';
import type { Profile, ProfileName } from './profiles.ts';
import { labelRows, type RowLabels } from './row-labels.ts';
import { addOutcomes, scoreSeries, type Outcome } from './scorer.ts';

export interface ProfileResult {
  profile: ProfileName;
  threshold: number;
  /** Corpus total at the threshold: raw score and row counts. */
  outcome: Outcome;
  nullRaw: number;
  perfectRaw: number;
  /** 100 * (raw - null) / (perfect - null). */
  score: number;
}

export class Benchmark {
  readonly corpus: Corpus;
  readonly profiles: Profile[];
  readonly labels: RowLabels[];
  readonly #nullRaw = new Map<ProfileName, number>();

  constructor(corpus: Corpus, profiles: Profile[]) {
    this.corpus = corpus;
    this.profiles = profiles;
    this.labels = corpus.series.map(labelRows);
  }

  /** Threshold and corpus total per profile, not normalised. */
  raw(scores: ArrayLike<number>[]): { profile: Profile; threshold: number; outcome: Outcome }[] {
    if (scores.length !== this.labels.length) throw new Error(`expected scores for ${this.labels.length} series, got ${scores.length}`);
    const scored = this.labels.map((labels, k) => ({ labels, scores: scores[k]! }));
    return this.profiles.map((profile) => {
      const { threshold } = optimiseThreshold(scored, profile.costs);
      const outcome = addOutcomes(scored.map((s) => scoreSeries(s.labels, s.scores, profile.costs, threshold)));
      return { profile, threshold, outcome };
    });
  }

  /** The null detector's raw totals: NAB's zero, measured rather than assumed. */
  nullRaw(profile: ProfileName): number {
    if (!this.#nullRaw.size) {
      const run = streaming(nullDetector);
      for (const r of this.raw(this.corpus.series.map(run))) this.#nullRaw.set(r.profile.name, r.outcome.score);
    }
    return this.#nullRaw.get(profile)!;
  }

  evaluate(scores: ArrayLike<number>[]): ProfileResult[] {
    return this.raw(scores).map(({ profile, threshold, outcome }) => {
      const nullRaw = this.nullRaw(profile.name);
      const perfectRaw = perfectScore(this.corpus, profile.costs);
      return { profile: profile.name, threshold, outcome, nullRaw, perfectRaw, score: normalise(outcome.score, nullRaw, perfectRaw) };
    });
  }
}
