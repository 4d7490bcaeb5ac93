/**
 * The mission database's form actions over HTTP (no browser): a refused action answers
 * the page again with the problem's status and the REST route's own errors beside the
 * fields; one that works redirects (303) and records who acted; an unknown record is a 404 page.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/platform/config.ts';
import { createHttpServer, type HttpServer } from '../../src/platform/http.ts';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { TelemetryStore } from '../../src/stores/telemetry/store.ts';
import type { ConsoleApi } from '../../src/components/console/api.ts';
import { missionRoutes } from '../../src/components/console/mission-routes.ts';
import { missionPageRoutes } from '../../src/components/console/mission-pages.ts';
import type { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { migratedSql, silentLogger } from '../support/components.ts';

let sql: PgliteStore;
let http: HttpServer;

before(async () => {
  sql = await migratedSql();
  const catalog = new MissionCatalog(sql);
  const api = { catalog, telemetry: new TelemetryStore(sql) } as ConsoleApi;
  http = await createHttpServer({ logger: silentLogger, maxBodyBytes: 1 << 20, version: 'test' });
  for (const routes of [missionRoutes, missionPageRoutes]) await routes(http, api, loadConfig({}));
  await http.ready();
  await catalog.createMission({ id: 'm1', name: 'One' });
  await catalog.createSpacecraft({ id: 'sc1', missionId: 'm1', name: 'Sc' });
});

after(async () => {
  await http?.close();
  await sql?.close();
});

const post = (url: string, form: Record<string, string>, cookie?: string) =>
  http.inject({ method: 'POST', url, payload: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie && { cookie }) } });

test('a refused channel answers the page with the status and errors of the REST route, and stores nothing', async () => {
  const body = { type: 'number', limits: { yellowHigh: 50, redHigh: 40 } };
  const rest = await http.inject({ method: 'PUT', url: '/v1/spacecraft/sc1/channels/temp', payload: body });
  assert.equal(rest.statusCode, 400);
  const [restError] = rest.json().errors;

  const page = await post('/console/spacecraft/sc1/channels', { name: 'temp', type: 'number', 'limits.yellowHigh': '50', 'limits.redHigh': '40', actor: 'Ada' });
  assert.equal(page.statusCode, 400);
  assert.match(page.headers['content-type'] as string, /^text\/html/);
  assert.match(page.body, new RegExp(`<small id="f-limits-redHigh-error" class="field-error">${restError.detail.replace(/[()]/g, '\\$&')}</small>`));
  assert.doesNotMatch(page.body, /at .*\.ts:\d+/, 'no stack trace');
  assert.deepEqual(await new MissionCatalog(sql).listChannels('sc1'), []);

  const typo = await post('/console/spacecraft/sc1/channels', { name: 'temp', type: 'number', 'limits.redHigh': 'forty' });
  assert.equal(typo.statusCode, 400);
  assert.match(typo.body, /id="f-limits-redHigh-error" class="field-error">must be number</);
});

test('an action that works redirects and records the name given, which the next page offers again', async () => {
  const res = await post('/console/missions/m1', { name: 'One renamed', description: '', retentionDays: '7', actor: 'Grace' });
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, '/console/missions/m1');
  assert.match(String(res.headers['set-cookie']), /^orbit_actor=Grace;/);
  const [entry] = await new MissionCatalog(sql).history({ mission: 'm1' });
  assert.deepEqual([entry?.by, entry?.changes], ['Grace', [{ field: 'name', old: 'One', new: 'One renamed' }, { field: 'retentionDays', old: null, new: 7 }]]);

  const page = await http.inject({ method: 'GET', url: '/console/missions/m1', headers: { cookie: 'orbit_actor=Grace' } });
  assert.match(page.body, /id="f-actor-mission" name="actor" type="text" value="Grace"/);
});

test('a taken id is a 409 on the form; unknown records are 404 pages', async () => {
  const taken = await post('/console/missions', { id: 'm1', name: 'Again' });
  assert.equal(taken.statusCode, 409);
  assert.match(taken.body, /id="f-id-error" class="field-error">is taken</);
  for (const url of ['/console/missions/nope', '/console/spacecraft/nope']) assert.equal((await http.inject({ method: 'GET', url })).statusCode, 404);
});
