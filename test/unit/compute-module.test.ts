/**
 * The compute target on the embedded engines: POST /v1/jobs to the final state in the
 * jobs table and on compute.results, without the rest of the system.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/platform/config.ts';
import { createHttpServer, type HttpServer } from '../../src/platform/http.ts';
import type { Running } from '../../src/platform/modules.ts';
import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { migrate } from '../../src/engines/sql/migrate.ts';
import { EmbeddedTaskQueue } from '../../src/engines/queue/embedded.ts';
import { EmbeddedEventLog } from '../../src/engines/events/embedded.ts';
import { QUEUE_OPTIONS, QUEUES, TOPICS } from '../../src/core/messages.ts';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { IdempotencyStore } from '../../src/stores/idempotency/store.ts';
import { JobStore } from '../../src/stores/jobs/store.ts';
import { TelemetryStore } from '../../src/stores/telemetry/store.ts';
import { mountModule } from '../support/modules.ts';
import { createPropagator } from '../../src/core/orbit/sgp4.ts';
import { computeModule } from '../../src/components/compute/module.ts';
import type { JobFinishedEvent } from '../../src/components/compute/runner.ts';

const ISS = ['1 25544U 98067A   19156.50900463  .00003075  00000-0  59442-4 0  9992', '2 25544  51.6433  59.2583 0008217  16.4489 347.6017 15.51174618173442'];
const DECAYING = ['1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  1534', '2 28872  96.4736 157.9986 0303955 244.0492 110.6523 16.46015938 10708'];

let dir: string;
let sql: PgliteStore;
let queue: EmbeddedTaskQueue;
let events: EmbeddedEventLog;
let http: HttpServer;
let running: Running<unknown>;
let stopped = false;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orbit-compute-'));
  sql = await PgliteStore.open();
  await migrate(sql);
  await sql.query(`INSERT INTO missions (id, name) VALUES ('m1', 'Mission')`);
  await sql.query(
    `INSERT INTO spacecraft (id, mission_id, name, tle_line1, tle_line2) VALUES
     ('iss', 'm1', 'ISS', $1, $2), ('falling', 'm1', 'Decaying', $3, $4), ('probe', 'm1', 'No TLE', NULL, NULL)`,
    [...ISS, ...DECAYING],
  );
  queue = await EmbeddedTaskQueue.open(path.join(dir, 'queue'));
  events = await EmbeddedEventLog.open(path.join(dir, 'events'));
  const logger = pino({ level: 'silent' });
  http = await createHttpServer({ logger, maxBodyBytes: 1024 * 1024, version: 'test' });
  // What the queue and events modules declare at start.
  await queue.assertQueue(QUEUES.jobs, QUEUE_OPTIONS[QUEUES.jobs]);
  await events.createTopic(TOPICS.computeResults, { partitions: 2 });
  running = await mountModule(computeModule, {
    config: loadConfig({ ORBIT_DATA_DIR: dir, ORBIT_COMPUTE_WORKERS: '2', ORBIT_EVENTS_PARTITIONS: '2' }),
    logger,
    metrics: new Registry(),
    deps: { catalog: new MissionCatalog(sql), jobs: new JobStore(sql), queue, events, idempotency: new IdempotencyStore(sql), telemetry: new TelemetryStore(sql) },
  }, http);
  await http.ready();
});

after(async () => {
  if (!stopped) await running?.stop?.();
  await http?.close();
  await queue?.close();
  await events?.close();
  await sql?.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (body: unknown) => http.inject({ method: 'POST', url: '/v1/jobs', payload: body as object });
const getJob = async (id: string) => (await http.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();

async function finished(id: string): Promise<Record<string, any>> {
  for (let i = 0; i < 400; i++) {
    const job = await getJob(id);
    if (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

/** The job's compute.results events, once there are at least `count` (the event follows the state change). */
async function resultEvents(id: string, count = 1): Promise<JobFinishedEvent[]> {
  for (let i = 0; ; i++) {
    const found: JobFinishedEvent[] = [];
    for (let p = 0; p < (await events.partitions(TOPICS.computeResults)); p++) {
      for (const record of await events.read<JobFinishedEvent>(TOPICS.computeResults, p, 0, 1000)) if (record.key === id) found.push(record.value);
    }
    if (found.length >= count || i === 200) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const pointers = (body: { errors?: { pointer: string }[] }) => (body.errors ?? []).map((e) => e.pointer).sort();

test('the module is ready once its pool runs, and documents its routes under "jobs"', () => {
  assert.equal(running.isReady?.(), true);
  const spec = http.swagger() as { paths: Record<string, Record<string, { tags?: string[] }>> };
  assert.deepEqual(spec.paths['/v1/jobs']?.post?.tags, ['jobs']);
  assert.deepEqual(spec.paths['/v1/jobs/{id}']?.get?.tags, ['jobs']);
});

test('a propagation job runs to succeeded with the TEME states of the spacecraft TLE', async () => {
  const from = '2019-06-05T12:00:00.000Z';
  const response = await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from, to: Date.parse(from) + 3 * 3_600_000, stepSeconds: 10 } });
  assert.equal(response.statusCode, 202);
  const { id } = response.json();
  assert.equal(response.headers.location, `/v1/jobs/${id}`);

  const job = await finished(id);
  assert.equal(job.state, 'succeeded', job.error);
  assert.match((await http.inject({ method: 'GET', url: `/v1/jobs/${id}` })).headers['content-type'] as string, /^application\/json/);
  assert.equal(job.type, 'orbit.propagate');
  assert.equal(job.progress, 1);
  assert.deepEqual(job.params, { spacecraft: 'iss', from, to: '2019-06-05T15:00:00.000Z', stepSeconds: 10, tle: ISS });
  assert.ok(job.createdAt <= job.startedAt && job.startedAt <= job.finishedAt);
  assert.deepEqual(job.result, { frame: 'TEME', rows: 1081 }, 'the job holds a summary; the samples are read from /result');
  const page = (await http.inject({ method: 'GET', url: `/v1/jobs/${id}/result?limit=5000` })).json();
  assert.equal(page.total, 1081);
  assert.equal(page.rows.length, 1081);
  assert.equal(page.next, undefined);
  const sample = page.rows[360];
  assert.equal(sample.time, '2019-06-05T13:00:00.000Z');
  const { time: _time, ...expected } = createPropagator(ISS[0], ISS[1])(new Date(sample.time));
  const { time: _t, ...actual } = sample;
  assert.deepEqual(actual, expected);

  const announced = await resultEvents(id);
  assert.equal(announced.length, 1);
  assert.equal(announced[0].state, 'succeeded');
  assert.equal(announced[0].finishedAt, job.finishedAt);
  assert.deepEqual(announced[0].result, { frame: 'TEME', rows: 1081 }, 'the event carries the summary, not the samples');
});

