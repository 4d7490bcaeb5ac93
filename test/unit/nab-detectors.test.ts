/**
 * The product's default detector on the NAB corpus: floors just under the scores it
 * reaches (71.20 standard, 64.14 reward low FP, 75.63 reward low FN, measured with
 * `npm run bench:detect`), so that a change that makes it worse fails; and its default
 * sensitivity is the threshold NAB's optimiser picks, so an alarm in Orbit is exactly a
 * detection in the benchmark.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Benchmark, type ProfileResult } from '../../bench/nab/benchmark.ts';
import { corpusPresent, NAB_DIR, readCorpus } from '../../bench/nab/corpus.ts';
import { DETECTORS } from '../../bench/nab/detectors.ts';
import { PROFILE_NAMES, readProfiles, type ProfileName } from '../../bench/nab/profiles.ts';
import { addOutcomes, scoreSeries } from '../../bench/nab/scorer.ts';
import { DEFAULT_DETECTOR, thresholdFor } from '../../src/core/anomaly/registry.ts';

const FLOOR: Record<ProfileName, number> = { standard: 71, rewardLowFP: 64, rewardLowFN: 75.5 };

describe('the default detector on NAB', { skip: !corpusPresent() && `NAB reference data not found at ${NAB_DIR}` }, () => {
  let benchmark: Benchmark;
  let scores: Float64Array[];
  let results: Record<ProfileName, ProfileResult>;
  before(() => {
    const corpus = readCorpus();
    benchmark = new Benchmark(corpus, readProfiles());
    scores = corpus.series.map(DETECTORS[DEFAULT_DETECTOR]!);
    results = Object.fromEntries(benchmark.evaluate(scores).map((r) => [r.profile, r])) as Record<ProfileName, ProfileResult>;
  });

  test('the default is context-novelty', () => assert.equal(DEFAULT_DETECTOR, 'context-novelty'));

  test('scores at least its floor on every profile', () => {
    for (const p of PROFILE_NAMES) assert.ok(results[p].score >= FLOOR[p], `${p}: ${results[p].score}, floor ${FLOOR[p]}`);
  });

  test('its alarms at the default sensitivity are the detections NAB\'s optimiser chose (standard profile)', () => {
    const standard = benchmark.profiles.find((p) => p.name === 'standard')!;
    const atDefault = addOutcomes(benchmark.labels.map((labels, k) => scoreSeries(labels, scores[k]!, standard.costs, thresholdFor(DEFAULT_DETECTOR))));
    assert.equal(atDefault.score, results.standard.outcome.score);
    assert.equal(atDefault.fp, results.standard.outcome.fp);
  });
});
