/**
 * Compute jobs over real HTTP on an all-in-one Orbit with one worker thread: cancelling a
 * queued and a running job, the console's Cancel button, and a telemetry.spectrum job over
 * readings posted to /v1/telemetry.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTle } from '../../src/core/orbit/tle.ts';
import { eventually, expectJson, type OrbitChild, seedMission, startOrbit, tempDir } from '../support/orbit.ts';

let orbit: OrbitChild;
let data: { dir: string; remove(): Promise<void> };

before(async () => {
  data = await tempDir();
  // One worker thread, so one job runs at a time and the next one waits queued.
  orbit = await startOrbit({ dataDir: data.dir, env: { ORBIT_COMPUTE_WORKERS: '1' } });
  await seedMission(orbit, 'vib-1', { accel: { type: 'number', unit: 'g' }, 'accel-late': { type: 'number', unit: 'g' }, mode: { type: 'string' } });
  const tle = formatTle({ satnum: 90003, epoch: new Date('2026-11-27T00:00:00Z'), inclinationDeg: 51.6, raanDeg: 10, eccentricity: 0.0007, argPerigeeDeg: 30, meanAnomalyDeg: 40, meanMotionRevPerDay: 15.5, bstar: 0.0001 });
  await expectJson(orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'sat-1', missionId: 'm-vib-1', name: 'Sat', tle } }), 201);
});
after(async () => {
  await orbit?.stop();
  await data?.remove();
});


const job = (id: string) => expectJson(orbit.api(`/v1/jobs/${id}`), 200);
const submit = (body: unknown) => expectJson(orbit.api('/v1/jobs', { method: 'POST', json: body }), 202).then((r) => r.id as string);
/** 100,000 samples: seconds of work for one thread. */
const bigPropagation = (offsetSeconds = 0) => ({ type: 'orbit.propagate', params: { spacecraft: 'sat-1', from: Date.parse('2026-11-27T00:00:00Z') + offsetSeconds * 1000, to: Date.parse('2026-11-27T00:00:00Z') + (offsetSeconds + 99_999 * 3) * 1000, stepSeconds: 3 } });
const finished = (id: string) => eventually(async () => {
  const j = await job(id);
  return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
}, 120_000, `job ${id} finished`);

test('a running job is cancelled: it stops within a chunk, keeps the progress it made and has no result; again is the same answer, a finished job 409', async () => {
  const id = await submit(bigPropagation());
  const running = await eventually(async () => {
    const j = await job(id);
    return j.state === 'running' && j.progress > 0 ? j : undefined;
  }, 60_000, 'the job running');
  const cancelled = await expectJson(orbit.api(`/v1/jobs/${id}/cancel`, { method: 'POST' }), 200);
  assert.equal(cancelled.state, 'cancelled');
  assert.ok(cancelled.progress >= running.progress && cancelled.progress < 1);
  assert.equal((await expectJson(orbit.api(`/v1/jobs/${id}/cancel`, { method: 'POST' }), 200)).state, 'cancelled');
  const problem = await expectJson(orbit.api(`/v1/jobs/${id}/result`), 409);
  assert.match(problem.detail, /is cancelled: it has no result/);

  // The thread is free again at once: a small job after it runs and succeeds.
  const next = await submit({ type: 'orbit.propagate', params: { spacecraft: 'sat-1', from: '2026-11-27T00:00:00Z', to: '2026-11-27T00:10:00Z', stepSeconds: 60 } });
  const done = await finished(next);
  assert.equal(done.state, 'succeeded');
  const after = await job(id);
  assert.equal(after.state, 'cancelled');
  assert.equal(after.result, undefined);
  assert.ok(after.progress < 1, `it stopped at ${after.progress}`);
  await expectJson(orbit.api(`/v1/jobs/${next}/cancel`, { method: 'POST' }), 409);
});

