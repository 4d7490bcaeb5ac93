import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPropagator, Sgp4Error } from '../../src/core/orbit/sgp4.ts';
import { parseTle } from '../../src/core/orbit/tle.ts';
import { createPropagationPool, propagateOnPool, toResult, type PropagationPool } from '../../src/components/compute/propagate.ts';
import { decodeStates, encodeStates } from '../../src/components/compute/result-codec.ts';

const ISS1 = '1 25544U 98067A   19156.50900463  .00003075  00000-0  59442-4 0  9992';
const ISS2 = '2 25544  51.6433  59.2583 0008217  16.4489 347.6017 15.51174618173442';
// Vallado's 28872: decays between 50 and 55 minutes after epoch (SGP4 error 6).
const DECAY1 = '1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  1534';
const DECAY2 = '2 28872  96.4736 157.9986 0303955 244.0492 110.6523 16.46015938 10708';
// Vallado's 33334: perturbed eccentricity out of range already at epoch (error 3).
const BROKEN1 = '1 33334U 78066F   06174.85818871  .00000620  00000-0  10000-3 0  6809';
const BROKEN2 = '2 33334  68.4714 236.1303 5602877 123.7484 302.5767  0.00001000 67521';

let pool: PropagationPool;
before(async () => {
  pool = createPropagationPool(2);
  await pool.start();
});
after(() => pool.close());

test('the pool computes the same states as an in-thread propagator, in time order', async () => {
  const fromMs = Date.parse('2019-06-05T12:00:00Z');
  const table = await propagateOnPool(pool, { line1: ISS1, line2: ISS2, fromMs, toMs: fromMs + 5_000 * 1000, stepMs: 1000 });
  const result = toResult(table);
  assert.equal(result.frame, 'TEME');
  assert.equal(result.samples.length, 5_001, 'both ends of the range are sampled');
  const propagate = createPropagator(ISS1, ISS2);
  for (const index of [0, 999, 1000, 2500, 5000]) {
    const sample = result.samples[index];
    const time = new Date(fromMs + index * 1000);
    assert.equal(sample.time, time.toISOString());
    const { time: _time, ...expected } = propagate(time);
    const { time: _t, ...actual } = sample;
    assert.deepEqual(actual, expected, `sample ${index}`);
  }
  for (let i = 1; i < result.samples.length; i++) assert.ok(result.samples[i].time > result.samples[i - 1].time);
  // Kept in the jobs table as base64 float64: stored and read back bit for bit.
  const stored = JSON.parse(JSON.stringify(encodeStates(table)));
  assert.deepEqual(toResult(decodeStates(stored)), result);
});

test('progress rises from 0 to 1 as chunks complete', async () => {
  const fromMs = Date.parse('2019-06-05T12:00:00Z');
  const progress: number[] = [];
  await propagateOnPool(pool, { line1: ISS1, line2: ISS2, fromMs, toMs: fromMs + 3 * 86_400_000, stepMs: 30_000 }, (f) => progress.push(f));
  assert.equal(progress[0], 0);
  assert.equal(progress.at(-1), 1);
  assert.ok(progress.length >= 4, `reported once per chunk, got ${progress.length} reports`);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i] > progress[i - 1], `progress went ${progress[i - 1]} -> ${progress[i]}`);
});

test('a decaying orbit fails with the Sgp4Error of the first sample SGP4 cannot compute', async () => {
  const epoch = parseTle(DECAY1, DECAY2).epoch.getTime();
  const progress: number[] = [];
  await assert.rejects(
    propagateOnPool(pool, { line1: DECAY1, line2: DECAY2, fromMs: epoch, toMs: epoch + 2 * 3_600_000, stepMs: 1000 }, (f) => progress.push(f)),
    (error: unknown) => {
      assert.ok(error instanceof Sgp4Error, `got ${String(error)}`);
      assert.equal(error.code, 6);
      assert.match(error.message, /^SGP4 error 6 for satellite 28872 at [\d.]+ min from epoch: the satellite has decayed/);
      // The failing sample is the first one: a second earlier still propagates.
      assert.ok(error.minutesSinceEpoch > 50 && error.minutesSinceEpoch <= 55, `failed at ${error.minutesSinceEpoch} min`);
      const propagate = createPropagator(DECAY1, DECAY2);
      assert.doesNotThrow(() => propagate(new Date(epoch + error.minutesSinceEpoch * 60_000 - 1000)));
      return true;
    },
  );
  assert.ok(progress.at(-1)! < 1);
});

test('elements SGP4 rejects at epoch fail the whole propagation', async () => {
  const fromMs = Date.parse('2006-06-23T00:00:00Z');
  await assert.rejects(
    propagateOnPool(pool, { line1: BROKEN1, line2: BROKEN2, fromMs, toMs: fromMs + 60_000, stepMs: 1000 }),
    (error: unknown) => error instanceof Sgp4Error && error.code === 3 && /perturbed eccentricity/.test(error.message),
  );
});

test('jobs running at the same time share the pool and each gets its own states', async () => {
  const fromMs = Date.parse('2019-06-05T12:00:00Z');
  const plans = [0, 1, 2].map((k) => ({ line1: ISS1, line2: ISS2, fromMs: fromMs + k * 3_600_000, toMs: fromMs + k * 3_600_000 + 2_000_000, stepMs: 1000 }));
  const results = await Promise.all(plans.map(async (plan) => toResult(await propagateOnPool(pool, plan))));
  results.forEach((result, k) => {
    assert.equal(result.samples.length, 2001);
    assert.equal(result.samples[0].time, new Date(plans[k].fromMs).toISOString());
  });
  assert.deepEqual(pool.stats(), { size: 2, busy: 0, queued: 0 });
});
