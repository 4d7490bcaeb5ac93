/**
 * Access control across separate processes on the real engines: a key created through one
 * process works in another, a revocation reaches the other processes within their cache
 * bound, and a browser session signed in on one is honoured by another.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeployment, type Deployment } from '../support/deployment.ts';
import { apiWithKey, eventually, type OrbitChild } from '../support/orbit.ts';

const ADMIN = `distributed-admin-${'d'.repeat(32)}`;
/** The verification cache of each process (components/access/gatekeeper.ts), with room for a loaded machine. */
const REVOCATION_BOUND_MS = 5000;

describe('access control across processes', { timeout: 300_000 }, () => {
  let deployment: Deployment;
  let ingest: OrbitChild;
  let dashboard: OrbitChild;

  before(async () => {
    deployment = await startDeployment({ targets: { console: 1, ingest: 1, dashboard: 1 }, env: { ORBIT_AUTH: 'on', ORBIT_ADMIN_KEY: ADMIN } });
    ingest = deployment.processes.get('ingest')![0]!;
    dashboard = deployment.processes.get('dashboard')![0]!;
    const admin = apiWithKey(deployment.url, ADMIN);
    assert.equal((await admin('/v1/missions', { method: 'POST', json: { id: 'dm', name: 'Distributed' } })).status, 201);
    assert.equal((await admin('/v1/spacecraft', { method: 'POST', json: { id: 'dsc', missionId: 'dm', name: 'D' } })).status, 201);
    assert.equal((await admin('/v1/spacecraft/dsc/channels/temp', { method: 'PUT', json: { type: 'number' } })).status, 201);
  });
  after(() => deployment?.stop());

  test('a key made through the console works at ingest; revoked there, ingest refuses it within the cache bound', async (t) => {
    const admin = apiWithKey(deployment.url, ADMIN);
    const created = await (await admin('/v1/keys', { method: 'POST', json: { name: 'station', role: 'operator' } })).json();
    const post = () => apiWithKey(ingest.url, created.key)('/v1/telemetry', { method: 'POST', json: { spacecraft: 'dsc', readings: [{ channel: 'temp', time: Date.now(), value: 1 }] } });
    assert.equal((await post()).status, 202);
    const revokedAt = Date.now();
    assert.equal((await admin(`/v1/keys/${created.id}`, { method: 'DELETE' })).status, 200);
    await eventually(async () => ((await post()).status === 401 ? true : undefined), 30_000, 'ingest refusing the revoked key');
    const took = Date.now() - revokedAt;
    t.diagnostic(`revoked key refused by another process ${took} ms after the revocation`);
    // Generous: the bound plus the time a loaded machine may add; a process that never forgot would wait forever.
    assert.ok(took < REVOCATION_BOUND_MS + 10_000, `${took} ms`);
  });

  test('a session signed in through the console is honoured by the dashboard process', async () => {
    const signIn = await fetch(`${deployment.url}/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ key: ADMIN, next: '/dashboard/' }).toString() });
    assert.equal(signIn.status, 303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const session = await fetch(`${dashboard.url}/v1/session`, { headers: { cookie } });
    assert.equal(session.status, 200);
    assert.equal(((await session.json()) as { key: { name: string } }).key.name, 'ORBIT_ADMIN_KEY');
    assert.equal((await fetch(`${dashboard.url}/v1/stream`, { headers: { cookie: 'orbit_session=forged' } })).status, 401);
  });
});