test('an orbit SGP4 cannot follow fails the job once, with the SGP4 error', async () => {
  const response = await post({ type: 'orbit.propagate', params: { spacecraft: 'falling', from: '2005-11-29T00:30:00Z', to: '2005-11-29T02:00:00Z', stepSeconds: 60 } });
  assert.equal(response.statusCode, 202);
  const { id } = response.json();
  const job = await finished(id);
  assert.equal(job.state, 'failed');
  assert.match(job.error, /^SGP4 error 6 for satellite 28872 at [\d.]+ min from epoch: the satellite has decayed/);
  assert.equal(job.result, undefined);
  assert.equal((await resultEvents(id))[0]?.state, 'failed');
  // Acked after marking it failed: nothing waits for a retry or lands in the dead letters.
  let depth = await queue.depth(QUEUES.jobs);
  for (let i = 0; i < 100 && depth.unacked > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    depth = await queue.depth(QUEUES.jobs);
  }
  assert.deepEqual(depth, { ready: 0, unacked: 0, deadLettered: 0 });
});

test('a redelivered job that already succeeded is not run again; its result event is repeated', async () => {
  const response = await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from: '2019-06-05T12:00:00Z', to: '2019-06-05T12:10:00Z', stepSeconds: 60 } });
  const { id } = response.json();
  const first = await finished(id);
  await resultEvents(id);
  await queue.publish(QUEUES.jobs, { id, type: 'orbit.propagate' });
  assert.deepEqual((await resultEvents(id, 2)).map((e) => e.state), ['succeeded', 'succeeded']);
  const again = await getJob(id);
  assert.equal(again.startedAt, first.startedAt);
  assert.equal(again.finishedAt, first.finishedAt);
});

