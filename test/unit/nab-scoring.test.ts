/**
 * NAB's scoring rules on series small enough to score by hand. The expected figures
 * were worked out from NAB's definitions, not from this code: S(p) = 2 / (1 + e^{5p}) - 1;
 * a window of width w ending on row r puts row i at p = -(r - i + 1) / w; a row after it
 * at p = (i - r) / (w - 1); a detection in a window earns tp * S(p) / S(-1), one outside
 * costs fp * S(p), or fp if no window precedes it; a missed window costs fn.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Corpus, Series, Window } from '../../bench/nab/corpus.ts';
import { parseTimestamp } from '../../bench/nab/corpus.ts';
import { normalise, perfectScore } from '../../bench/nab/normalise.ts';
import { NOTHING_DETECTED, optimiseThreshold } from '../../bench/nab/optimizer.ts';
import type { Costs } from '../../bench/nab/profiles.ts';
import { labelRows, OUTSIDE, probationaryRows } from '../../bench/nab/row-labels.ts';
import { addOutcomes, scoreSeries } from '../../bench/nab/scorer.ts';
import { MAX_TP, scaledSigmoid } from '../../bench/nab/sigmoid.ts';

const STANDARD: Costs = { tp: 1, fp: 0.11, fn: 1 };
const LOW_FN: Costs = { tp: 1, fp: 0.11, fn: 2 };
const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual}, expected ${expected}`);

function series(rows: number, windows: Window[]): Series {
  const times = Float64Array.from({ length: rows }, (_, i) => i * 60_000);
  return { name: 'hand/made.csv', times, values: new Float64Array(rows), windows };
}

/** Scores of 1 on the given rows, 0 elsewhere. */
function detections(rows: number, on: number[]): Float64Array {
  const scores = new Float64Array(rows);
  for (const i of on) scores[i] = 1;
  return scores;
}

describe('scaled sigmoid', () => {
  test('follows NAB: +0.98661 at a window start, 0 at its right edge, -0.98661 one width after, -1 beyond three', () => {
    close(scaledSigmoid(-1), 0.9866142981514305, 'S(-1)');
    close(MAX_TP, 0.9866142981514305, 'MAX_TP');
    close(scaledSigmoid(-0.5), 0.8482836399575131, 'S(-0.5)');
    assert.equal(scaledSigmoid(0), 0);
    close(scaledSigmoid(1), -0.9866142981514303, 'S(1)');
    close(scaledSigmoid(3), -0.9999993881955461, 'S(3)');
    assert.equal(scaledSigmoid(3.0001), -1);
  });

  test('falls monotonically, so the earliest detection in a window is worth most', () => {
    for (let p = -1; p < 3; p += 0.01) assert.ok(scaledSigmoid(p) > scaledSigmoid(p + 0.01), `S(${p})`);
  });
});

describe('probationary period', () => {
  test('is 15 % of the rows, rounded down, at most 750', () => {
    assert.equal(probationaryRows(20), 3);
    assert.equal(probationaryRows(4032), 604);
    assert.equal(probationaryRows(5000), 750);
    assert.equal(probationaryRows(22695), 750);
  });
});

describe('row labels', () => {
  // 20 rows, rows 0-2 probationary, one window on rows 10-13 (width 4).
  const labels = labelRows(series(20, [{ first: 10, last: 13 }]));

  test('mark window rows with their window and the rest as outside', () => {
    assert.equal(labels.firstScored, 3);
    assert.deepEqual([...labels.window.slice(8, 16)], [OUTSIDE, OUTSIDE, 0, 0, 0, 0, OUTSIDE, OUTSIDE]);
  });

  test('place window rows from the left edge (p = -1) to one row before the right edge (p = -1/w)', () => {
    close(labels.sigmoid[10]!, 0.9866142981514305, 'row 10, p = -1');
    close(labels.sigmoid[11]!, 0.9540452601799487, 'row 11, p = -0.75');
    close(labels.sigmoid[12]!, 0.8482836399575131, 'row 12, p = -0.5');
  });

  test('place rows after a window by their distance in (width - 1) rows, and rows before any window at -1', () => {
    close(labels.sigmoid[16]!, -0.9866142981514303, 'row 16, p = 3/3');
    assert.equal(labels.sigmoid[5], -1);
  });
});

