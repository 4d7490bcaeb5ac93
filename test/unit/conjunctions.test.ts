/**
 * Conjunction screening against a brute-force search (every pair, exact SGP4 at 5 s,
 * golden-section refinement) on 300 catalogue objects launched together or near each
 * other in 2022, and on two synthetic objects whose meetings are known exactly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sgp4, twoline2satrec } from 'satellite.js';
import { formatTle, splitTleText } from '../../src/core/orbit/tle.ts';
import { screenConjunctions } from '../../src/core/orbit/conjunctions/screen.ts';
import { screenConjunctionsInParallel } from '../../src/core/orbit/conjunctions/parallel.ts';
import { bruteForceConjunctions, compareWithBruteForce } from '../../src/core/orbit/conjunctions/brute-force.ts';
import { crowdedSample } from '../../src/core/orbit/conjunctions/sample.ts';

const CATALOGUE = path.resolve(import.meta.dirname, '../../../shared/data/tle/catalog-2022-08.tle');
const FROM = Date.UTC(2022, 7, 10);
const HOUR = 3_600_000;

describe('conjunction screening against brute force on 300 objects', () => {
  const sample = crowdedSample(splitTleText(readFileSync(CATALOGUE, 'utf8')), 300);
  // 20 km gives the sample a few dozen encounters in 3 h (2 km gives two).
  const options = { fromMs: FROM, toMs: FROM + 3 * HOUR, thresholdKm: 20 };
  const screened = screenConjunctions(sample, options);

  test('finds the same conjunctions, with miss distance and time of closest approach within 10 m', () => {
    assert.equal(sample.length, 300);
    const brute = bruteForceConjunctions(sample, options);
    assert.ok(brute.conjunctions.length >= 20, `the sample should hold encounters to compare (brute force found ${brute.conjunctions.length})`);
    const agreement = compareWithBruteForce(screened.conjunctions, brute, options.thresholdKm);
    assert.deepEqual(agreement.missed, []);
    assert.deepEqual(agreement.extra, []);
    assert.equal(agreement.matched, brute.conjunctions.length);
    assert.ok(agreement.maxMissDifferenceKm < 0.01, `miss distances differ by up to ${agreement.maxMissDifferenceKm} km`);
    assert.ok(agreement.maxTcaDifferenceKm < 0.01, `times of closest approach differ by up to ${agreement.maxTcaDifferenceKm} km of relative motion`);
    for (const c of screened.conjunctions) {
      assert.ok(c.missDistanceKm < options.thresholdKm);
      assert.ok(c.tca.getTime() >= options.fromMs && c.tca.getTime() <= options.toMs);
      assert.ok(c.primary.satnum !== c.secondary.satnum);
    }
  });

  test('worker threads find exactly what one thread finds', async () => {
    const parallel = await screenConjunctionsInParallel(sample, options, { threads: 2 });
    assert.deepEqual(parallel.conjunctions, screened.conjunctions);
    assert.deepEqual(parallel.failures, screened.failures);
  });

  test('objects SGP4 cannot propagate over the window are reported and the rest screened', () => {
    // Recent launches include objects that decayed before the window.
    const failed = new Set(screened.failures.map((f) => f.satnum));
    assert.equal(screened.screened + failed.size, sample.length);
    for (const f of screened.failures) assert.match(f.reason, /SGP4 error \d/);
    for (const c of screened.conjunctions) assert.ok(!failed.has(c.primary.satnum) && !failed.has(c.secondary.satnum));
  });
});

describe('conjunction screening of synthetic encounters', () => {
  // B is A mirrored through the x-z plane (inclination 180° − i, the node on +x): SGP4's
  // near-earth model is symmetric under that reflection, so B is always A with y negated
  // and the two meet (miss distance 0) exactly when A crosses the x-z plane.
  const epoch = new Date(FROM);
  const elements = { epoch, raanDeg: 0, eccentricity: 0.001, argPerigeeDeg: 30, meanAnomalyDeg: 10, meanMotionRevPerDay: 15.2, bstar: 0 };
  const [a1, a2] = formatTle({ satnum: 90001, inclinationDeg: 50, ...elements });
  const [b1, b2] = formatTle({ satnum: 90002, inclinationDeg: 130, ...elements });
  const [c1, c2] = formatTle({ satnum: 90003, inclinationDeg: 50, ...elements, raanDeg: 90 });

  /** The times in the window at which A's y crosses zero, by bisection on SGP4's y. */
  function crossings(fromMs: number, toMs: number): number[] {
    const satrec = twoline2satrec(a1, a2);
    const y = (ms: number): number => {
      const r = sgp4(satrec, (ms - FROM) / 60_000);
      if (!r) throw new Error('SGP4 failed');
      return r.position.y;
    };
    const times: number[] = [];
    for (let t = fromMs; t < toMs; t += 10_000) {
      let lo = t;
      let hi = t + 10_000;
      if (Math.sign(y(lo)) === Math.sign(y(hi))) continue;
      while (hi - lo > 0.01) {
        const mid = (lo + hi) / 2;
        if (Math.sign(y(mid)) === Math.sign(y(lo))) lo = mid;
        else hi = mid;
      }
      times.push((lo + hi) / 2);
    }
    return times;
  }

  test('two objects on crossing orbits are found at each meeting, at the right time', () => {
    const fromMs = FROM + 0.5 * HOUR;
    const toMs = FROM + 4 * HOUR;
    const sets = [
      { name: 'A', line1: a1, line2: a2 },
      { name: 'B', line1: b1, line2: b2 },
      { name: 'C', line1: c1, line2: c2 },
    ];
    const options = { fromMs, toMs, thresholdKm: 1 };
    const result = screenConjunctions(sets, options);
    const expected = crossings(fromMs, toMs);
    assert.ok(expected.length >= 4, `A should cross the x-z plane twice an orbit, over 2.2 orbits (found ${expected.length})`);
    const ab = result.conjunctions.filter((c) => c.primary.name === 'A' && c.secondary.name === 'B');
    assert.equal(ab.length, expected.length);
    ab.forEach((c, k) => {
      assert.equal(c.primary.satnum, 90001);
      assert.equal(c.secondary.satnum, 90002);
      assert.ok(Math.abs(c.tca.getTime() - expected[k]) <= 2, `meeting ${k}: TCA ${c.tca.toISOString()} vs ${new Date(expected[k]).toISOString()}`);
      assert.ok(c.missDistanceKm < 0.01, `meeting ${k}: miss distance ${c.missDistanceKm} km`);
      // Mirrored velocities: the relative velocity is twice A's y velocity, about 2·7.6·sin 50° km/s near the nodes.
      assert.ok(c.relativeSpeedKmS > 5 && c.relativeSpeedKmS < 16, `meeting ${k}: relative speed ${c.relativeSpeedKmS}`);
    });
    // C crosses A's orbit elsewhere; whatever it meets, brute force meets too.
    const agreement = compareWithBruteForce(result.conjunctions, bruteForceConjunctions(sets, options), options.thresholdKm);
    assert.deepEqual([agreement.missed, agreement.extra], [[], []]);
    assert.equal(agreement.matched, result.conjunctions.length);
  });

  test('a set that does not parse and one that decays are reported, not fatal', () => {
    // 16.4 rev/day is ~270 km up; with this much drag SGP4 brings it down within the day.
    const decaying = formatTle({ satnum: 90004, inclinationDeg: 51.6, ...elements, meanMotionRevPerDay: 16.4, bstar: 0.05 });
    const result = screenConjunctions(
      [
        { name: 'A', line1: a1, line2: a2 },
        { name: 'B', line1: b1, line2: b2 },
        { name: 'BROKEN', line1: a1.slice(0, 40), line2: a2 },
        { name: 'DECAYING', line1: decaying[0], line2: decaying[1] },
      ],
      { fromMs: FROM, toMs: FROM + 24 * HOUR, thresholdKm: 1 },
    );
    assert.ok(result.conjunctions.some((c) => c.primary.name === 'A' && c.secondary.name === 'B'));
    const broken = result.failures.find((f) => f.name === 'BROKEN');
    assert.ok(broken, 'the malformed set is reported');
    assert.match(broken.reason, /invalid TLE/);
    const decayed = result.failures.find((f) => f.name === 'DECAYING');
    assert.ok(decayed, 'the decaying object is reported');
    assert.match(decayed.reason, /SGP4 error/);
    assert.ok(decayed.at && decayed.at.getTime() > FROM, 'it is screened until it fails');
    assert.equal(result.objects, 4);
  });
});