test('a queued job that is cancelled never runs; the console shows a Cancel button while a job can be cancelled', async () => {
  const first = await submit(bigPropagation(7));
  const queued = await submit(bigPropagation(11));
  const viaConsole = await submit(bigPropagation(13));
  await eventually(async () => ((await job(first)).state === 'running' ? true : undefined), 60_000, 'the first job running');

  const cancelled = await expectJson(orbit.api(`/v1/jobs/${queued}/cancel`, { method: 'POST' }), 200);
  assert.equal(cancelled.state, 'cancelled');
  assert.equal(cancelled.startedAt, undefined, 'it had not started');

  const page = await (await orbit.api(`/console/jobs/${viaConsole}`)).text();
  assert.match(page, new RegExp(`<form method="post" action="/console/jobs/${viaConsole}/cancel"[^>]*><button type="submit">Cancel job</button>`));
  const posted = await orbit.api(`/console/jobs/${viaConsole}/cancel`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
  assert.equal(posted.status, 303);
  assert.equal(posted.headers.get('location'), `/console/jobs/${viaConsole}`);
  assert.doesNotMatch(await (await orbit.api(`/console/jobs/${viaConsole}`)).text(), /Cancel job/);

  assert.equal((await finished(first)).state, 'succeeded');
  // Their messages were taken and dropped after the first job: still cancelled, never started.
  const later = await submit({ type: 'orbit.propagate', params: { spacecraft: 'sat-1', from: '2026-11-27T00:00:00Z', to: '2026-11-27T00:01:00Z', stepSeconds: 60 } });
  assert.equal((await finished(later)).state, 'succeeded');
  for (const id of [queued, viaConsole]) {
    const j = await job(id);
    assert.equal(j.state, 'cancelled');
    assert.equal(j.startedAt, undefined);
  }
});

/** A seeded generator of normally distributed noise, so a failure can be reproduced. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

test('telemetry.spectrum over HTTP: 1.5 Hz and 7 Hz tones read back from the archive, the PSD integrating to the variance, and the delay between two channels', async () => {
  const rate = 50;
  const n = 3000;
  const t0 = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
  const signal = (t: number) => 2 * Math.sin(2 * Math.PI * 1.5 * (t / 1000)) + 0.5 * Math.sin(2 * Math.PI * 7 * (t / 1000) + 1);
  const noise = gaussian(5);
  // Irregular times: most readings 20 ms apart, one in eight 4 ms late. accel-late is accel 0.5 s later.
  const readings: { channel: string; time: number; value: number }[] = [];
  for (let i = 0; i < n; i++) {
    const time = t0 + (i * 1000) / rate + (i % 8 === 3 ? 4 : 0);
    const value = signal(time - t0) + 0.3 * noise();
    readings.push({ channel: 'accel', time, value }, { channel: 'accel-late', time: time + 500, value });
  }
  for (let i = 0; i < readings.length; i += 500) await expectJson(orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'vib-1', readings: readings.slice(i, i + 500) } }), 202);
  const stored = (channel: string) => expectJson(orbit.api(`/v1/telemetry/aggregate?spacecraft=vib-1&channel=${channel}&from=${t0 - 60_000}&to=${t0 + 600_000}&step=3600`), 200)
    .then((r) => r.buckets.reduce((sum: number, b: { count: number }) => sum + b.count, 0));
  await eventually(async () => ((await stored('accel')) === n && (await stored('accel-late')) === n ? true : undefined), 60_000, 'every reading archived');

  const refused = await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'telemetry.spectrum', params: { spacecraft: 'vib-1', channels: ['mode'], from: t0, to: t0 + 60_000, window: 'triangle' } } }), 400);
  assert.deepEqual(refused.errors.map((e: { pointer: string }) => e.pointer), ['/params/window']);
  const wrongType = await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'telemetry.spectrum', params: { spacecraft: 'vib-1', channels: ['mode'], from: t0, to: t0 + 60_000 } } }), 400);
  assert.match(wrongType.errors[0].detail, /"mode" is a string channel/);

  const id = await submit({ type: 'telemetry.spectrum', params: { spacecraft: 'vib-1', channels: ['accel', 'accel-late'], from: t0 - 1000, to: t0 + 61_000, segmentLength: 512, maxLagSeconds: 1.5 } });
  const done = await finished(id);
  assert.equal(done.state, 'succeeded', done.error);
  assert.equal(done.progress, 1);
  const s = done.result;
  assert.equal(s.sampleRateHz, rate, 'the median reading interval');
  assert.equal(s.sampleRateFrom, 'median interval');
  assert.equal(s.segmentLength, 512);
  assert.ok(s.segments >= 9, `${s.segments} segments`);
  const df = s.frequencyResolutionHz;
  for (const c of s.channels) {
    assert.ok(Math.abs(c.peakFrequencyHz - 1.5) <= df / 2 + 1e-9, `${c.channel} peaks at ${c.peakFrequencyHz} Hz`);
    assert.ok(Math.abs(c.variance / (2 + 0.125 + 0.09) - 1) < 0.08, `${c.channel} variance ${c.variance}`);
  }
  assert.deepEqual(s.pairs.map((p: { channels: string[] }) => p.channels), [['accel', 'accel-late']]);
  assert.ok(Math.abs(s.pairs[0].peakLagSeconds - 0.5) <= 1 / rate + 1e-9, `peak at ${s.pairs[0].peakLagSeconds} s`);

  // The rows, paged: PSD per channel, integrating to the variance (Parseval), with a line at 7 Hz.
  const rows: { frequencyHz?: number; psd?: number[]; lagSeconds?: number; correlation?: number[] }[] = [];
  let cursor: string | undefined;
  do {
    const page = await expectJson(orbit.api(`/v1/jobs/${id}/result?limit=100${cursor ? `&cursor=${cursor}` : ''}`), 200);
    rows.push(...page.rows);
    cursor = page.next;
  } while (cursor);
  assert.equal(rows.length, s.rows);
  const psd = rows.filter((r) => r.psd);
  assert.equal(psd.length, 257);
  const lags = rows.filter((r) => r.correlation);
  assert.equal(lags.length, 2 * Math.round(1.5 * rate) + 1);
  for (const [i, c] of s.channels.entries()) {
    const integral = psd.reduce((sum, r) => sum + r.psd![i]!, 0) * df;
    assert.ok(Math.abs(integral / c.variance - 1) < 0.03, `${c.channel}: integral ${integral}, variance ${c.variance}`);
    const at = (hz: number) => psd[Math.round(hz / df)]!.psd![i]!;
    assert.ok(at(7) > 50 * at(12), 'the 7 Hz line stands above the noise');
  }
  const best = lags.reduce((a, b) => (b.correlation![0]! > a.correlation![0]! ? b : a));
  assert.ok(Math.abs(best.lagSeconds! - 0.5) <= 1 / rate + 1e-9);

  const ndjson = await orbit.api(`/v1/jobs/${id}/result`, { headers: { accept: 'application/x-ndjson' } });
  assert.match(ndjson.headers.get('content-type')!, /^application\/x-ndjson/);
  assert.deepEqual((await ndjson.text()).trimEnd().split('\n').map((l) => JSON.parse(l)), rows);

  const spec = await expectJson(orbit.api('/openapi.json'), 200);
  const body = spec.paths['/v1/jobs'].post.requestBody.content['application/json'].schema;
  const types = JSON.stringify(body);
  for (const type of ['orbit.propagate', 'telemetry.spectrum']) assert.ok(types.includes(`"${type}"`), `the body documents ${type}`);
  for (const path of ['/v1/jobs/{id}/cancel', '/v1/jobs/{id}/result']) assert.ok(spec.paths[path], path);
});
