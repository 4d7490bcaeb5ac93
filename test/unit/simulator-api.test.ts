import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ChannelDefinition, MissionCreate, SpacecraftCreate, TelemetryBatch, type ChannelType } from '../../src/core/schemas.ts';
import { formatTle, validateTle } from '../../src/core/orbit/tle.ts';
import { createPropagator } from '../../src/core/orbit/sgp4.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { createHttpServer, type HttpServer } from '../../src/platform/http.ts';
import { mountModule } from '../support/modules.ts';
import { simulatorModule } from '../../src/components/simulator/module.ts';
import { ANOMALY_KINDS, type Injection } from '../../src/components/simulator/anomalies.ts';
import { channelCatalog } from '../../src/components/simulator/channels.ts';
import { FailureStreak, parseRetryAfter } from '../../src/components/simulator/client.ts';

const EARLIER_TLE = formatTle({
  satnum: 99_777, epoch: new Date(Date.now() - 3 * 86_400_000), inclinationDeg: 28.5, raanDeg: 10, eccentricity: 0.001,
  argPerigeeDeg: 0, meanAnomalyDeg: 0, meanMotionRevPerDay: 15.3, bstar: 0.00002,
});

/**
 * A stand-in for the Orbit API that holds the simulator to the contract: request
 * bodies are validated with the API's own schemas, spacecraft and channels must be
 * registered before telemetry arrives, and values must match their channel's type.
 * It also misbehaves the way a busy server does (503/429 with Retry-After).
 */