describe('scoring one series at a threshold', () => {
  const s = series(20, [{ first: 10, last: 13 }]);
  const labels = labelRows(s);

  test('counts the first detection in a window once and weights false positives by their distance after the window', () => {
    // Row 1 is probationary (ignored). Row 5 precedes every window: -0.11. Row 11 is the
    // first detection in the window: S(-0.75) / S(-1) = 0.96699; row 12 adds nothing.
    // Row 16 is one window width (3 rows) after the window: 0.11 * S(1) = -0.10853.
    const outcome = scoreSeries(labels, detections(20, [1, 5, 11, 12, 16]), STANDARD, 0.5);
    close(outcome.score, 0.7484615150034032, 'score');
    assert.deepEqual({ ...outcome, score: 0 }, { score: 0, tp: 2, fp: 2, fn: 2, tn: 11, found: 1, missed: 0 });
  });

  test('a detection on the first row of a window earns exactly the tp weight', () => {
    close(scoreSeries(labels, detections(20, [10]), STANDARD, 0.5).score, 1, 'left edge');
  });

  test('a later detection in the window is worth less', () => {
    close(scoreSeries(labels, detections(20, [13]), STANDARD, 0.5).score, 0.5621241486044827, 'row 13, p = -0.25');
  });

  test('a missed window costs the fn weight of the profile', () => {
    assert.equal(scoreSeries(labels, detections(20, []), STANDARD, 0.5).score, -1);
    assert.equal(scoreSeries(labels, detections(20, []), LOW_FN, 0.5).score, -2);
  });

  test('a detection counts when its score reaches the threshold, not only when it passes it', () => {
    const scores = new Float64Array(20);
    scores[10] = 0.7;
    assert.equal(scoreSeries(labels, scores, STANDARD, 0.7).score, 1);
    assert.equal(scoreSeries(labels, scores, STANDARD, 0.7000001).score, -1);
  });

  test('probationary rows are ignored, and a window that ends in probation can be neither found nor missed', () => {
    const early = labelRows(series(20, [{ first: 0, last: 2 }]));
    assert.equal(scoreSeries(early, detections(20, [1]), STANDARD, 0.5).score, 0);
    assert.equal(scoreSeries(early, detections(20, []), STANDARD, 0.5).score, 0);
    // Rows 1-4, width 4; rows 3 and 4 are scored. Row 3 sits at p = -2/4: S(-0.5) / S(-1).
    const straddling = labelRows(series(20, [{ first: 1, last: 4 }]));
    close(scoreSeries(straddling, detections(20, [3]), STANDARD, 0.5).score, 0.8597925669097837, 'row 3 of 1-4');
    assert.equal(scoreSeries(straddling, detections(20, [2]), STANDARD, 0.5).score, -1);
  });

  test('corpus totals add the series', () => {
    const a = scoreSeries(labels, detections(20, [10]), STANDARD, 0.5);
    const b = scoreSeries(labels, detections(20, [5]), STANDARD, 0.5);
    const total = addOutcomes([a, b]);
    close(total.score, 1 - 1 - 0.11, 'total');
    assert.equal(total.found, 1);
    assert.equal(total.missed, 1);
  });
});

describe('threshold optimisation', () => {
  const labels = labelRows(series(20, [{ first: 10, last: 13 }]));

  test('picks the distinct score that maximises the total', () => {
    // Candidates: 1.1 -> -1 (missed); 0.9 -> -1.11 (row 5 is a false positive);
    // 0.8 -> -0.11 + S(-0.5)/S(-1) = 0.74979 (row 12 found); 0.7 -> 0.64126 (row 16 costs 0.10853);
    // 0 -> every row detected: far below.
    const scores = new Float64Array(20);
    scores[5] = 0.9;
    scores[12] = 0.8;
    scores[16] = 0.7;
    const best = optimiseThreshold([{ labels, scores }], STANDARD);
    assert.equal(best.threshold, 0.8);
    close(best.score, 0.7497925669097837, 'best total');
  });

  test('detects nothing when every detection would cost more than it earns', () => {
    // 60 rows, window 10-13: at 0.9 row 5 costs 0.11; at 0 the window earns 1 but the
    // 7 rows before it cost 0.77 and the 46 after it about 4.9.
    const long = labelRows(series(60, [{ first: 10, last: 13 }]));
    const scores = new Float64Array(60);
    scores[5] = 0.9;
    const best = optimiseThreshold([{ labels: long, scores }], STANDARD);
    assert.equal(best.threshold, NOTHING_DETECTED);
    assert.equal(best.score, -1);
  });

  test('keeps the higher threshold when a lower one scores the same', () => {
    // Row 12 at 0.8 adds nothing once row 10 at 0.9 has found the window.
    const scores = new Float64Array(20);
    scores[10] = 0.9;
    scores[12] = 0.8;
    assert.equal(optimiseThreshold([{ labels, scores }], STANDARD).threshold, 0.9);
  });

  test('sweeps the corpus as one: one threshold for all series', () => {
    // Alone, series b would pick 0.8 (its window); together the 0.6 that finds a's window wins
    // only if it pays for b's false positive at 0.6 too: 1 + 1 - 0.11 > 1 - 1.
    const other = labelRows(series(20, [{ first: 15, last: 16 }]));
    const a = new Float64Array(20);
    a[10] = 0.6;
    const b = new Float64Array(20);
    b[15] = 0.8;
    b[5] = 0.6;
    const best = optimiseThreshold([{ labels, scores: a }, { labels: other, scores: b }], STANDARD);
    assert.equal(best.threshold, 0.6);
    close(best.score, 1 + 1 - 0.11, 'corpus total');
  });

  test('refuses scores outside [0, 1]', () => {
    const scores = new Float64Array(20);
    scores[10] = 1.5;
    assert.throws(() => optimiseThreshold([{ labels, scores }], STANDARD), /not in \[0, 1\]/);
  });
});

describe('normalisation', () => {
  test('puts the null detector at 0 and the perfect one at 100', () => {
    assert.equal(normalise(-116, -116, 116), 0);
    assert.equal(normalise(116, -116, 116), 100);
    assert.equal(normalise(0, -116, 116), 50);
    assert.equal(normalise(-24.013105, -116, 116).toFixed(4), '39.6495');
  });

  test('perfect is every window found on its first row: the window count times the tp weight', () => {
    const corpus: Corpus = { series: [], windowCount: 116 };
    assert.equal(perfectScore(corpus, STANDARD), 116);
    assert.equal(perfectScore(corpus, { tp: 2, fp: 0.11, fn: 1 }), 232);
  });
});

describe('timestamps', () => {
  test('read NAB data and window timestamps as UTC', () => {
    assert.equal(parseTimestamp('2014-07-01 00:30:00'), Date.UTC(2014, 6, 1, 0, 30));
    assert.equal(parseTimestamp('2014-10-30 15:30:00.000000'), Date.UTC(2014, 9, 30, 15, 30));
    assert.throws(() => parseTimestamp('30/10/2014'), /not a NAB timestamp/);
  });
});
