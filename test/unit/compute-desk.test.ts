import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobDesk, type JobDeskDeps } from '../../src/components/compute/desk.ts';
import { encodeValues } from '../../src/components/compute/result-codec.ts';
import type { JobMessage } from '../../src/components/compute/schemas.ts';
import { QUEUES } from '../../src/core/messages.ts';
import type { TaskQueue } from '../../src/engines/queue/port.ts';
import { HttpProblem } from '../../src/platform/problem.ts';
import { JobStore } from '../../src/stores/jobs/store.ts';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { componentEnv, takeMessages } from '../support/components.ts';

const ISS: [string, string] = ['1 25544U 98067A   19156.50900463  .00003075  00000-0  59442-4 0  9992', '2 25544  51.6433  59.2583 0008217  16.4489 347.6017 15.51174618173442'];

let catalog: MissionCatalog;
let jobs: JobStore;
const env = componentEnv('orbit-desk-', async () => {
  catalog = new MissionCatalog(env.sql);
  jobs = new JobStore(env.sql);
  await catalog.createMission({ id: 'm1', name: 'Mission' });
  await catalog.createSpacecraft({ id: 'iss', missionId: 'm1', name: 'ISS', tle: ISS });
  await catalog.createSpacecraft({ id: 'probe', missionId: 'm1', name: 'No TLE' });
});

function desk(deps: Partial<JobDeskDeps> = {}) {
  return new JobDesk({ catalog, jobs, queue: env.engines.queue, stopping: () => false, ...deps });
}

const propagate = (params: Partial<{ spacecraft: string; from: string | number; to: string | number; stepSeconds: number }>) => ({
  type: 'orbit.propagate' as const,
  params: { spacecraft: 'iss', from: '2019-06-05T12:00:00Z', to: '2019-06-05T12:10:00Z', stepSeconds: 60, ...params },
});

async function refusal(promise: Promise<unknown>, status: number): Promise<HttpProblem> {
  const error = await promise.then(() => assert.fail('the job was accepted'), (e: unknown) => e);
  assert.ok(error instanceof HttpProblem, String(error));
  assert.equal(error.status, status, error.message);
  return error;
}

const pointers = (problem: HttpProblem) => (problem.errors ?? []).map((e) => e.pointer).sort();
const jobCount = async () => (await env.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]!.n;

