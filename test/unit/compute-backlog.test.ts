/**
 * A full compute backlog (ORBIT_COMPUTE_MAX_BACKLOG jobs waiting for a worker) over HTTP:
 * POST /v1/jobs answers 503 problem+json with Retry-After, and the console's job form
 * shows the reason with the same status and Retry-After; nothing is recorded. No worker
 * consumes compute.jobs here, so the jobs submitted stay waiting on the real embedded queue.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { JobDesk } from '../../src/components/compute/desk.ts';
import { jobsPages } from '../../src/components/compute/pages/routes.ts';
import { computeRoutes } from '../../src/components/compute/routes.ts';
import { QUEUE_OPTIONS, QUEUES } from '../../src/core/messages.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createHttpServer, type HttpServer } from '../../src/platform/http.ts';
import { IdempotencyStore } from '../../src/stores/idempotency/store.ts';
import { JobStore } from '../../src/stores/jobs/store.ts';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { componentEnv } from '../support/components.ts';

const ISS: [string, string] = ['1 25544U 98067A   19156.50900463  .00003075  00000-0  59442-4 0  9992', '2 25544  51.6433  59.2583 0008217  16.4489 347.6017 15.51174618173442'];
const BACKLOG = 2;

let http: HttpServer;
const env = componentEnv('orbit-backlog-', async () => {
  const catalog = new MissionCatalog(env.sql);
  await catalog.createMission({ id: 'm1', name: 'Mission' });
  await catalog.createSpacecraft({ id: 'iss', missionId: 'm1', name: 'ISS', tle: ISS });
  await env.engines.queue.assertQueue(QUEUES.jobs, QUEUE_OPTIONS[QUEUES.jobs]);
  const config = loadConfig({ ORBIT_DATA_DIR: '/tmp', ORBIT_COMPUTE_MAX_BACKLOG: String(BACKLOG) });
  const desk = new JobDesk({ catalog, jobs: new JobStore(env.sql), queue: env.engines.queue, stopping: () => false, maxBacklog: config.caps.computeMaxBacklog, maxSamples: config.caps.computeMaxSamples });
  http = await createHttpServer({ logger: pino({ level: 'silent' }), maxBodyBytes: 65536, version: 'test' });
  await computeRoutes(http, { desk, idempotency: new IdempotencyStore(env.sql) }, config);
  await jobsPages(http, { desk });
  await http.ready();
});
after(() => http?.close());

const params = { spacecraft: 'iss', from: '2019-06-05T12:00:00Z', to: '2019-06-05T12:10:00Z', stepSeconds: 60 };
const jobCount = async () => (await env.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]!.n;

test('past ORBIT_COMPUTE_MAX_BACKLOG waiting jobs, the API and the console refuse with 503 and Retry-After', async () => {
  for (let i = 0; i < BACKLOG; i++) assert.equal((await http.inject({ method: 'POST', url: '/v1/jobs', payload: { type: 'orbit.propagate', params } })).statusCode, 202);
  const recorded = await jobCount();

  const api = await http.inject({ method: 'POST', url: '/v1/jobs', payload: { type: 'orbit.propagate', params } });
  assert.equal(api.statusCode, 503);
  assert.equal(api.headers['retry-after'], '5');
  assert.match(String(api.headers['content-type']), /^application\/problem\+json/);
  assert.match(api.json().detail, /2 compute jobs are waiting for a worker, the most ORBIT_COMPUTE_MAX_BACKLOG allows is 2/);

  const form = new URLSearchParams({ type: 'orbit.propagate', 'params.spacecraft': 'iss', 'params.from': params.from, 'params.to': params.to, 'params.stepSeconds': '60' });
  const page = await http.inject({ method: 'POST', url: '/console/jobs', payload: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(page.statusCode, 503);
  assert.equal(page.headers['retry-after'], '5');
  assert.match(page.body, /ORBIT_COMPUTE_MAX_BACKLOG allows is 2/);

  assert.equal(await jobCount(), recorded, 'nothing of a refused job is recorded');
});
