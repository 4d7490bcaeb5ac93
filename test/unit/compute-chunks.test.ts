/**
 * A job's chunks on the worker-thread pool, by way of the telemetry.spectrum type with an
 * archive in memory: progress by weight, cancellation dropping queued chunks, and the
 * plans that cannot run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spectrumJob, type StoredSpectrumParams } from '../../src/components/compute/jobs/spectrum.ts';
import { JobFailure, type ReadingSource, type RunContext } from '../../src/components/compute/kind.ts';
import { WorkerPool } from '../../src/components/compute/pool.ts';
import { runChunks, type ChunkTask, type ComputePool } from '../../src/components/compute/runner-chunks.ts';
import type { MissionCatalog } from '../../src/stores/missions/catalog.ts';

let pool: ComputePool;
before(async () => {
  pool = new WorkerPool<ChunkTask, unknown>(new URL('../../src/components/compute/worker.ts', import.meta.url), 2);
  await pool.start();
});
after(() => pool.close());

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** An archive of channels given as (time, value) arrays. */
function archive(channels: Record<string, { times: number[]; values: number[] }>): ReadingSource {
  return {
    async *columns(q) {
      const c = channels[q.channel] ?? { times: [], values: [] };
      const keep = c.times.map((t, i) => [t, c.values[i]!] as const).filter(([t]) => t >= (q.from ?? -Infinity) && t <= (q.to ?? Infinity));
      yield { times: keep.map(([t]) => t), values: keep.map(([, v]) => v) };
    },
  };
}

const tone = (hz: number, n: number, intervalMs: number, start = T0) => ({
  times: Array.from({ length: n }, (_, i) => start + i * intervalMs),
  values: Array.from({ length: n }, (_, i) => Math.sin(2 * Math.PI * hz * ((i * intervalMs) / 1000))),
});

const params = (channels: string[], over: Partial<StoredSpectrumParams> = {}): StoredSpectrumParams => ({
  spacecraft: 's', channels, units: channels.map(() => null), from: new Date(T0).toISOString(), to: new Date(T0 + 3_600_000).toISOString(),
  segmentLength: 256, overlap: 0.5, window: 'hann', detrend: 'mean', ...over,
});

const ctx = (telemetry: ReadingSource, maxSamples = 100_000): RunContext => ({ telemetry, maxSamples, catalog: undefined as unknown as MissionCatalog });

test('progress rises with every chunk, by its weight, to 1; the outputs assemble into the result', async () => {
  const source = archive({ a: tone(2, 20_000, 10), b: tone(5, 20_000, 10), c: tone(11, 20_000, 10) });
  const p = params(['a', 'b', 'c']);
  const { chunks, context } = await spectrumJob.plan(p, ctx(source));
  assert.equal(chunks.length, 6, 'a PSD per channel and a correlation per pair');
  const progress: number[] = [];
  const outputs = await runChunks(pool, spectrumJob, chunks, { onProgress: (f) => progress.push(f) });
  assert.equal(progress.length, 6);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! > progress[i - 1]!);
  assert.equal(progress.at(-1), 1);
  const weights = chunks.map((c) => spectrumJob.weight!(c));
  assert.ok(weights[3]! > weights[0]!, 'a correlation weighs more than a PSD of the same series');

  const { summary, parts } = spectrumJob.assemble(p, outputs, context);
  const s = summary as unknown as { rows: number; psdRows: number; channels: { peakFrequencyHz: number }[]; frequencyResolutionHz: number };
  assert.deepEqual(s.channels.map((c) => Math.round(c.peakFrequencyHz / s.frequencyResolutionHz) * s.frequencyResolutionHz).map((f) => Math.round(f)), [2, 5, 11]);
  assert.equal(parts.reduce((n, part) => n + part.count, 0), s.rows);
  assert.equal(s.psdRows, 129);
});

test('a cancelled job stops taking chunks: those not yet on a thread are dropped and the run rejects with the reason', async () => {
  const source = archive({ a: tone(2, 60_000, 10), b: tone(5, 60_000, 10), c: tone(7, 60_000, 10), d: tone(9, 60_000, 10) });
  const p = params(['a', 'b', 'c', 'd'], { to: new Date(T0 + 7_200_000).toISOString() });
  const { chunks } = await spectrumJob.plan(p, ctx(source));
  assert.equal(chunks.length, 10);
  const cancel = new AbortController();
  const reason = new Error('cancelled');
  // Another job's chunks queue on the same pool meanwhile; they are not touched.
  const other = runChunks(pool, spectrumJob, chunks.slice(0, 4));
  let reports = 0;
  await assert.rejects(runChunks(pool, spectrumJob, chunks, {
    signal: cancel.signal,
    onProgress: () => {
      reports++;
      cancel.abort(reason);
    },
  }), (error) => error === reason);
  assert.ok(reports < chunks.length, `${reports} chunks ran of ${chunks.length}`);
  assert.equal((await other).length, 4);
  assert.deepEqual(pool.stats(), { size: 2, busy: 0, queued: 0 });
});

test('a spectrum that cannot be computed fails with a JobFailure that says why', async () => {
  const fails = async (source: ReadingSource, p: StoredSpectrumParams, pattern: RegExp, maxSamples?: number) =>
    assert.rejects(spectrumJob.plan(p, ctx(source, maxSamples)), (error) => error instanceof JobFailure && pattern.test(error.message));
  await fails(archive({ a: tone(1, 1, 10) }), params(['a']), /channel "a" has 1 number reading/);
  await fails(archive({ a: tone(1, 100, 10), b: tone(1, 100, 10, T0 + 60_000) }), params(['a', 'b']), /no stretch of time with readings in common/);
  await fails(archive({ a: tone(1, 5000, 10) }), params(['a']), /5000 samples per channel .* at most 1000 are allowed \(ORBIT_COMPUTE_MAX_SAMPLES\)/, 1000);
  await fails(archive({ a: tone(1, 10, 10) }), params(['a']), /holds 10 samples per channel; a spectrum needs at least 16/);
  await fails(archive({ a: tone(1, 1001, 10) }), params(['a'], { sampleRateHz: 0.1 }), /channel "a" has more than 1000 readings .* \(10 × ORBIT_COMPUTE_MAX_SAMPLES\): ask for a shorter range/, 100);
  // Given a rate, the grid is at that rate, whatever the readings' spacing.
  const { context } = await spectrumJob.plan(params(['a'], { sampleRateHz: 20 }), ctx(archive({ a: tone(1, 5000, 10) })));
  assert.equal((context as { intervalMs: number }).intervalMs, 50);
});