test('bad job requests are refused with every bad field named', async () => {
  const unknownType = await post({ type: 'orbit.teleport', params: { spacecraft: 'iss', from: 0, to: 1000, stepSeconds: 1 } });
  assert.equal(unknownType.statusCode, 400);
  assert.equal(unknownType.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.deepEqual(unknownType.json().errors, [{ pointer: '/type', detail: '"orbit.teleport" is not a job type; known: orbit.propagate, telemetry.spectrum, orbit.passes, orbit.conjunctions' }]);

  const badFields = await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from: 'yesterday', stepSeconds: 0, colour: 'red' } });
  assert.equal(badFields.statusCode, 400);
  assert.deepEqual(pointers(badFields.json()), ['/params/colour', '/params/from', '/params/stepSeconds', '/params/to']);

  const backwards = await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from: '2019-06-05T12:00:00Z', to: '2019-06-05T11:00:00Z', stepSeconds: 60 } });
  assert.equal(backwards.statusCode, 400);
  assert.deepEqual(pointers(backwards.json()), ['/params/to']);

  const tooMany = await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from: '2019-06-05T00:00:00Z', to: '2019-06-07T00:00:00Z', stepSeconds: 1 } });
  assert.equal(tooMany.statusCode, 400);
  assert.deepEqual(pointers(tooMany.json()), ['/params/stepSeconds', '/params/to']);
  assert.match(tooMany.json().errors[0].detail, /172801 samples.*at most 100000/);

  const noTle = await post({ type: 'orbit.propagate', params: { spacecraft: 'probe', from: 0, to: 60_000, stepSeconds: 1 } });
  assert.equal(noTle.statusCode, 400);
  assert.match(noTle.json().errors[0].detail, /has no TLE/);

  const unknown = await post({ type: 'orbit.propagate', params: { spacecraft: 'voyager-3', from: 0, to: 60_000, stepSeconds: 1 } });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(pointers(unknown.json()), ['/params/spacecraft']);

  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE params->>'spacecraft' IN ('probe', 'voyager-3')`);
  assert.equal(rows[0].n, 0, 'refused jobs leave no row behind');
});

test('an Idempotency-Key makes a repeated submission answer the first job again; the same key with another job answers 422', async () => {
  const job = { type: 'orbit.propagate', params: { spacecraft: 'iss', from: '2019-06-05T12:00:00.000Z', to: '2019-06-05T12:07:00.000Z', stepSeconds: 60 } };
  const submit = (body: unknown, key: string) => http.inject({ method: 'POST', url: '/v1/jobs', payload: body as object, headers: { 'idempotency-key': key } });
  const first = await submit(job, 'retry-1');
  assert.equal(first.statusCode, 202);
  const again = await submit(job, 'retry-1');
  assert.deepEqual([again.statusCode, again.json(), again.headers.location], [202, first.json(), first.headers.location], 'the first answer, location included');
  const other = await submit({ ...job, params: { ...job.params, stepSeconds: 30 } }, 'retry-1');
  assert.equal(other.statusCode, 422);
  assert.match(other.json().detail, /another body/);
  const fresh = await submit(job, 'retry-2');
  assert.notEqual(fresh.json().id, first.json().id, 'a new key is a new job');
  assert.equal((await submit(job, '')).statusCode, 400, 'an empty key is refused');
  await finished(first.json().id);
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE params->>'stepSeconds' = '60' AND params->>'to' LIKE '2019-06-05T12:07%'`);
  assert.equal(rows[0]!.n, 2, 'one job per key');
});

