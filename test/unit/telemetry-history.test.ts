/**
 * History over HTTP on the embedded store: paging a range with the cursor visits every
 * reading once in time order, and the export streams the same readings as CSV or NDJSON.
 * The log search pages the same way, and the console's history and log pages answer
 * through the same checks.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/platform/config.ts';
import { createHttpServer, type HttpServer } from '../../src/platform/http.ts';
import { EmbeddedLogIndex } from '../../src/engines/logs/embedded.ts';
import { consoleModule } from '../../src/components/console/module.ts';
import { exportLines, isoFormatter } from '../../src/components/console/export-format.ts';
import { AlertStore } from '../../src/stores/alerts/store.ts';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { TelemetryStore, type StoredReading } from '../../src/stores/telemetry/store.ts';
import { componentEnv, seedSpacecraft, silentLogger } from '../support/components.ts';
import { mountModule } from '../support/modules.ts';
import { tempDir } from '../support/temp-store.ts';

const T0 = Date.parse('2026-11-27T00:00:00Z');
const COUNT = 2_345;
let http: HttpServer;
let logs: EmbeddedLogIndex;
let removeLogs: () => Promise<void>;

const env = componentEnv('orbit-history-', async ({ sql, engines }) => {
  const catalog = new MissionCatalog(sql);
  const telemetry = new TelemetryStore(sql);
  await seedSpacecraft(catalog, 'hist-1', { volts: { type: 'number', calibration: { polynomial: [0, 2] } }, mode: { type: 'string' } });
  const readings: StoredReading[] = [];
  // Written out of order, as late data arrives: reads must still come back in time order.
  for (let i = COUNT - 1; i >= 0; i--) readings.push({ spacecraft: 'hist-1', channel: 'volts', time: T0 + i * 1000, raw: i, value: i * 2, type: 'number', batchId: 'b-volts' });
  await telemetry.write(readings);
  const modes = ['safe', 'say "hi", then\nstop', 'nominal'];
  await telemetry.write(modes.map((m, i) => ({ spacecraft: 'hist-1', channel: 'mode', time: T0 + i * 1000, raw: m, value: m, type: 'string', batchId: 'b-mode' })));
  const logDir = await tempDir('orbit-history-logs-');
  removeLogs = logDir.remove;
  logs = await EmbeddedLogIndex.open(logDir.dir);
  http = await createHttpServer({ logger: silentLogger, maxBodyBytes: 1 << 20, version: 'test' });
  await mountModule(consoleModule, {
    config: loadConfig({}), logger: silentLogger, metrics: new Registry(),
    deps: { catalog, telemetry, alerts: new AlertStore(sql), logs, queue: engines.queue, sql },
  }, http);
});

before(() => assert.ok(env));
after(async () => {
  await http?.close();
  await logs?.close();
  await removeLogs?.();
});

const get = (url: string) => http.inject({ method: 'GET', url });

test('the store reads a range in chunks, every reading once, in time order', async () => {
  const telemetry = new TelemetryStore(env.sql);
  let count = 0;
  let last = -Infinity;
  for await (const chunk of telemetry.columns({ spacecraft: 'hist-1', channel: 'volts' }, 'number')) {
    for (let i = 0; i < chunk.times.length; i++) {
      assert.ok(chunk.times[i]! > last, 'in time order, no repeats');
      last = chunk.times[i]!;
      count++;
    }
  }
  assert.equal(count, COUNT);
});

test('the cursor pages through a range: every reading once, in time order, and no cursor after the last page', async () => {
  const seen: string[] = [];
  let url = `/v1/telemetry?spacecraft=hist-1&channel=volts&limit=1000`;
  let pages = 0;
  for (;;) {
    const res = await get(url);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    seen.push(...body.points.map((p: { time: string }) => p.time));
    pages++;
    if (!body.next) break;
    url = `/v1/telemetry?spacecraft=hist-1&channel=volts&limit=1000&cursor=${body.next}`;
  }
  assert.equal(pages, 3);
  assert.equal(seen.length, COUNT);
  assert.deepEqual(seen, Array.from({ length: COUNT }, (_, i) => new Date(T0 + i * 1000).toISOString()));
});

test('the cursor keeps to the range asked for', async () => {
  const range = `spacecraft=hist-1&channel=volts&from=${T0 + 10_000}&to=${T0 + 15_000}&limit=3`;
  const first = (await get(`/v1/telemetry?${range}`)).json();
  assert.deepEqual(first.points.map((p: { raw: number }) => p.raw), [10, 11, 12]);
  const second = (await get(`/v1/telemetry?${range}&cursor=${first.next}`)).json();
  assert.deepEqual(second.points.map((p: { raw: number }) => p.raw), [13, 14]);
  assert.equal(second.next, undefined);
});

test('a cursor this API did not give out is refused, naming the parameter', async () => {
  const res = await get('/v1/telemetry?spacecraft=hist-1&channel=volts&cursor=not-a-cursor');
  assert.equal(res.statusCode, 400);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.deepEqual(res.json().errors.map((e: { pointer: string }) => e.pointer), ['querystring/cursor']);
});

test('CSV export streams every reading of the range with a time,value,raw header', async () => {
  const res = await get(`/v1/telemetry/export?spacecraft=hist-1&channel=volts&format=csv`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/csv/);
  assert.match(String(res.headers['content-disposition']), /attachment; filename="hist-1-volts\.csv"/);
  const lines = res.body.trimEnd().split('\n');
  assert.equal(lines[0], 'time,value,raw');
  assert.equal(lines.length, COUNT + 1);
  assert.equal(lines[1], `${new Date(T0).toISOString()},0,0`);
  assert.equal(lines.at(-1), `${new Date(T0 + (COUNT - 1) * 1000).toISOString()},${(COUNT - 1) * 2},${COUNT - 1}`);
});

test('NDJSON export holds the same readings as the history API, one object per line', async () => {
  const ndjson = (await get(`/v1/telemetry/export?spacecraft=hist-1&channel=volts&format=ndjson&from=${T0 + 100_000}&to=${T0 + 200_000}`));
  assert.equal(ndjson.headers['content-type'], 'application/x-ndjson');
  const exported = ndjson.body.trimEnd().split('\n').map((l) => JSON.parse(l));
  const points = (await get(`/v1/telemetry?spacecraft=hist-1&channel=volts&from=${T0 + 100_000}&to=${T0 + 200_000}&limit=1000`)).json().points;
  assert.equal(exported.length, 100);
  assert.deepEqual(exported, points);
});

test('CSV quotes text values that hold commas, quotes or line breaks', async () => {
  const res = await get(`/v1/telemetry/export?spacecraft=hist-1&channel=mode`);
  assert.equal(res.body, [
    'time,value,raw',
    `${new Date(T0).toISOString()},safe,safe`,
    `${new Date(T0 + 1000).toISOString()},"say ""hi"", then\nstop","say ""hi"", then\nstop"`,
    `${new Date(T0 + 2000).toISOString()},nominal,nominal`,
  ].join('\n') + '\n');
  assert.equal(exportLines({ times: [0], values: [true], raws: [false] }, 'csv'), '1970-01-01T00:00:00.000Z,true,false\n');
});

test('export answers problems before streaming: unknown channel 404, bad format or time 400', async () => {
  assert.equal((await get('/v1/telemetry/export?spacecraft=hist-1&channel=nope')).statusCode, 404);
  const format = await get('/v1/telemetry/export?spacecraft=hist-1&channel=volts&format=xlsx');
  assert.equal(format.statusCode, 400);
  assert.match(JSON.stringify(format.json().errors), /format/);
  const time = await get('/v1/telemetry/export?spacecraft=hist-1&channel=volts&from=yesterday');
  assert.equal(time.statusCode, 400);
  assert.deepEqual(time.json().errors.map((e: { pointer: string }) => e.pointer), ['querystring/from']);
});

test('export times read exactly as toISOString writes them, across days, years and the edges of four-digit years', () => {
  const iso = isoFormatter();
  const times = [0, 1, 999, 86_399_999, 86_400_000, -1, -86_400_001, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999), 253_402_300_800_000, -62_167_219_200_001, 8.64e15, 1.5];
  for (let t = -5e12; t < 5e12; t += 7_777_777_777) times.push(Math.round(t));
  for (const t of times) assert.equal(iso(t), new Date(t).toISOString(), String(t));
});

test('log search pages with the `next` cursor through GET /v1/logs, newest first, every entry once', async () => {
  await logs.index(Array.from({ length: 7 }, (_, i) => ({ time: T0 + Math.floor(i / 3), level: 'info' as const, msg: `paged line ${i}`, service: 'history-test' })));
  const seen: string[] = [];
  let url = '/v1/logs?service=history-test&limit=2';
  for (;;) {
    const body = (await get(url)).json();
    seen.push(...body.entries.map((e: { msg: string }) => e.msg));
    if (!body.next) break;
    url = `/v1/logs?service=history-test&limit=2&cursor=${body.next}`;
  }
  assert.deepEqual(seen, [6, 5, 4, 3, 2, 1, 0].map((i) => `paged line ${i}`));
  const forged = await get('/v1/logs?cursor=forged');
  assert.equal(forged.statusCode, 400);
  assert.deepEqual(forged.json().errors.map((e: { pointer: string }) => e.pointer), ['querystring/cursor']);
});

test('the console pages read through the same checks: a refused query is the page again, with the status of the REST answer', async () => {
  const history = await get('/console/history?spacecraft=hist-1&channel=volts&channel=mode&from=2026-11-27T00:00&to=2026-11-27T01:00');
  assert.equal(history.statusCode, 200);
  assert.match(history.body, /<svg[^>]+data-channel="volts"/);
  assert.match(history.body, /Buckets of volts/, '2,345 readings are more than a plot draws one by one');
  const unknown = await get('/console/history?spacecraft=hist-1&channel=nope');
  assert.equal(unknown.statusCode, 404);
  assert.match(unknown.body, /no channel &quot;nope&quot; of spacecraft &quot;hist-1&quot;/);
  const level = await get('/console/logs?level=loud');
  assert.equal(level.statusCode, 400);
  assert.match(level.body, /id="f-level-error"/);
  const found = await get('/console/logs?service=history-test&q=paged');
  assert.equal(found.statusCode, 200);
  assert.match(found.body, /paged line 6/);
});