async function fakeApi(options: { unavailableFirst?: number } = {}) {
  // No type coercion: the check is on what the simulator really sends (false must stay false).
  const app = Fastify({ ajv: { customOptions: { coerceTypes: false } } }).withTypeProvider<TypeBoxTypeProvider>();
  const calls: string[] = [];
  const missions = new Set<string>();
  // sim-2 is left over from an earlier run, registered with an orbit of its own.
  const spacecraft = new Map<string, { missionId: string; tle?: [string, string] }>([['sim-2', { missionId: 'demo', tle: EARLIER_TLE }]]);
  const channels = new Map<string, Map<string, { type: ChannelType }>>();
  const batches: TelemetryBatch[] = [];
  const rejected: string[] = [];
  let unavailable = options.unavailableFirst ?? 0;
  let throttledOnce = false;

  app.addHook('onRequest', async (request, reply) => {
    calls.push(`${request.method} ${request.url}`);
    if (unavailable > 0) {
      unavailable--;
      return reply.status(503).header('retry-after', '0').send({ status: 503, title: 'Service Unavailable' });
    }
  });
  app.post('/v1/missions', { config: { access: 'public' }, schema: { body: MissionCreate } }, async (request, reply) => {
    if (missions.has(request.body.id)) return reply.status(409).send({ status: 409 });
    missions.add(request.body.id);
    return reply.status(201).send({ ...request.body });
  });
  app.post('/v1/spacecraft', { config: { access: 'public' }, schema: { body: SpacecraftCreate } }, async (request, reply) => {
    const body = request.body;
    if (!missions.has(body.missionId)) return reply.status(404).send({ status: 404, detail: `no mission ${body.missionId}` });
    if (body.tle && validateTle(...body.tle).length) return reply.status(400).send({ status: 400, detail: 'bad TLE' });
    if (spacecraft.has(body.id)) return reply.status(409).send({ status: 409 });
    spacecraft.set(body.id, { missionId: body.missionId, tle: body.tle });
    return reply.status(201).send(body);
  });
  app.get('/v1/spacecraft', { config: { access: 'public' }, schema: { querystring: Type.Object({ mission: Type.Optional(Type.String()) }) } }, async (request) =>
    [...spacecraft].filter(([, s]) => !request.query.mission || s.missionId === request.query.mission).map(([id, s]) => ({ id, ...s })),
  );
  app.put('/v1/spacecraft/:id/channels/:name', { config: { access: 'public' }, schema: { params: Type.Object({ id: Type.String(), name: Type.String() }), body: ChannelDefinition } }, async (request, reply) => {
    const { id, name } = request.params;
    if (!spacecraft.has(id)) return reply.status(404).send({ status: 404 });
    if (!channels.has(id)) channels.set(id, new Map());
    channels.get(id)!.set(name, request.body);
    return reply.status(201).send({ spacecraft: id, name, ...request.body });
  });
  app.post('/v1/telemetry', { config: { access: 'public' }, schema: { body: TelemetryBatch } }, async (request, reply) => {
    if (!throttledOnce) {
      throttledOnce = true;
      return reply.status(429).header('retry-after', '0').send({ status: 429 });
    }
    const known = channels.get(request.body.spacecraft);
    if (!known) return reply.status(400).send({ status: 400, detail: `unknown spacecraft ${request.body.spacecraft}` });
    for (const r of request.body.readings) {
      const channel = known.get(r.channel);
      if (!channel || typeof r.value !== channel.type) {
        rejected.push(JSON.stringify(r));
        return reply.status(400).send({ status: 400, detail: `bad reading ${JSON.stringify(r)}` });
      }
    }
    batches.push(request.body);
    return reply.status(202).send({ batchId: String(batches.length), accepted: request.body.readings.length });
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 400) rejected.push(`${request.method} ${request.url}`);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  return {
    app, url: `http://127.0.0.1:${address.port}`, calls, missions, spacecraft, channels, batches, rejected,
    /** The next `requests` requests get 503. */
    outage(requests: number) {
      unavailable = requests;
    },
    get inOutage() {
      return unavailable > 0;
    },
  };
}

function captureLogs() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

async function until(condition: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startSimulator(env: Record<string, string>) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'orbit-sim-'));
  const config: Config = loadConfig({ ORBIT_DATA_DIR: dataDir, ORBIT_SIMULATOR_TLE_FILE: path.join(dataDir, 'no-catalogue.tle'), ...env });
  const { logger, lines } = captureLogs();
  const http: HttpServer = await createHttpServer({ logger, maxBodyBytes: config.limits.maxBodyBytes, version: 'test' });
  const metrics = new Registry();
  const running = await mountModule(simulatorModule, { config, logger, metrics, deps: {} }, http);
  return {
    config, http, metrics, lines, running, dataDir,
    async close() {
      await running.stop?.();
      await http.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

test('the simulator registers its fleet and posts contract-shaped telemetry, riding out 503 and 429', async () => {
  const api = await fakeApi({ unavailableFirst: 2 });
  const sim = await startSimulator({ ORBIT_SIMULATOR: 'on', ORBIT_INGEST_URL: api.url, ORBIT_SIMULATOR_INTERVAL_MS: '50', ORBIT_SIMULATOR_ANOMALY_SECONDS: '1' });
  try {
    assert.equal(sim.running.isReady?.(), true);
    await until(() => ['sim-1', 'sim-2', 'sim-3'].every((id) => api.batches.filter((b) => b.spacecraft === id).length >= 3), 'three batches per spacecraft');

    // Bootstrap: the mission, then the spacecraft (sim-2 already existed: 409 is fine), then every channel.
    assert.deepEqual([...api.missions], ['demo']);
    assert.deepEqual([...api.spacecraft.keys()].sort(), ['sim-1', 'sim-2', 'sim-3']);
    for (const id of ['sim-1', 'sim-3']) assert.deepEqual(validateTle(...api.spacecraft.get(id)!.tle!), []);
    assert.deepEqual(api.spacecraft.get('sim-2')!.tle, EARLIER_TLE, 'an existing registration is left alone');
    // sim-2 flies the orbit the mission database already had for it, so the two agree.
    const earlier = createPropagator(...EARLIER_TLE);
    const sim2 = api.batches.filter((b) => b.spacecraft === 'sim-2').flatMap((b) => b.readings);
    for (const r of sim2.filter((x) => x.channel === 'orbit.latitude').slice(0, 5)) {
      assert.ok(Math.abs((r.value as number) - earlier(new Date(r.time as number)).latitudeDeg) < 0.001);
    }
    assert.ok(sim2.filter((x) => x.channel === 'orbit.latitude').every((x) => Math.abs(x.value as number) < 29), 'a 28.5° orbit');
    const catalogue = channelCatalog(50);
    for (const id of ['sim-1', 'sim-2', 'sim-3']) {
      assert.deepEqual([...api.channels.get(id)!.keys()].sort(), catalogue.map((c) => c.name).sort());
    }
    const battery = api.channels.get('sim-1')!.get('thermal.battery_temp') as { calibration?: { polynomial: number[] }; limits?: object };
    assert.equal(battery.calibration?.polynomial.length, 2, 'raw counts are calibrated by the processor');
    assert.ok(battery.limits);
    const firstMission = api.calls.indexOf('POST /v1/missions');
    const firstTelemetry = api.calls.indexOf('POST /v1/telemetry');
    assert.ok(api.calls.filter((c) => c === 'POST /v1/missions').length >= 3, 'retried after two 503s');
    assert.ok(firstMission < firstTelemetry && api.calls.findIndex((c) => c.startsWith('PUT ')) < firstTelemetry, 'setup comes before telemetry');

    assert.deepEqual(api.rejected, [], 'every request matched the contract');
    // Telemetry: epoch-millisecond times, in order per spacecraft, every channel present.
    for (const id of ['sim-1', 'sim-2', 'sim-3']) {
      const readings = api.batches.filter((b) => b.spacecraft === id).flatMap((b) => b.readings);
      const times = readings.map((r) => r.time as number);
      assert.ok(times.every((t) => Number.isInteger(t) && Math.abs(t - Date.now()) < 60_000), 'wall-clock epoch milliseconds');
      assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!), 'in time order');
      assert.ok(new Set(readings.map((r) => r.channel)).size >= catalogue.length - 1);
    }

    // Anomalies: one a second here; each one is served by the route and written to the log.
    await until(() => sim.lines.some((l) => l.msg.startsWith('anomaly injected')), 'an injection');
    const answer = await sim.http.inject({ method: 'GET', url: '/v1/simulator/injections' });
    assert.equal(answer.statusCode, 200);
    const injections = answer.json() as Injection[];
    assert.ok(injections.length >= 1);
    assert.ok(ANOMALY_KINDS.includes(injections[0]!.kind));
    assert.ok(['critical', 'warning', 'stale'].includes(injections[0]!.expected));
    assert.ok(['sim-1', 'sim-2', 'sim-3'].includes(injections[0]!.spacecraft));
    const filtered = (await sim.http.inject({ method: 'GET', url: `/v1/simulator/injections?spacecraft=${injections[0]!.spacecraft}&kind=${injections[0]!.kind}` })).json() as Injection[];
    assert.ok(filtered.some((i) => i.id === injections[0]!.id));
    assert.equal((await sim.http.inject({ method: 'GET', url: '/v1/simulator/injections?since=yesterday' })).statusCode, 400);

    const metrics = await sim.metrics.metrics();
    assert.match(metrics, /orbit_simulator_readings_posted_total \d+/);
    assert.match(metrics, /orbit_simulator_http_requests_total\{method="POST",route="\/v1\/telemetry",status_code="202"\}/);

    await sim.running.stop?.();
    const file = await readFile(path.join(sim.config.dataDir, 'simulator', 'injections.jsonl'), 'utf8');
    const logged = file.trim().split('\n').map((l) => JSON.parse(l) as Injection);
    assert.ok(logged.length >= injections.length);
    assert.deepEqual(logged[0], injections[0]);
    // Stopped: the ticker no longer produces posts.
    const posted = api.calls.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(api.calls.length, posted, 'nothing is sent after stop()');
    assert.equal(sim.running.isReady?.(), false);
    // The overload answers were logged as one streak, not once per attempt.
    assert.ok(sim.lines.filter((l) => l.level >= 40).length <= 2, JSON.stringify(sim.lines.filter((l) => l.level >= 40)));
  } finally {
    await sim.close();
    await api.app.close();
  }
});