test('a result is read in pages that hold every sample exactly once, and whole as NDJSON equal to the pages', async () => {
  const from = Date.parse('2019-06-05T12:00:00Z');
  const { id } = (await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from, to: from + 12_345_000, stepSeconds: 1 } })).json();
  const job = await finished(id);
  assert.equal(job.state, 'succeeded', job.error);
  assert.equal(job.result.rows, 12_346);
  const { rows: stored } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM job_result_parts WHERE job_id = $1', [id]);
  assert.ok(stored[0]!.n > 1, 'kept in several parts');

  const rows: { time: string }[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const response = await http.inject({ method: 'GET', url: `/v1/jobs/${id}/result?limit=777${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}` });
    assert.equal(response.statusCode, 200);
    const page = response.json();
    assert.equal(page.total, 12_346);
    assert.ok(page.rows.length === 777 || page.next === undefined);
    rows.push(...page.rows);
    cursor = page.next;
    pages++;
  } while (cursor);
  assert.equal(pages, Math.ceil(12_346 / 777));
  assert.equal(rows.length, 12_346);
  rows.forEach((row, i) => assert.equal(row.time, new Date(from + i * 1000).toISOString(), `row ${i}`));

  for (const request of [{ url: `/v1/jobs/${id}/result?format=ndjson` }, { url: `/v1/jobs/${id}/result`, headers: { accept: 'application/x-ndjson' } }]) {
    const response = await http.inject({ method: 'GET', ...request });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^application\/x-ndjson/);
    const lines = response.body.trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines, rows);
  }

  // The console's CSV download and result table read the same parts.
  const csv = await http.inject({ method: 'GET', url: `/console/jobs/${id}/result.csv` });
  assert.equal(csv.statusCode, 200);
  const csvLines = csv.body.trimEnd().split('\n');
  assert.equal(csvLines.length, 12_347);
  assert.equal(csvLines[5_000]!.split(',')[0], rows[4_999]!.time);
  const jobPage = await http.inject({ method: 'GET', url: `/console/jobs/${id}?offset=12300` });
  assert.match(jobPage.body, /Samples 12301–12346 of 12346/);

  const badCursor = await http.inject({ method: 'GET', url: `/v1/jobs/${id}/result?cursor=nonsense` });
  assert.equal(badCursor.statusCode, 400);
  assert.deepEqual(pointers(badCursor.json()), ['querystring/cursor']);
});

test('a running job is cancelled within a chunk: its remaining chunks are dropped and it stores no result; cancelling again answers the same, a finished job is 409', async () => {
  // 100,000 samples in 50 chunks: seconds of work on two threads.
  const { id } = (await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from: '2019-06-05T00:00:00Z', to: Date.parse('2019-06-05T00:00:00Z') + 99_999 * 6_000, stepSeconds: 6 } })).json();
  for (let i = 0; i < 2000 && (await getJob(id)).state === 'queued'; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  const cancel = await http.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
  assert.equal(cancel.statusCode, 200);
  assert.equal(cancel.json().state, 'cancelled');
  const progressAtCancel = cancel.json().progress;
  assert.ok(progressAtCancel < 1);
  const again = await http.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
  assert.deepEqual([again.statusCode, again.json().state], [200, 'cancelled']);

  const announced = await resultEvents(id);
  assert.equal(announced[0]!.state, 'cancelled');
  // The runner noticed and let go: the pool runs nothing more of it.
  for (let i = 0; i < 400 && running && (await queue.depth(QUEUES.jobs)).unacked > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.deepEqual(await queue.depth(QUEUES.jobs), { ready: 0, unacked: 0, deadLettered: 0 });
  const job = await getJob(id);
  assert.equal(job.state, 'cancelled');
  assert.equal(job.result, undefined);
  assert.ok(job.progress < 1, `stopped at ${job.progress}`);
  const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM job_result_parts WHERE job_id = $1', [id]);
  assert.equal(rows[0]!.n, 0);
  assert.equal((await http.inject({ method: 'GET', url: `/v1/jobs/${id}/result` })).statusCode, 409);

  const { id: done } = (await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from: '2019-06-05T12:00:00Z', to: '2019-06-05T12:01:00Z', stepSeconds: 60 } })).json();
  assert.equal((await finished(done)).state, 'succeeded');
  const late = await http.inject({ method: 'POST', url: `/v1/jobs/${done}/cancel` });
  assert.equal(late.statusCode, 409);
  assert.match(late.json().detail, /has succeeded/);
  assert.equal((await http.inject({ method: 'POST', url: '/v1/jobs/no-such-job/cancel' })).statusCode, 404);
});

