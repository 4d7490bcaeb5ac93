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
    deps: { catalog: new MissionCatalog(sql), jobs: new JobStore(sql), queue, events, idempotency: new IdempotencyStore(sql) },
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
    if (job.state === 'succeeded' || job.state === 'failed') return job;
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
  assert.equal(job.result.frame, 'TEME');
  assert.equal(job.result.samples.length, 1081);
  const sample = job.result.samples[360];
  assert.equal(sample.time, '2019-06-05T13:00:00.000Z');
  const { time: _time, ...expected } = createPropagator(ISS[0], ISS[1])(new Date(sample.time));
  const { time: _t, ...actual } = sample;
  assert.deepEqual(actual, expected);

  const announced = await resultEvents(id);
  assert.equal(announced.length, 1);
  assert.equal(announced[0].state, 'succeeded');
  assert.equal(announced[0].finishedAt, job.finishedAt);
  assert.equal('result' in announced[0], false, 'the event carries the state, not the samples');
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
  assert.deepEqual(unknownType.json().errors, [{ pointer: '/type', detail: '"orbit.teleport" is not a job type; known: orbit.propagate' }]);

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

test('stopping lets a running job finish, then refuses new jobs and reports not ready', async () => {
  const response = await post({ type: 'orbit.propagate', params: { spacecraft: 'iss', from: '2019-06-05T00:00:00Z', to: '2019-06-06T00:00:00Z', stepSeconds: 3 } });
  const { id } = response.json();
  for (let i = 0; i < 400 && (await getJob(id)).state === 'queued'; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  await running.stop?.();
  stopped = true;
  const job = await getJob(id);
  assert.equal(job.state, 'succeeded');
  assert.equal(job.result.samples.length, 28_801);
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
