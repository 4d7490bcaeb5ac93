import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Type } from 'typebox';
import { AccessControl, allows, hostName, type Gatekeeper, type Principal, type AuditRecord } from '../../src/platform/access.ts';
import { hashSecret, keyIdOf, newKey, sameSecret } from '../../src/platform/credentials.ts';
import { createHttpServer, type HttpServer } from '../../src/platform/http.ts';
import { ConfigError, isLoopback, loadConfig } from '../../src/platform/config.ts';
import { missionItems, spacecraftInPath } from '../../src/platform/scopes.ts';
import { consolePages, sendHtml } from '../../src/platform/html/pages.ts';
import { page } from '../../src/platform/html/layout.ts';
import { html } from '../../src/platform/html/html.ts';

describe('API keys', () => {
  test('a key is orbit_<id>_<43 base64url characters>, its id readable back, its hash SHA-256 hex and equal only for the same key', () => {
    const a = newKey();
    const b = newKey();
    assert.match(a.key, /^orbit_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(keyIdOf(a.key), a.id);
    assert.notEqual(a.key, b.key);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal(hashSecret(a.key), a.hash);
    assert.ok(sameSecret(hashSecret(a.key), a.hash));
    assert.ok(!sameSecret(hashSecret(b.key), a.hash));
    assert.ok(!sameSecret('short', a.hash), 'different lengths compare unequal rather than throw');
    for (const bad of ['', 'orbit_', `orbit_${a.id}`, `${a.key}x`, a.key.replace('orbit_', 'other_'), `orbit_AB_${'x'.repeat(43)}`]) assert.equal(keyIdOf(bad), undefined, bad);
  });

  test('roles are ordered viewer < operator < admin', () => {
    assert.ok(allows('admin', 'viewer') && allows('admin', 'operator') && allows('admin', 'admin'));
    assert.ok(allows('operator', 'viewer') && allows('operator', 'operator') && !allows('operator', 'admin'));
    assert.ok(allows('viewer', 'viewer') && !allows('viewer', 'operator') && !allows('viewer', 'admin'));
  });
});

describe('access configuration', () => {
  test('auth is on by default exactly when the bind address is not loopback', () => {
    assert.equal(loadConfig({}).auth.enabled, false);
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', 'localhost']) assert.equal(loadConfig({ ORBIT_HOST: host }).auth.enabled, false, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'orbit.example']) assert.equal(loadConfig({ ORBIT_HOST: host }).auth.enabled, true, host);
    assert.equal(loadConfig({ ORBIT_AUTH: 'on' }).auth.enabled, true);
    assert.ok(isLoopback('[::1]') && !isLoopback('128.0.0.1'));
  });

  test('ORBIT_AUTH=off with a non-loopback bind is refused, naming both variables', () => {
    assert.throws(() => loadConfig({ ORBIT_AUTH: 'off', ORBIT_HOST: '0.0.0.0' }), (error: unknown) => error instanceof ConfigError && /ORBIT_AUTH=off/.test(error.message) && /ORBIT_HOST=0\.0\.0\.0/.test(error.message));
    assert.equal(loadConfig({ ORBIT_AUTH: 'off', ORBIT_HOST: '127.0.0.1' }).auth.enabled, false);
  });

  test('allowed hosts: loopback names by default on a loopback bind, any otherwise, `*` any, a list as given', () => {
    assert.deepEqual(loadConfig({}).auth.allowedHosts, ['localhost', '127.0.0.1', '[::1]']);
    assert.equal(loadConfig({ ORBIT_HOST: '0.0.0.0' }).auth.allowedHosts, undefined);
    assert.equal(loadConfig({ ORBIT_ALLOWED_HOSTS: '*' }).auth.allowedHosts, undefined);
    assert.deepEqual(loadConfig({ ORBIT_HOST: '0.0.0.0', ORBIT_ALLOWED_HOSTS: 'Orbit.Example, localhost' }).auth.allowedHosts, ['orbit.example', 'localhost']);
    assert.throws(() => loadConfig({ ORBIT_ADMIN_KEY: 'too-short' }), /ORBIT_ADMIN_KEY="\*\*\*\*"/, 'a short bootstrap key is refused without being printed');
  });

  test('a Host header is read without its port, IPv6 with its brackets', () => {
    assert.equal(hostName('LocalHost:8080'), 'localhost');
    assert.equal(hostName('[::1]:8080'), '[::1]');
    assert.equal(hostName('127.0.0.1'), '127.0.0.1');
  });
});

describe('every route declares its access', () => {
  test('a route without one cannot be registered; declared ones are documented with their security and 401/403', async () => {
    const http = await createHttpServer({ logger: pino({ enabled: false }), maxBodyBytes: 1024, version: 't' });
    assert.throws(() => http.get('/v1/forgotten', () => 'x'), /GET \/v1\/forgotten declares no access/);
    http.get('/v1/things', { config: { access: 'viewer' }, schema: { summary: 'Things', response: { 200: Type.Array(Type.String()) } } }, () => []);
    http.get('/v1/open', { config: { access: 'public' }, schema: { summary: 'Open' } }, () => 'ok');
    await http.ready();
    const doc = (await http.inject('/openapi.json')).json();
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearer.description });
    assert.equal(doc.components.securitySchemes.session.in, 'cookie');
    const things = doc.paths['/v1/things'].get;
    assert.deepEqual(things.security, [{ bearer: [] }, { session: [] }]);
    assert.ok(things.responses['401'] && things.responses['403']);
    assert.match(things.description, /viewer/);
    assert.deepEqual(doc.paths['/v1/open'].get.security, []);
    assert.equal((await http.inject('/docs')).statusCode < 400, true, 'the API docs are served (public)');
    await http.close();
  });
});