test('a good job is recorded as queued with its TLE and normalised times, and one message names it on compute.jobs', async () => {
  const submitted: string[] = [];
  const id = await desk({ onSubmitted: (type) => submitted.push(type) })
    .submit(propagate({ to: Date.parse('2019-06-05T12:10:00Z') }), '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01');

  const job = await jobs.get(id);
  assert.equal(job?.state, 'queued');
  assert.deepEqual(job?.params, { spacecraft: 'iss', from: '2019-06-05T12:00:00.000Z', to: '2019-06-05T12:10:00.000Z', stepSeconds: 60, tle: ISS });
  assert.deepEqual(submitted, ['orbit.propagate']);

  const [message, ...more] = await takeMessages<JobMessage>(env.engines.queue, QUEUES.jobs, 1);
  assert.deepEqual(more, []);
  assert.deepEqual(message!.body, { id, type: 'orbit.propagate' });
  assert.equal(message!.id, id);
  assert.equal(message!.headers.ce_type, 'orbit.compute.job.v1');
  assert.equal(message!.headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01');
});

test('an unknown spacecraft is 404 naming /params/spacecraft, and nothing is recorded or queued', async () => {
  const before = await jobCount();
  const problem = await refusal(desk().submit(propagate({ spacecraft: 'voyager-3' })), 404);
  assert.deepEqual(problem.errors, [{ pointer: '/params/spacecraft', detail: 'no spacecraft "voyager-3"' }]);
  assert.equal(await jobCount(), before);
  assert.equal((await env.engines.queue.depth(QUEUES.jobs)).ready, 0);
});

test('bad parameters are 400 naming every bad field, the spacecraft included', async () => {
  const before = await jobCount();
  const noTle = await refusal(desk().submit(propagate({ spacecraft: 'probe' })), 400);
  assert.deepEqual(noTle.errors, [{ pointer: '/params/spacecraft', detail: 'spacecraft "probe" has no TLE to propagate' }]);

  const backwards = await refusal(desk().submit(propagate({ from: '2019-06-05T12:00:00Z', to: '2019-06-05T11:00:00Z' })), 400);
  assert.deepEqual(pointers(backwards), ['/params/to']);
  assert.match(backwards.errors![0]!.detail, /must not be before from \(2019-06-05T12:00:00.000Z\)/);

  const unreadable = await refusal(desk().submit(propagate({ spacecraft: 'probe', from: 'yesterday', to: 9e15 })), 400);
  assert.deepEqual(pointers(unreadable), ['/params/from', '/params/spacecraft', '/params/to']);

  const tooMany = await refusal(desk().submit(propagate({ from: '2019-06-05T00:00:00Z', to: '2019-06-07T00:00:00Z', stepSeconds: 1 })), 400);
  assert.deepEqual(pointers(tooMany), ['/params/stepSeconds', '/params/to']);
  assert.match(tooMany.errors![0]!.detail, /gives 172801 samples over the range; at most 100000 are allowed \(ORBIT_COMPUTE_MAX_SAMPLES\)/);
  // The cap is the installation's: 11 samples (ten minutes every minute) pass 11 and not 10.
  await refusal(desk({ maxSamples: 10 }).submit(propagate({})), 400);

  const unknownAndBackwards = await refusal(desk().submit(propagate({ spacecraft: 'voyager-3', to: '2019-06-05T11:00:00Z' })), 400);
  assert.deepEqual(pointers(unknownAndBackwards), ['/params/spacecraft', '/params/to'], 'with other problems an unknown spacecraft is one of them, not a 404');
  assert.match(unknownAndBackwards.message, /^2 problem\(s\) in the job parameters$/);

  assert.equal(await jobCount(), before, 'refused jobs leave no row behind');
});

test('a full backlog (ORBIT_COMPUTE_MAX_BACKLOG jobs waiting) refuses more with 503 and Retry-After, and records nothing', async () => {
  const waiting = (await env.engines.queue.depth(QUEUES.jobs)).ready;
  const full = desk({ maxBacklog: waiting + 2 });
  await full.submit(propagate({}));
  await full.submit(propagate({}));
  const before = await jobCount();
  const problem = await refusal(full.submit(propagate({})), 503);
  assert.equal(problem.retryAfterSeconds, 5);
  assert.match(problem.message, new RegExp(`${waiting + 2} compute jobs are waiting for a worker, the most ORBIT_COMPUTE_MAX_BACKLOG allows is ${waiting + 2}`));
  assert.equal(await jobCount(), before);
});

test('a stopping process refuses jobs with 503 and Retry-After 1', async () => {
  const before = await jobCount();
  const problem = await refusal(desk({ stopping: () => true }).submit(propagate({})), 503);
  assert.equal(problem.retryAfterSeconds, 1);
  assert.equal(await jobCount(), before);
});

test('when the queue cannot take the message the job is taken back and the answer is 503 with Retry-After 5', async () => {
  const real = env.engines.queue;
  const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' });
  const away: TaskQueue = {
    assertQueue: (name, options) => real.assertQueue(name, options),
    publish: async () => {
      throw down;
    },
    consume: (name, handler, options) => real.consume(name, handler, options),
    deadLetters: (name, limit) => real.deadLetters(name, limit),
    depth: (name) => real.depth(name),
    isReady: () => false,
    close: () => real.close(),
  };
  const failed: [string, unknown][] = [];
  const before = await jobCount();
  const problem = await refusal(desk({ queue: away, onQueueFailed: (id, error) => failed.push([id, error]) }).submit(propagate({})), 503);
  assert.equal(problem.retryAfterSeconds, 5);
  assert.equal(failed.length, 1);
  assert.equal(failed[0]![1], down);
  assert.equal(await jobs.get(failed[0]![0]), undefined, 'no job stays queued without its message');
  assert.equal(await jobCount(), before);
});

test('get reads a job back with its summary, resultPage its rows from the stored parts; an unknown id is undefined', async () => {
  assert.equal(await desk().get('no-such-job'), undefined);

  const id = await desk().submit(propagate({}));
  await takeMessages(env.engines.queue, QUEUES.jobs, 1);
  assert.equal((await desk().get(id))?.result, undefined, 'a queued job has no result yet');

  const values = Float64Array.from({ length: 18 }, (_, i) => i + 0.5);
  await jobs.start(id);
  await jobs.succeed(id, { frame: 'TEME', rows: 2 }, [
    { first: 0, count: 1, data: encodeValues(values.subarray(0, 9)) },
    { first: 1, count: 1, data: encodeValues(values.subarray(9)) },
  ]);
  const job = await desk().get(id);
  assert.equal(job?.state, 'succeeded');
  assert.deepEqual(job?.result, { frame: 'TEME', rows: 2 });
  const samples = [
    { time: '2019-06-05T12:00:00.000Z', positionKm: [0.5, 1.5, 2.5], velocityKmS: [3.5, 4.5, 5.5], latitudeDeg: 6.5, longitudeDeg: 7.5, altitudeKm: 8.5 },
    { time: '2019-06-05T12:01:00.000Z', positionKm: [9.5, 10.5, 11.5], velocityKmS: [12.5, 13.5, 14.5], latitudeDeg: 15.5, longitudeDeg: 16.5, altitudeKm: 17.5 },
  ];
  assert.deepEqual(await desk().resultPage(id, undefined, 10), { rows: samples, total: 2 });
  const first = await desk().resultPage(id, undefined, 1);
  assert.deepEqual(first.rows, [samples[0]]);
  assert.deepEqual(await desk().resultPage(id, first.next, 1), { rows: [samples[1]], total: 2 });
});

test('migration 016 turns a propagation stored whole in jobs.result into a summary and one part the API reads', async () => {
  const id = 'legacy-propagation';
  const values = Float64Array.from({ length: 18 }, (_, i) => i + 0.25);
  const legacy = { frame: 'TEME', layout: 'float64le-base64:x,y,z,vx,vy,vz,latitudeDeg,longitudeDeg,altitudeKm', fromMs: Date.parse('2019-06-05T12:00:00Z'), stepMs: 60_000, count: 2, values: encodeValues(values) };
  const params = { spacecraft: 'iss', from: '2019-06-05T12:00:00.000Z', to: '2019-06-05T12:01:00.000Z', stepSeconds: 60, tle: ISS };
  await env.sql.query(`INSERT INTO jobs (id, type, params, state, progress, result) VALUES ($1, 'orbit.propagate', $2::jsonb, 'succeeded', 1, $3::jsonb)`, [id, JSON.stringify(params), JSON.stringify(legacy)]);
  // The data step of the migration, as it runs on a database that holds such a job.
  const migration = await readFile(new URL('../../src/engines/sql/migrations/016_job_results.sql', import.meta.url), 'utf8');
  await env.sql.exec(migration.slice(migration.indexOf('-- Propagations stored whole')));
  assert.deepEqual((await desk().get(id))?.result, { frame: 'TEME', rows: 2 });
  const page = await desk().resultPage(id, undefined, 10);
  assert.equal(page.total, 2);
  assert.deepEqual(page.rows[1], { time: '2019-06-05T12:01:00.000Z', positionKm: [9.25, 10.25, 11.25], velocityKmS: [12.25, 13.25, 14.25], latitudeDeg: 15.25, longitudeDeg: 16.25, altitudeKm: 17.25 });
});