test('telemetry made while the API is down is delivered when it returns, merged and in order', async () => {
  const api = await fakeApi();
  const sim = await startSimulator({ ORBIT_SIMULATOR: 'on', ORBIT_INGEST_URL: api.url, ORBIT_SIMULATOR_INTERVAL_MS: '20', ORBIT_SIMULATOR_ANOMALY_SECONDS: '3600' });
  const total = async (name: string) => ((await sim.metrics.getSingleMetric(name)?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
  try {
    await until(() => api.batches.length >= 3, 'first batches');
    api.outage(6);
    await until(() => !api.inOutage, 'the outage to pass');
    const before = api.batches.length;
    await until(() => api.batches.length > before + 3, 'delivery after the outage');
    await sim.running.stop?.();
    const delivered = api.batches.reduce((n, b) => n + b.readings.length, 0);
    assert.equal(await total('orbit_simulator_readings_posted_total'), delivered);
    assert.equal(await total('orbit_simulator_readings_dropped_total'), 0, 'nothing was lost');
    assert.ok(await total('orbit_simulator_readings_generated_total') >= delivered);
    assert.ok(api.batches.some((b) => b.readings.length > 14), 'a backlog is sent as merged batches');
    for (const id of ['sim-1', 'sim-2', 'sim-3']) {
      const times = api.batches.filter((b) => b.spacecraft === id).flatMap((b) => b.readings.filter((r) => r.channel === 'orbit.altitude').map((r) => r.time as number));
      assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!), `${id}: in order, no duplicates`);
    }
  } finally {
    await sim.close();
    await api.app.close();
  }
});

