import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPropagator } from '../../src/core/orbit/sgp4.ts';
import { parseTle } from '../../src/core/orbit/tle.ts';
import { propagateJob, type StoredPropagateParams } from '../../src/components/compute/jobs/propagate.ts';
import { chunksOf, type PropagationPlan } from '../../src/components/compute/plan.ts';
import { WorkerPool, WorkerTaskError } from '../../src/components/compute/pool.ts';
import type { Sample } from '../../src/components/compute/propagate.ts';
import { runChunks, type ChunkTask, type ComputePool } from '../../src/components/compute/runner-chunks.ts';

const ISS1 = '1 25544U 98067A   19156.50900463  .00003075  00000-0  59442-4 0  9992';
const ISS2 = '2 25544  51.6433  59.2583 0008217  16.4489 347.6017 15.51174618173442';
// Vallado's 28872: decays between 50 and 55 minutes after epoch (SGP4 error 6).
const DECAY1 = '1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  1534';
const DECAY2 = '2 28872  96.4736 157.9986 0303955 244.0492 110.6523 16.46015938 10708';
// Vallado's 33334: perturbed eccentricity out of range already at epoch (error 3).
const BROKEN1 = '1 33334U 78066F   06174.85818871  .00000620  00000-0  10000-3 0  6809';
const BROKEN2 = '2 33334  68.4714 236.1303 5602877 123.7484 302.5767  0.00001000 67521';

let pool: ComputePool;
before(async () => {
  pool = new WorkerPool<ChunkTask, unknown>(new URL('../../src/components/compute/worker.ts', import.meta.url), 2);
  await pool.start();
});
after(() => pool.close());

/** An orbit.propagate job's chunks on the pool, assembled into parts, stored as JSON and read back as the API's rows. */
async function propagateOnPool(p: ComputePool, plan: PropagationPlan, onProgress?: (fraction: number) => void): Promise<{ frame: string; samples: Sample[] }> {
  const outputs = await runChunks(p, propagateJob, chunksOf(plan), { ...(onProgress && { onProgress }) });
  const params: StoredPropagateParams = { spacecraft: 'x', from: new Date(plan.fromMs).toISOString(), to: new Date(plan.toMs).toISOString(), stepSeconds: plan.stepMs / 1000, tle: [plan.line1, plan.line2] };
  const { summary, parts } = propagateJob.assemble(params, outputs, undefined);
  const stored = JSON.parse(JSON.stringify(parts)) as typeof parts;
  const samples = stored.flatMap((part) => propagateJob.rows(part, params) as Sample[]);
  assert.equal(summary.rows, samples.length);
  return { frame: (summary as unknown as { frame: string }).frame, samples };
}

/** An SGP4 error from a worker thread keeps its name, code and time. */
const isSgp4Error = (error: unknown, code: number): error is WorkerTaskError & { details: { minutesSinceEpoch: number } } =>
  error instanceof WorkerTaskError && error.name === 'Sgp4Error' && error.details.code === code;

test('the pool computes the same states as an in-thread propagator, in time order', async () => {
  const fromMs = Date.parse('2019-06-05T12:00:00Z');
  const result = await propagateOnPool(pool, { line1: ISS1, line2: ISS2, fromMs, toMs: fromMs + 5_000 * 1000, stepMs: 1000 });
  assert.equal(result.frame, 'TEME');
  assert.equal(result.samples.length, 5_001, 'both ends of the range are sampled');
  const propagate = createPropagator(ISS1, ISS2);
  for (const index of [0, 999, 1000, 2500, 5000]) {
    const sample = result.samples[index]!;
    const time = new Date(fromMs + index * 1000);
    assert.equal(sample.time, time.toISOString());
    const { time: _time, ...expected } = propagate(time);
    const { time: _t, ...actual } = sample;
    assert.deepEqual(actual, expected, `sample ${index}`);
  }
  for (let i = 1; i < result.samples.length; i++) assert.ok(result.samples[i]!.time > result.samples[i - 1]!.time);
});

test('progress rises to 1 as chunks complete, in proportion to their samples', async () => {
  const fromMs = Date.parse('2019-06-05T12:00:00Z');
  const progress: number[] = [];
  await propagateOnPool(pool, { line1: ISS1, line2: ISS2, fromMs, toMs: fromMs + 3 * 86_400_000, stepMs: 30_000 }, (f) => progress.push(f));
  assert.ok(progress[0]! > 0);
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
      assert.ok(isSgp4Error(error, 6), `got ${String(error)}`);
      assert.match(error.message, /^SGP4 error 6 for satellite 28872 at [\d.]+ min from epoch: the satellite has decayed/);
      // The failing sample is the first one: a second earlier still propagates.
      const minutes = error.details.minutesSinceEpoch;
      assert.ok(minutes > 50 && minutes <= 55, `failed at ${minutes} min`);
      const propagate = createPropagator(DECAY1, DECAY2);
      assert.doesNotThrow(() => propagate(new Date(epoch + minutes * 60_000 - 1000)));
      return true;
    },
  );
  assert.ok(progress.at(-1)! < 1);
});

test('elements SGP4 rejects at epoch fail the whole propagation', async () => {
  const fromMs = Date.parse('2006-06-23T00:00:00Z');
  await assert.rejects(
    propagateOnPool(pool, { line1: BROKEN1, line2: BROKEN2, fromMs, toMs: fromMs + 60_000, stepMs: 1000 }),
    (error: unknown) => isSgp4Error(error, 3) && /perturbed eccentricity/.test(error.message),
  );
});

test('jobs running at the same time share the pool and each gets its own states', async () => {
  const fromMs = Date.parse('2019-06-05T12:00:00Z');
  const plans = [0, 1, 2].map((k) => ({ line1: ISS1, line2: ISS2, fromMs: fromMs + k * 3_600_000, toMs: fromMs + k * 3_600_000 + 2_000_000, stepMs: 1000 }));
  const results = await Promise.all(plans.map((plan) => propagateOnPool(pool, plan)));
  results.forEach((result, k) => {
    assert.equal(result.samples.length, 2001);
    assert.equal(result.samples[0]!.time, new Date(plans[k]!.fromMs).toISOString());
  });
  assert.deepEqual(pool.stats(), { size: 2, busy: 0, queued: 0 });
});
