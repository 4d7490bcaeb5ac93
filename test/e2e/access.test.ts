/**
 * Access control end to end, with ORBIT_AUTH=on: keys from the CLI and the API, roles,
 * mission scopes, revocation, the audit log, browser sign-in with CSRF, the Host allowlist,
 * and the simulator flying on the process's own in-memory credential.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';
import { openStream } from '../support/sse.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ADMIN = `bootstrap-${'a'.repeat(40)}`;

async function cli(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(path.join(ROOT, 'bin/orbit'), args, { env: { PATH: process.env.PATH, ORBIT_DATA_DIR: dataDir } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('access control', () => {
  let orbit: OrbitChild;
  let removeData: (() => Promise<void>) | undefined;
  let cliKey: string;
  const keys: Record<string, { id: string; key: string }> = {};
  const as = (key: string) => (pathname: string, init: RequestInit & { json?: unknown } = {}) => orbit.api(pathname, { ...init, headers: { authorization: `Bearer ${key}`, ...init.headers } });

  before(async () => {
    const { dir: dataDir, remove } = await tempDir('orbit-access-');
    removeData = remove;
    // The first key of an installation, from the command line, before Orbit runs.
    const created = await cli(['keys', 'create', '--name', 'first admin', '--role', 'admin'], dataDir);
    assert.equal(created.code, 0, created.stderr);
    cliKey = created.stdout.trim().split('\n').at(-1)!;
    assert.match(cliKey, /^orbit_[a-z0-9]+_[A-Za-z0-9_-]{43}$/);
    orbit = await startOrbit({
      dataDir, timeoutMs: 60_000,
      env: { ORBIT_AUTH: 'on', ORBIT_ADMIN_KEY: ADMIN, ORBIT_SIMULATOR: 'on', ORBIT_SIMULATOR_SPACECRAFT: '1', ORBIT_SIMULATOR_INTERVAL_MS: '1000' },
    });
    const admin = as(cliKey);
    for (const [mission, spacecraft] of [['m1', 'sc-a'], ['m2', 'sc-b']]) {
      assert.equal((await admin('/v1/missions', { method: 'POST', json: { id: mission, name: mission } })).status, 201);
      assert.equal((await admin('/v1/spacecraft', { method: 'POST', json: { id: spacecraft, missionId: mission, name: spacecraft } })).status, 201);
      assert.equal((await admin(`/v1/spacecraft/${spacecraft}/channels/temp`, { method: 'PUT', json: { type: 'number', limits: { redHigh: 50 } } })).status, 201);
    }
    for (const [name, role, missions] of [['viewer', 'viewer'], ['operator', 'operator'], ['m1 operator', 'operator', ['m1']]] as const) {
      const res = await as(ADMIN)('/v1/keys', { method: 'POST', json: { name, role, ...(missions && { missions }) } });
      assert.equal(res.status, 201);
      const body = await res.json();
      assert.equal(body.role, role);
      keys[name] = { id: body.id, key: body.key };
    }
  });
  after(async () => {
    await orbit?.stop();
    await removeData?.();
  });

  test('without a key: 401 problem+json with WWW-Authenticate; probes and the OpenAPI document stay open', async () => {
    const res = await orbit.api('/v1/spacecraft');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="orbit"');
    assert.match(res.headers.get('content-type')!, /problem\+json/);
    assert.equal((await orbit.api('/v1/spacecraft', { headers: { authorization: 'Bearer orbit_abcdefabcdef_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' } })).status, 401);
    for (const open of ['/healthz', '/readyz', '/metrics', '/openapi.json']) assert.equal((await orbit.api(open)).status, 200, open);
    const doc = await (await orbit.api('/openapi.json')).json();
    assert.deepEqual(doc.paths['/v1/telemetry'].post.security, [{ bearer: [] }, { session: [] }]);
    assert.ok(doc.paths['/v1/telemetry'].post.responses['403']);
  });

  test('a viewer reads but may not ingest or change a channel\'s limits; an operator ingests', async () => {
    const viewer = as(keys.viewer!.key);
    assert.equal((await viewer('/v1/spacecraft')).status, 200);
    const ingest = await viewer('/v1/telemetry', { method: 'POST', json: { spacecraft: 'sc-a', readings: [{ channel: 'temp', time: Date.now(), value: 1 }] } });
    assert.equal(ingest.status, 403);
    assert.match((await ingest.json()).detail, /needs the role operator/);
    const limits = await viewer('/v1/spacecraft/sc-a/channels/temp', { method: 'PUT', json: { type: 'number', limits: { redHigh: 5 } } });
    assert.equal(limits.status, 403);
    assert.match((await limits.json()).detail, /needs the role admin/);
    const operator = as(keys.operator!.key);
    for (const sc of ['sc-a', 'sc-b']) {
      const res = await operator('/v1/telemetry', { method: 'POST', json: { spacecraft: sc, readings: [{ channel: 'temp', time: Date.now(), value: 99 }] } });
      assert.equal(res.status, 202, sc);
    }
  });

  test('a key limited to a mission sees only its spacecraft and alerts, and gets 403 on another mission\'s', async () => {
    const scoped = as(keys['m1 operator']!.key);
    const spacecraft = await (await scoped('/v1/spacecraft')).json();
    assert.deepEqual(spacecraft.map((s: { id: string }) => s.id), ['sc-a']);
    assert.deepEqual((await (await scoped('/v1/missions')).json()).map((m: { id: string }) => m.id), ['m1']);
    // Both spacecraft raised an alert (the operator's readings above); the scoped key sees its own only.
    await eventually(async () => ((await (await as(keys.viewer!.key)('/v1/alerts')).json()).length >= 2 ? true : undefined), 30_000, 'both alerts');
    const alerts = await (await scoped('/v1/alerts')).json();
    assert.deepEqual([...new Set(alerts.map((a: { spacecraft: string }) => a.spacecraft))], ['sc-a']);
    const other = await scoped('/v1/telemetry?spacecraft=sc-b&channel=temp');
    assert.equal(other.status, 403);
    assert.match((await other.json()).detail, /sc-b is not in this key's missions/);
    assert.equal((await scoped('/v1/telemetry', { method: 'POST', json: { spacecraft: 'sc-b', readings: [{ channel: 'temp', time: Date.now(), value: 1 }] } })).status, 403);
    assert.equal((await scoped('/v1/telemetry', { method: 'POST', json: { spacecraft: 'sc-a', readings: [{ channel: 'temp', time: Date.now(), value: 1 }] } })).status, 202);
    assert.ok(alerts.length >= 1, 'its own spacecraft\'s alert is there');
    const bAlert = (await (await as(keys.viewer!.key)('/v1/alerts?spacecraft=sc-b')).json())[0];
    assert.equal((await scoped(`/v1/alerts/${bAlert.id}/acknowledge`, { method: 'POST', json: { by: 'x' } })).status, 403);
    assert.equal((await scoped('/v1/logs')).status, 403, 'logs cannot be scoped: they need an unscoped key');
    const ndjson = [{ spacecraft: 'sc-a', channel: 'temp', time: Date.now(), value: 2 }, { spacecraft: 'sc-b', channel: 'temp', time: Date.now(), value: 2 }].map((r) => JSON.stringify(r)).join('\n');
    const mixed = await scoped('/v1/telemetry', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson });
    assert.equal(mixed.status, 403, 'an NDJSON batch naming another mission\'s spacecraft is refused whole');
  });

  test('the live stream of a key limited to a mission carries only its spacecraft\'s events', async () => {
    const scopedStream = await openStream(`${orbit.url}/v1/stream`, { authorization: `Bearer ${keys['m1 operator']!.key}` });
    const allStream = await openStream(`${orbit.url}/v1/stream`, { authorization: `Bearer ${keys.viewer!.key}` });
    const operator = as(keys.operator!.key);
    const spacecraftOf = (e: { data: unknown }) => (e.data as { spacecraft?: string }).spacecraft;
    try {
      // Several batches each: the stream learns each spacecraft's mission on its first event.
      await eventually(async () => {
        for (const sc of ['sc-a', 'sc-b']) await operator('/v1/telemetry', { method: 'POST', json: { spacecraft: sc, readings: [{ channel: 'temp', time: Date.now(), value: 3 }] } });
        const seen = new Set(allStream.events.filter((e) => e.event === 'telemetry').map(spacecraftOf));
        return seen.has('sc-b') && scopedStream.events.some((e) => e.event === 'telemetry' && spacecraftOf(e) === 'sc-a') ? true : undefined;
      }, 30_000, 'telemetry of both spacecraft streamed');
      assert.deepEqual([...new Set(scopedStream.events.map(spacecraftOf))], ['sc-a']);
    } finally {
      scopedStream.close();
      allStream.close();
    }
    assert.equal((await as(keys['m1 operator']!.key)('/v1/stream?spacecraft=sc-b')).status, 403);
  });

  test('an admin lists and revokes keys; a revoked key is refused at once; secrets are never listed', async () => {
    const admin = as(ADMIN);
    const list = await (await admin('/v1/keys')).json();
    assert.ok(list.some((k: { name: string }) => k.name === 'first admin'));
    assert.ok(list.every((k: Record<string, unknown>) => !('key' in k) && !('hash' in k)));
    assert.equal((await as(keys.operator!.key)('/v1/keys')).status, 403);
    const victim = await (await admin('/v1/keys', { method: 'POST', json: { name: 'temporary', role: 'viewer' } })).json();
    assert.equal((await as(victim.key)('/v1/spacecraft')).status, 200);
    const revoked = await admin(`/v1/keys/${victim.id}`, { method: 'DELETE' });
    assert.equal(revoked.status, 200);
    assert.ok((await revoked.json()).revokedAt);
    assert.equal((await as(victim.key)('/v1/spacecraft')).status, 401);
    assert.equal((await admin('/v1/keys', { method: 'POST', json: { name: 'bad', role: 'viewer', missions: ['nope'] } })).status, 400);
  });

  test('the audit log lists each change with its actor, and pages', async () => {
    const admin = as(ADMIN);
    const entries = await eventually(async () => {
      const page = await (await admin('/v1/audit?limit=1000')).json();
      return page.entries.some((e: { action: string }) => e.action === 'DELETE /v1/keys/:id') ? page.entries : undefined;
    }, 10_000, 'the revocation in the audit log');
    const has = (action: string, actor: string, status: number) =>
      assert.ok(entries.some((e: { action: string; actor?: { name: string }; status: number }) => e.action === action && e.actor?.name === actor && e.status === status), `${action} by ${actor} (${status})`);
    has('keys create', 'cli', 201);
    has('POST /v1/missions', 'first admin', 201);
    has('PUT /v1/spacecraft/:id/channels/:name', 'first admin', 201);
    has('PUT /v1/spacecraft/:id/channels/:name', 'viewer', 403);
    has('POST /v1/keys', 'ORBIT_ADMIN_KEY', 201);
    has('DELETE /v1/keys/:id', 'ORBIT_ADMIN_KEY', 200);
    assert.ok(!entries.some((e: { action: string; status: number }) => e.action === 'POST /v1/telemetry' && e.status === 202), 'ingest is data, not audited');
    const mine = await (await admin('/v1/audit?actor=first%20admin&limit=2')).json();
    assert.equal(mine.entries.length, 2);
    assert.ok(mine.entries.every((e: { actor: { name: string } }) => e.actor.name === 'first admin'));
    const older = await (await admin(`/v1/audit?actor=first%20admin&limit=2&cursor=${mine.next}`)).json();
    assert.ok(older.entries.length > 0 && older.entries[0].at <= mine.entries[1].at);
    assert.equal((await as(keys.operator!.key)('/v1/audit')).status, 403);
  });

  test('a browser signs in with a key, its forms need the session\'s CSRF token, and it signs out', async () => {
    const page = await orbit.api('/console', { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/sign-in?next=%2Fconsole');
    const signIn = await orbit.api('/sign-in', { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ key: cliKey, next: '/console/missions' }).toString() });
    assert.equal(signIn.status, 303);
    assert.equal(signIn.headers.get('location'), '/console/missions');
    const setCookie = signIn.headers.get('set-cookie')!;
    assert.match(setCookie, /^orbit_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const cookie = setCookie.split(';')[0]!;
    const missions = await (await orbit.api('/console/missions', { headers: { cookie } })).text();
    assert.match(missions, /Signed in as <strong>first admin<\/strong>/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(missions)![1]!;
    const form = (fields: Record<string, string>) => ({ method: 'POST', redirect: 'manual' as const, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const forged = await orbit.api('/console/missions', form({ id: 'forged', name: 'Forged' }));
    assert.equal(forged.status, 403);
    const made = await orbit.api('/console/missions', form({ id: 'm3', name: 'Three', _csrf: csrf }));
    assert.equal(made.status, 303);
    // A multipart form (file uploads) carries the token the same way.
    const upload = (fields: Record<string, string>) => {
      const body = new FormData();
      for (const [k, v] of Object.entries(fields)) body.append(k, v);
      return orbit.api('/console/missions/m3/spacecraft', { method: 'POST', redirect: 'manual', headers: { cookie }, body });
    };
    assert.equal((await upload({ id: 'sc-forged', name: 'Forged' })).status, 403);
    assert.equal((await upload({ id: 'sc-c', name: 'C', _csrf: csrf })).status, 303);
    const audit = await eventually(async () => {
      const text = await (await orbit.api('/console/audit', { headers: { cookie } })).text();
      return text.includes('POST /console/missions') ? text : undefined;
    }, 10_000, 'the console form in the audit page');
    assert.match(audit, /first admin/);
    assert.match(audit, /href="\/console\/audit">Audit log</, 'an unscoped admin finds the audit log from the top bar');
    const session = await (await orbit.api('/v1/session', { headers: { cookie } })).json();
    assert.equal(session.csrfToken, csrf);
    assert.equal((await orbit.api('/sign-out', form({ _csrf: csrf }))).status, 303);
    assert.equal((await orbit.api('/v1/spacecraft', { headers: { cookie } })).status, 401, 'the session ended');
    const signings = await eventually(async () => {
      const { entries } = await (await as(ADMIN)('/v1/audit?actor=first%20admin')).json();
      const actions = entries.map((e: { action: string }) => e.action);
      return actions.includes('POST /sign-out') && actions.includes('POST /sign-in') ? actions : undefined;
    }, 10_000, 'sign-in and sign-out in the audit log');
    assert.ok(signings.length >= 2);
    const wrong = await orbit.api('/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=orbit_nope' });
    assert.equal(wrong.status, 401);
  });

  test('a Host this server does not answer for is refused; probes answer it', async () => {
    const { request } = await import('node:http');
    const get = (pathname: string) => new Promise<number>((resolve, reject) => {
      request(`${orbit.url}${pathname}`, { headers: { host: 'evil.example', authorization: `Bearer ${ADMIN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject).end();
    });
    assert.equal(await get('/v1/spacecraft'), 421);
    assert.equal(await get('/healthz'), 200);
  });

  test('the simulator flies on the process\'s own credential, and the CLI points to the API while Orbit holds the data directory', async () => {
    await eventually(async () => {
      const list = await (await as(ADMIN)('/v1/spacecraft')).json();
      return list.length > 2 ? list : undefined;
    }, 30_000, 'the simulated spacecraft registered');
    const busy = await cli(['keys', 'list'], orbit.dataDir);
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /held by a running Orbit process/);
    assert.match(busy.stderr, /POST \/v1\/keys/);
  });
});