test('a spectrum job finds the tone of a channel read from the archive, and its correlation with a delayed copy', async () => {
  const catalog = new MissionCatalog(sql);
  await catalog.putChannel('iss', 'accel', { type: 'number', unit: 'g' });
  await catalog.putChannel('iss', 'accel-late', { type: 'number', unit: 'g' });
  await catalog.putChannel('iss', 'mode', { type: 'string' });
  const telemetry = new TelemetryStore(sql);
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  // 50 Hz readings of a 3 Hz tone, one in ten 3 ms late (gaps of 23 and 17 ms around it, median 20);
  // the second channel is the first 0.4 s later.
  const readings = [];
  for (let i = 0; i < 6000; i++) {
    const time = t0 + i * 20 + (i % 10 === 5 ? 3 : 0);
    const tone = (t: number) => Math.sin(2 * Math.PI * 3 * ((t - t0) / 1000)) + 0.3 * Math.sin(2 * Math.PI * 0.7 * ((t - t0) / 1000));
    readings.push({ spacecraft: 'iss', channel: 'accel', type: 'number' as const, batchId: 'spectrum-1', time, value: tone(time), raw: tone(time) });
    readings.push({ spacecraft: 'iss', channel: 'accel-late', type: 'number' as const, batchId: 'spectrum-1', time, value: tone(time - 400), raw: tone(time - 400) });
  }
  await telemetry.write(readings);

  const refused = await post({ type: 'telemetry.spectrum', params: { spacecraft: 'iss', channels: ['accel', 'mode', 'nothing', 'accel'], from: t0, to: t0 + 120_000, segmentLength: 1000 } });
  assert.equal(refused.statusCode, 400);
  assert.deepEqual(pointers(refused.json()), ['/params/channels/1', '/params/channels/2', '/params/channels/3', '/params/segmentLength']);

  const response = await post({ type: 'telemetry.spectrum', params: { spacecraft: 'iss', channels: ['accel', 'accel-late'], from: t0, to: t0 + 120_000, segmentLength: 512, maxLagSeconds: 2 } });
  assert.equal(response.statusCode, 202, response.body);
  const job = await finished(response.json().id);
  assert.equal(job.state, 'succeeded', job.error);
  assert.equal(job.progress, 1);
  assert.deepEqual(job.params, { spacecraft: 'iss', channels: ['accel', 'accel-late'], units: ['g', 'g'], from: new Date(t0).toISOString(), to: new Date(t0 + 120_000).toISOString(), segmentLength: 512, overlap: 0.5, window: 'hann', detrend: 'mean', maxLagSeconds: 2 });
  const s = job.result;
  assert.equal(s.sampleRateFrom, 'median interval');
  assert.equal(s.sampleRateHz, 50);
  for (const c of s.channels) {
    assert.ok(Math.abs(c.peakFrequencyHz - 3) <= s.frequencyResolutionHz, `${c.channel} peaks at ${c.peakFrequencyHz} Hz`);
    assert.equal(c.unit, 'g');
    assert.ok(Math.abs(c.variance - (0.5 + 0.045)) < 0.03, `${c.channel} variance ${c.variance}`);
  }
  assert.equal(s.pairs.length, 1);
  assert.ok(Math.abs(s.pairs[0].peakLagSeconds - 0.4) <= 1.5 / s.sampleRateHz, `peak lag ${s.pairs[0].peakLagSeconds} s`);
  assert.ok(s.pairs[0].peakCorrelation > 0.95);

  const all = (await http.inject({ method: 'GET', url: `/v1/jobs/${job.id}/result?limit=10000` })).json();
  assert.equal(all.total, s.rows);
  assert.equal(s.psdRows, 257);
  const psd = all.rows.slice(0, s.psdRows);
  const lags = all.rows.slice(s.psdRows);
  assert.equal(lags.length, s.correlationRows);
  // Parseval over the rows as served: the integral of each PSD is the channel's variance.
  for (const [i, c] of s.channels.entries()) {
    const integral = psd.reduce((sum: number, row: { psd: number[] }) => sum + row.psd[i]!, 0) * s.frequencyResolutionHz;
    assert.ok(Math.abs(integral / c.variance - 1) < 0.05, `${c.channel}: ${integral} against ${c.variance}`);
  }
  assert.equal(lags[0].lagSeconds, -lags.at(-1).lagSeconds);

  // The console's spectrum form submits the same job, and shows the API's errors beside its fields.
  const formPage = await http.inject({ method: 'GET', url: '/console/jobs/spectrum' });
  assert.equal(formPage.statusCode, 200);
  assert.match(formPage.body, /<input type="hidden" name="type" value="telemetry.spectrum">/);
  const form = (channels: string) => new URLSearchParams({
    type: 'telemetry.spectrum', 'params.spacecraft': 'iss', 'params.channels': channels, 'params.from': new Date(t0).toISOString().slice(0, 19),
    'params.to': new Date(t0 + 120_000).toISOString().slice(0, 19), 'params.segmentLength': '512', 'params.window': 'hann', 'params.detrend': 'linear',
  }).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  const refusedForm = await http.inject({ method: 'POST', url: '/console/jobs', headers: formHeaders, payload: form('accel, mode') });
  assert.equal(refusedForm.statusCode, 400);
  assert.match(refusedForm.body, /class="field-error">&quot;mode&quot; is a string channel; a spectrum needs number channels</);
  const submitted = await http.inject({ method: 'POST', url: '/console/jobs', headers: formHeaders, payload: form('accel, accel-late') });
  assert.equal(submitted.statusCode, 303);
  const fromForm = await finished(String(submitted.headers.location).split('/').at(-1)!);
  assert.equal(fromForm.state, 'succeeded', fromForm.error);
  assert.deepEqual([fromForm.params.channels, fromForm.params.detrend], [['accel', 'accel-late'], 'linear']);

  const page = (await http.inject({ method: 'GET', url: `/console/jobs/${job.id}` })).body;
  assert.match(page, /<td>accel<\/td><td class="num">6000<\/td>/);
  assert.match(page, /accel → accel-late/);
  assert.match(page, new RegExp(`href="/v1/jobs/${job.id}/result\\?format=ndjson"`));
});

test('stopping lets a running job finish, then refuses new jobs and reports not ready', async () => {
  const response = await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from: '2019-06-05T00:00:00Z', to: '2019-06-06T00:00:00Z', stepSeconds: 3 } });
  const { id } = response.json();
  for (let i = 0; i < 400 && (await getJob(id)).state === 'queued'; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  await running.stop?.();
  stopped = true;
  const job = await getJob(id);
  assert.equal(job.state, 'succeeded');
  assert.equal(job.result.rows, 28_801);
  assert.equal(running.isReady?.(), false);
  const refused = await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from: 0, to: 60_000, stepSeconds: 1 } });
  assert.equal(refused.statusCode, 503);
  assert.equal(refused.headers['retry-after'], '1');
});

test('an unknown job id answers 404 problem+json', async () => {
  const response = await http.inject({ method: 'GET', url: '/v1/jobs/no-such-job' });
  assert.equal(response.statusCode, 404);
  assert.equal(response.json().status, 404);
});