const KEYS: Record<string, Principal> = {
  viewer: { id: 'v', name: 'viewer key', role: 'viewer', via: 'key' },
  operator: { id: 'o', name: 'operator key', role: 'operator', via: 'key' },
  scoped: { id: 's', name: 'm1 admin', role: 'admin', missions: ['m1'], via: 'key' },
  session: { id: 'w', name: 'browser', role: 'admin', via: 'session', session: { csrfToken: 'token-1' } },
};
const MISSION_OF: Record<string, string> = { sc1: 'm1', sc2: 'm2' };

async function server(options: { enabled?: boolean; allowedHosts?: string[] } = {}): Promise<{ http: HttpServer; audit: AuditRecord[] }> {
  const access = new AccessControl({ enabled: options.enabled ?? true, allowedHosts: options.allowedHosts });
  const audit: AuditRecord[] = [];
  const gate: Gatekeeper = {
    authenticate: async (request) => {
      const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (bearer) return KEYS[bearer];
      return /orbit_session=w/.test(request.headers.cookie ?? '') ? KEYS.session : undefined;
    },
    missionOf: async (spacecraft) => MISSION_OF[spacecraft],
    audit: (record) => audit.push(record),
  };
  access.bind(gate);
  const http = await createHttpServer({ logger: pino({ enabled: false }), maxBodyBytes: 1024 * 1024, version: 't', access });
  http.get('/healthz', { config: { access: 'public' } }, () => ({ status: 'ok' }));
  http.get('/v1/missions', { config: { access: 'viewer', scope: missionItems('id') } }, () => [{ id: 'm1' }, { id: 'm2' }]);
  http.put('/v1/spacecraft/:id/limits', { config: { access: 'admin', scope: spacecraftInPath() }, schema: { body: Type.Object({ redHigh: Type.Number() }) } }, (request) => ({ id: (request.params as { id: string }).id }));
  http.post('/v1/telemetry', { config: { access: 'operator', audit: false } }, () => ({ accepted: 1 }));
  http.get('/v1/logs', { config: { access: 'viewer' } }, () => []);
  await consolePages(http, (app) => {
    app.get('/console/page', { config: { access: 'viewer' } }, (_request, reply) => sendHtml(reply, page({ title: 'T', section: 'overview', body: html`<form method="post" action="/x"><input name="a"></form><form method="get" action="/y"></form>` })));
  });
  await http.ready();
  return { http, audit };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('the HTTP server\'s access checks', () => {
  test('no credential: 401 problem+json with WWW-Authenticate; a browser asking for a page goes to the sign-in page with the way back', async () => {
    const { http } = await server();
    const res = await http.inject('/v1/missions');
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="orbit"');
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    const page = await http.inject({ url: '/console/page?x=1', headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, '/sign-in?next=%2Fconsole%2Fpage%3Fx%3D1');
    assert.equal((await http.inject({ url: '/v1/missions', headers: bearer('nonsense') })).statusCode, 401);
    assert.equal((await http.inject('/healthz')).statusCode, 200);
    await http.close();
  });

  test('a role below the route\'s: 403 naming the role needed; at or above it: served', async () => {
    const { http, audit } = await server();
    assert.equal((await http.inject({ url: '/v1/missions', headers: bearer('viewer') })).statusCode, 200);
    const refused = await http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer('viewer') });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().detail, /needs the role operator/);
    assert.equal((await http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer('operator') })).statusCode, 200);
    const limits = await http.inject({ method: 'PUT', url: '/v1/spacecraft/sc1/limits', headers: bearer('operator'), payload: { redHigh: 1 } });
    assert.equal(limits.statusCode, 403);
    assert.deepEqual(audit.map((a) => [a.action, a.status, a.actor?.name]), [['PUT /v1/spacecraft/:id/limits', 403, 'operator key']], 'refused changes are audited, ingest is not');
    await http.close();
  });

  test('a key limited to missions: lists keep its missions, other missions\' spacecraft (and unknown ones) answer 403, unscoped routes need an unscoped key', async () => {
    const { http } = await server();
    const missions = await http.inject({ url: '/v1/missions', headers: bearer('scoped') });
    assert.deepEqual(missions.json(), [{ id: 'm1' }]);
    assert.equal((await http.inject({ method: 'PUT', url: '/v1/spacecraft/sc1/limits', headers: bearer('scoped'), payload: { redHigh: 1 } })).statusCode, 200);
    for (const sc of ['sc2', 'nope']) {
      const other = await http.inject({ method: 'PUT', url: `/v1/spacecraft/${sc}/limits`, headers: bearer('scoped'), payload: { redHigh: 1 } });
      assert.equal(other.statusCode, 403, sc);
      assert.match(other.json().detail, new RegExp(`spacecraft ${sc} is not in this key's missions`));
    }
    const logs = await http.inject({ url: '/v1/logs', headers: bearer('scoped') });
    assert.equal(logs.statusCode, 403);
    assert.match(logs.json().detail, /needs a key that is not/);
    assert.deepEqual((await http.inject({ url: '/v1/missions', headers: bearer('viewer') })).json(), [{ id: 'm1' }, { id: 'm2' }]);
    await http.close();
  });

  test('a session needs its CSRF token for a change; pages seen through it carry the token in POST forms and show who is signed in', async () => {
    const { http } = await server();
    const cookie = { cookie: 'orbit_session=w' };
    const forged = await http.inject({ method: 'PUT', url: '/v1/spacecraft/sc1/limits', headers: cookie, payload: { redHigh: 1 } });
    assert.equal(forged.statusCode, 403);
    assert.match(forged.json().detail, /CSRF/);
    assert.equal((await http.inject({ method: 'PUT', url: '/v1/spacecraft/sc1/limits', headers: { ...cookie, 'x-csrf-token': 'token-2' }, payload: { redHigh: 1 } })).statusCode, 403);
    assert.equal((await http.inject({ method: 'PUT', url: '/v1/spacecraft/sc1/limits', headers: { ...cookie, 'x-csrf-token': 'token-1' }, payload: { redHigh: 1 } })).statusCode, 200);
    assert.equal((await http.inject({ method: 'POST', url: '/v1/telemetry', headers: bearer('operator') })).statusCode, 200, 'a bearer key needs no CSRF token');
    const body = (await http.inject({ url: '/console/page', headers: cookie })).body;
    assert.match(body, /<form method="post" action="\/x"><input type="hidden" name="_csrf" value="token-1">/);
    assert.doesNotMatch(body, /action="\/y"><input type="hidden"/, 'GET forms are left alone');
    assert.match(body, /Signed in as <strong>browser<\/strong> \(admin\)/);
    assert.match(body, /action="\/sign-out"/);
    await http.close();
  });

  test('a Host not allowed answers 421 problem+json, with auth on or off; probes answer any Host', async () => {
    for (const enabled of [true, false]) {
      const { http } = await server({ enabled, allowedHosts: ['localhost', '127.0.0.1', '[::1]'] });
      const evil = await http.inject({ url: '/v1/missions', headers: { host: 'evil.example', ...bearer('viewer') } });
      assert.equal(evil.statusCode, 421);
      assert.match(String(evil.headers['content-type']), /problem\+json/);
      assert.equal((await http.inject({ url: '/v1/missions', headers: { host: 'localhost:8080', ...bearer('viewer') } })).statusCode, 200);
      assert.equal((await http.inject({ url: '/v1/missions', headers: { host: '[::1]:8080', ...bearer('viewer') } })).statusCode, 200);
      assert.equal((await http.inject({ url: '/healthz', headers: { host: 'evil.example' } })).statusCode, 200);
      await http.close();
    }
  });

  test('auth on without a gatekeeper bound yet refuses (503) rather than letting requests through', async () => {
    const access = new AccessControl({ enabled: true });
    const http = await createHttpServer({ logger: pino({ enabled: false }), maxBodyBytes: 1024, version: 't', access });
    http.get('/v1/missions', { config: { access: 'viewer' } }, () => []);
    await http.ready();
    const res = await http.inject('/v1/missions');
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '1');
    await http.close();
  });

  test('with auth off every route answers without a credential', async () => {
    const { http, audit } = await server({ enabled: false });
    assert.equal((await http.inject('/v1/missions')).statusCode, 200);
    assert.equal((await http.inject({ method: 'PUT', url: '/v1/spacecraft/sc1/limits', payload: { redHigh: 1 } })).statusCode, 200);
    assert.deepEqual(audit, []);
    await http.close();
  });
});