test('when the simulator is off it sends nothing, but the injection history is still served', async () => {
  const api = await fakeApi();
  const sim = await startSimulator({ ORBIT_SIMULATOR: 'off', ORBIT_INGEST_URL: api.url, ORBIT_SIMULATOR_INTERVAL_MS: '20' });
  try {
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(api.calls, []);
    const answer = await sim.http.inject({ method: 'GET', url: '/v1/simulator/injections' });
    assert.equal(answer.statusCode, 200);
    assert.deepEqual(answer.json(), []);
    const openapi = (await sim.http.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, { get: { tags: string[] } }> };
    assert.deepEqual(openapi.paths['/v1/simulator/injections']!.get.tags, ['simulator']);
  } finally {
    await sim.close();
    await api.app.close();
  }
});

test('an unreachable API is reported once per failure streak, not per attempt', async () => {
  const { logger, lines } = captureLogs();
  const streak = new FailureStreak(logger, { failing: 'API down', recovered: 'API back' }, { graceMs: 1000, remindMs: 60_000 });
  const refused = new Error('fetch failed', { cause: { code: 'ECONNREFUSED' } });
  streak.failure(refused, 0); // inside the grace period: the server may be about to listen
  streak.failure(refused, 500);
  assert.equal(lines.length, 0);
  for (let t = 1000; t < 30_000; t += 250) streak.failure(refused, t);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 40);
  assert.match(JSON.stringify(lines[0]), /ECONNREFUSED/);
  streak.failure(refused, 61_000); // reminder
  streak.success(62_000);
  assert.equal(lines.length, 3);
  assert.equal(lines[2]!.msg, 'API back');
  // A refusal with an HTTP status is reported at once.
  streak.failure('POST /v1/telemetry answered 503', 70_000);
  assert.equal(lines.length, 4);
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});
