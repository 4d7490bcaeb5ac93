/**
 * Ground stations over HTTP (no browser): the REST routes create, replace, list and
 * delete a mission's stations, refusing bad fields with a problem naming each; the
 * mission's console page shows them, and its form and delete buttons do the same as the
 * routes, a refused form showing the route's errors beside its fields.
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
import { groundStationsSection } from '../../src/components/console/pages/ground-stations.ts';
import { escapeHtml } from '../../src/platform/html/html.ts';
import { formErrors } from '../../src/platform/html/form.ts';
import { HttpProblem } from '../../src/platform/problem.ts';
import type { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { migratedSql, silentLogger } from '../support/components.ts';

let sql: PgliteStore;
let http: HttpServer;
let catalog: MissionCatalog;

before(async () => {
  sql = await migratedSql();
  catalog = new MissionCatalog(sql);
  const api = { catalog, telemetry: new TelemetryStore(sql) } as ConsoleApi;
  http = await createHttpServer({ logger: silentLogger, maxBodyBytes: 1 << 20, version: 'test' });
  for (const routes of [missionRoutes, missionPageRoutes]) await routes(http, api, loadConfig({}));
  await http.ready();
  await catalog.createMission({ id: 'gs', name: 'Ground' });
});

after(async () => {
  await http?.close();
  await sql?.close();
});

const KIRUNA = { name: 'Kiruna', latitudeDeg: 67.8571, longitudeDeg: 20.9642, altitudeM: 341, elevationMaskDeg: 5 };
const put = (id: string, body: unknown, actor?: string) =>
  http.inject({ method: 'PUT', url: `/v1/missions/gs/ground-stations/${id}`, payload: body as object, headers: actor ? { 'orbit-actor': actor } : {} });
const post = (url: string, form: Record<string, string>) =>
  http.inject({ method: 'POST', url, payload: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

test('PUT creates (201) then replaces (200) a station; GET lists the mission\'s; DELETE removes it (204), then 404', async () => {
  const created = await put('kiruna', KIRUNA, 'Ada');
  assert.equal(created.statusCode, 201);
  assert.deepEqual({ ...(created.json() as object), createdAt: undefined, updatedAt: undefined }, { id: 'kiruna', missionId: 'gs', ...KIRUNA, createdAt: undefined, updatedAt: undefined });
  const replaced = await put('kiruna', { ...KIRUNA, elevationMaskDeg: 10 });
  assert.equal(replaced.statusCode, 200);
  assert.equal(replaced.json().elevationMaskDeg, 10);
  const defaults = await put('redu', { name: 'Redu', latitudeDeg: 50.0019, longitudeDeg: 5.1453 });
  assert.equal(defaults.statusCode, 201);
  assert.equal(defaults.json().altitudeM, 0);
  assert.equal(defaults.json().elevationMaskDeg, 0);

  const list = await http.inject({ method: 'GET', url: '/v1/missions/gs/ground-stations' });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json().map((g: { id: string }) => g.id), ['kiruna', 'redu']);

  const history = (await http.inject({ method: 'GET', url: '/v1/missions/gs/history' })).json();
  assert.deepEqual(history.slice(0, 3).map((e: { action: string; groundStation: string; by: string }) => [e.action, e.groundStation, e.by]), [
    ['create', 'redu', 'anonymous'], ['update', 'kiruna', 'anonymous'], ['create', 'kiruna', 'Ada'],
  ]);

  assert.equal((await http.inject({ method: 'DELETE', url: '/v1/missions/gs/ground-stations/redu' })).statusCode, 204);
  const again = await http.inject({ method: 'DELETE', url: '/v1/missions/gs/ground-stations/redu' });
  assert.equal(again.statusCode, 404);
  assert.match(again.json().detail, /no ground station "redu"/);
  assert.deepEqual((await http.inject({ method: 'GET', url: '/v1/missions/gs/ground-stations' })).json().map((g: { id: string }) => g.id), ['kiruna']);
});

test('an unknown mission is a 404 on every route', async () => {
  assert.equal((await http.inject({ method: 'GET', url: '/v1/missions/nope/ground-stations' })).statusCode, 404);
  assert.equal((await http.inject({ method: 'PUT', url: '/v1/missions/nope/ground-stations/x', payload: KIRUNA })).statusCode, 404);
  assert.equal((await http.inject({ method: 'DELETE', url: '/v1/missions/nope/ground-stations/x' })).statusCode, 404);
});

test('bad fields are refused with 400 naming each of them, and nothing is stored', async () => {
  const res = await put('bad', { name: '', latitudeDeg: 91, longitudeDeg: -181, altitudeM: 'high', elevationMaskDeg: 95, colour: 'red' });
  assert.equal(res.statusCode, 400);
  assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
  const pointers = new Set(res.json().errors.map((e: { pointer: string }) => e.pointer));
  for (const p of ['/name', '/latitudeDeg', '/longitudeDeg', '/altitudeM', '/elevationMaskDeg']) assert.ok(pointers.has(p), `${p} is named (${[...pointers].join(', ')})`);
  const missing = await put('bad', { name: 'No place' });
  assert.equal(missing.statusCode, 400);
  assert.ok(missing.json().errors.some((e: { pointer: string; detail: string }) => /latitudeDeg/.test(e.pointer + e.detail)), 'a missing latitude is named');
  const badId = await put('-bad id', KIRUNA);
  assert.equal(badId.statusCode, 400);
  assert.ok(!(await catalog.groundStations('gs'))!.some((g) => g.id === 'bad'));
});

test('a horizon mask must go by strictly increasing azimuth, each point in range: 400 naming the point', async () => {
  const unordered = await put('hill', { ...KIRUNA, horizonMask: [{ azimuthDeg: 0, elevationDeg: 5 }, { azimuthDeg: 180, elevationDeg: 5 }, { azimuthDeg: 90, elevationDeg: 5 }] });
  assert.equal(unordered.statusCode, 400);
  assert.deepEqual(unordered.json().errors.map((e: { pointer: string }) => e.pointer), ['/horizonMask/2/azimuthDeg']);
  const out = await put('hill', { ...KIRUNA, horizonMask: [{ azimuthDeg: 360, elevationDeg: 95 }] });
  assert.equal(out.statusCode, 400);
  const pointers = out.json().errors.map((e: { pointer: string }) => e.pointer);
  assert.ok(pointers.includes('/horizonMask/0/azimuthDeg') && pointers.includes('/horizonMask/0/elevationDeg'), pointers.join(', '));
  assert.ok(!(await catalog.groundStations('gs'))!.some((g) => g.id === 'hill'));
  const ok = await put('hill', { ...KIRUNA, horizonMask: [{ azimuthDeg: 0, elevationDeg: 5 }, { azimuthDeg: 180, elevationDeg: 1.5 }] });
  assert.equal(ok.statusCode, 201);
  assert.deepEqual(ok.json().horizonMask, [{ azimuthDeg: 0, elevationDeg: 5 }, { azimuthDeg: 180, elevationDeg: 1.5 }]);
  assert.equal((await http.inject({ method: 'DELETE', url: '/v1/missions/gs/ground-stations/hill' })).statusCode, 204);
});

test('the console form takes a horizon as azimuth:elevation pairs and shows it back; a bad pair is named beside the field', async () => {
  const added = await post('/console/missions/gs/ground-stations', { id: 'alps', name: 'Alps', latitudeDeg: '46.5', longitudeDeg: '9.8', horizonMask: '0:12, 90:3\n200:8.5' });
  assert.equal(added.statusCode, 303);
  assert.deepEqual((await catalog.groundStations('gs'))!.find((g) => g.id === 'alps')?.horizonMask, [{ azimuthDeg: 0, elevationDeg: 12 }, { azimuthDeg: 90, elevationDeg: 3 }, { azimuthDeg: 200, elevationDeg: 8.5 }]);
  const page = await http.inject({ method: 'GET', url: '/console/missions/gs' });
  assert.match(page.body, /<td>alps<\/td>[\s\S]*?<code>0:12, 90:3, 200:8.5<\/code>/);
  const refused = await post('/console/missions/gs/ground-stations', { id: 'alps', name: 'Alps', latitudeDeg: '46.5', longitudeDeg: '9.8', horizonMask: '0:12, 90' });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /id="f-gs-horizonMask-error" class="field-error">[^<]+</);
  await http.inject({ method: 'DELETE', url: '/v1/missions/gs/ground-stations/alps' });
});

test("the mission page lists stations; its form adds and replaces one, its button deletes one, each recorded under the name given", async () => {
  await put('svalbard', { name: 'Svalbard', latitudeDeg: 78.2297, longitudeDeg: 15.4078 });
  const page = await http.inject({ method: 'GET', url: '/console/missions/gs' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<table aria-label="Ground stations of gs">[\s\S]*<td>svalbard<\/td><td>Svalbard<\/td><td class="num">78.2297<\/td>/);

  const added = await post('/console/missions/gs/ground-stations', { id: 'hbk', name: 'Hartebeesthoek', latitudeDeg: '-25.8897', longitudeDeg: '27.6853', altitudeM: '1415', elevationMaskDeg: '', actor: 'Grace' });
  assert.equal(added.statusCode, 303);
  assert.equal(added.headers.location, '/console/missions/gs#h-ground-stations');
  const hbk = (await catalog.groundStations('gs'))!.find((g) => g.id === 'hbk');
  assert.deepEqual([hbk?.latitudeDeg, hbk?.altitudeM, hbk?.elevationMaskDeg], [-25.8897, 1415, 0]);
  assert.equal((await catalog.history({ mission: 'gs' }))[0]!.by, 'Grace');

  const replaced = await post('/console/missions/gs/ground-stations', { id: 'hbk', name: 'HBK', latitudeDeg: '-25.8897', longitudeDeg: '27.6853', elevationMaskDeg: '7.5' });
  assert.equal(replaced.statusCode, 303);
  assert.equal((await catalog.groundStations('gs'))!.find((g) => g.id === 'hbk')?.elevationMaskDeg, 7.5);

  const deleted = await post('/console/missions/gs/ground-stations/hbk/delete', { actor: 'Grace' });
  assert.equal(deleted.statusCode, 303);
  assert.ok(!(await catalog.groundStations('gs'))!.some((g) => g.id === 'hbk'));
  const entry = (await catalog.history({ mission: 'gs' }))[0]!;
  assert.deepEqual([entry.action, entry.groundStation, entry.by], ['delete', 'hbk', 'Grace']);
  const history = await http.inject({ method: 'GET', url: '/console/missions/gs' });
  assert.match(history.body, /ground station hbk of <a href="\/console\/missions\/gs">gs<\/a>/);
});

test('a refused station form answers the page with the route\'s status and each error beside its field, and stores nothing', async () => {
  const rest = await put('north', { name: 'North', latitudeDeg: 95, longitudeDeg: 0 });
  const [restError] = rest.json().errors;
  const res = await post('/console/missions/gs/ground-stations', { id: 'north', name: 'North', latitudeDeg: '95', longitudeDeg: 'east', actor: 'Ada' });
  assert.equal(res.statusCode, 400);
  assert.match(res.headers['content-type'] as string, /^text\/html/);
  assert.ok(res.body.includes(`id="f-gs-latitudeDeg-error" class="field-error">${escapeHtml(restError.detail)}<`), `the route's own error, ${restError.detail}`);
  assert.match(res.body, /id="f-gs-longitudeDeg-error" class="field-error">must be number</);
  assert.match(res.body, /name="latitudeDeg" type="number" value="95"/, 'the form shows what was posted');
  assert.ok(!(await catalog.groundStations('gs'))!.some((g) => g.id === 'north'));
  const unknown = await post('/console/missions/nope/ground-stations/x/delete', {});
  assert.equal(unknown.statusCode, 404);
});

test('the ground stations section escapes every value a user can set', () => {
  const EVIL = '<script>alert(1)</script>';
  const station = { id: 'x', missionId: 'gs', name: EVIL, latitudeDeg: 1, longitudeDeg: 2, altitudeM: 3, elevationMaskDeg: 4, createdAt: '', updatedAt: '' };
  const problem = new HttpProblem(400, EVIL, { errors: [{ pointer: '/name', detail: EVIL }, { pointer: `/${EVIL}`, detail: EVIL }] });
  const markup = groundStationsSection('gs', [station], EVIL, { form: { id: EVIL, name: EVIL, latitudeDeg: EVIL }, errors: formErrors(problem, ['id', 'name']) }).value;
  assert.ok(!markup.includes(EVIL) && !/<script>alert/i.test(markup), 'no raw script tag');
  assert.ok(markup.includes(escapeHtml(EVIL)), 'the value is shown, escaped');
});
