/**
 * NAB's windowed Gaussian detector, on series short enough to follow by hand, and
 * against a direct transcription of NAB's definition (a list of past values, refitted
 * from scratch) on random series.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { erfc, normalTail } from '../../src/core/anomaly/gaussian-tail.ts';
import { WindowedGaussianDetector } from '../../src/core/anomaly/windowed-gaussian.ts';

const run = (detector: { score(t: number, v: number): number }, values: number[]) => values.map((v, i) => detector.score(i * 1000, v));

describe('normal tail', () => {
  test('erfc agrees with C to 1e-13 relative, far into the tail', () => {
    // glibc's erfc, printed to 17 digits.
    const reference: [number, number][] = [
      [0, 1],
      [0.1, 8.8753708398171516e-1],
      [0.5, 4.7950012218695348e-1],
      [1, 1.5729920705028513e-1],
      [2, 4.6777349810472654e-3],
      [3, 2.2090496998585438e-5],
      [5, 1.5374597944280351e-12],
      [8, 1.1224297172982928e-29],
      [10, 2.0884875837625449e-45],
      [26, 5.6631924088561432e-296],
      [-1, 1.8427007929497148],
    ];
    for (const [x, expected] of reference) assert.ok(Math.abs(erfc(x) - expected) <= 1e-13 * expected, `erfc(${x}) = ${erfc(x)}, expected ${expected}`);
  });

  test('Q is a half at the mean and symmetric', () => {
    assert.equal(normalTail(0), 0.5);
    assert.ok(Math.abs(normalTail(-1.5) + normalTail(1.5) - 1) < 1e-15);
  });
});

describe('windowed Gaussian detector', () => {
  test('scores a hand-worked series with window 4, step 2', () => {
    // 10: nothing seen yet, 0. 10: the fit is [10], std 0 -> 1e-6, z = 0, 1 - Q(0) = 0.5.
    // 12: fit [10, 10], z = 2e6, 1. 8: fit [10, 10, 12], mean 32/3, std 0.9428, z = 2.828.
    // The window is now full ([10, 10, 12, 8]: mean 10, std sqrt 2). 11 and 9 wait in the
    // step buffer and are scored against it: z = 0.7071 each. Then the window moves to
    // [12, 8, 11, 9] (std sqrt 2.5), and 13 scores z = 1.897.
    const scores = run(new WindowedGaussianDetector({ window: 4, step: 2 }), [10, 10, 12, 8, 11, 9, 13]);
    const expected = [0, 0.5, 1, 0.9976611325094764, 0.7602499389065233, 0.7602499389065233, 0.9711102144382013];
    scores.forEach((s, i) => assert.ok(Math.abs(s - expected[i]!) < 1e-12, `reading ${i}: ${s}, expected ${expected[i]}`));
  });

  test('agrees with NAB\'s definition, refitted from a list of past values, on random series', () => {
    /** NAB's windowedGaussian_detector.py, transcribed: the list, the step buffer and the refit. */
    function nabReference(values: number[], windowSize: number, stepSize: number): number[] {
      let window: number[] = [];
      let buffer: number[] = [];
      let mean = 0;
      let std = 1;
      const refit = () => {
        mean = window.reduce((a, b) => a + b, 0) / window.length;
        std = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / window.length) || 0.000001;
      };
      return values.map((x) => {
        let score = 0;
        if (window.length) score = 1 - normalTail(((x < mean ? 2 * mean - x : x) - mean) / std);
        if (window.length < windowSize) {
          window.push(x);
          refit();
        } else {
          buffer.push(x);
          if (buffer.length === stepSize) {
            window = [...window.slice(stepSize), ...buffer];
            buffer = [];
            refit();
          }
        }
        return score;
      });
    }
    fc.assert(
      fc.property(
        // Readings at a resolution of 0.01, as telemetry comes: subnormal values would only
        // measure how two ways of summing underflow.
        fc.array(fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100), { minLength: 1, maxLength: 400, size: 'max' }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        (values, windowSize, stepSeed) => {
          const step = 1 + (stepSeed % windowSize);
          const ours = run(new WindowedGaussianDetector({ window: windowSize, step }), values);
          const reference = nabReference(values, windowSize, step);
          ours.forEach((s, i) => {
            assert.ok(s >= 0 && s <= 1, `score ${s} outside [0, 1]`);
            // Welford's running fit and the from-scratch one differ in the last bits only.
            assert.ok(Math.abs(s - reference[i]!) < 1e-9, `reading ${i}: ${s}, NAB ${reference[i]}`);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a flat series scores nothing until a reading departs from it, then 1', () => {
    const scores = run(new WindowedGaussianDetector({ window: 50, step: 10 }), [...Array(30).fill(5), 5.001]);
    assert.deepEqual(scores.slice(1, 30), Array(29).fill(0.5));
    assert.equal(scores[30], 1);
  });

  test('forgets what left the window: a level shift stops scoring once the window holds only the new level', () => {
    const detector = new WindowedGaussianDetector({ window: 20, step: 5 });
    const noise = (i: number) => Math.sin(i * 12.9898) * 0.1;
    run(detector, Array.from({ length: 40 }, (_, i) => noise(i)));
    const shifted = Array.from({ length: 40 }, (_, i) => 10 + noise(i + 40));
    const scores = run(detector, shifted);
    assert.ok(scores[0]! > 0.999, `first reading at the new level: ${scores[0]}`);
    assert.ok(scores[39]! < 0.99, `after the window moved past the shift: ${scores[39]}`);
  });

  test('refuses a window or step that cannot work', () => {
    assert.throws(() => new WindowedGaussianDetector({ window: 0 }), RangeError);
    assert.throws(() => new WindowedGaussianDetector({ window: 10, step: 11 }), RangeError);
    assert.throws(() => new WindowedGaussianDetector({ window: 10, step: 1.5 }), RangeError);
  });
});
