/**
 * NAB's final score: the raw corpus total placed on a scale where the null detector
 * (which detects nothing at its best threshold) scores 0 and the perfect detector (the
 * first row of every window, nothing else) scores 100.
 */
import type { Corpus } from './corpus.ts';
import type { Costs } from './profiles.ts';

/** The perfect detector's raw total, as NAB defines it: every window found on its first row. */
export function perfectScore(corpus: Corpus, costs: Costs): number {
  return corpus.windowCount * costs.tp;
}

export function normalise(raw: number, nullRaw: number, perfectRaw: number): number {
  return (100 * (raw - nullRaw)) / (perfectRaw - nullRaw);
}
