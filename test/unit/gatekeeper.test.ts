import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { CACHE_MS, KeyGatekeeper, cookieValue } from '../../src/components/access/gatekeeper.ts';
import { hashSecret, newKey, newToken } from '../../src/platform/credentials.ts';
import type { AccessStore, KeyRecord, SessionRecord } from '../../src/stores/access/store.ts';
import type { AuditStore } from '../../src/stores/audit/store.ts';
import type { MissionCatalog } from '../../src/stores/missions/catalog.ts';

/** The store's behaviour in memory, counting the queries the gatekeeper makes. */
function fakeStore() {
  const keys = new Map<string, { key: KeyRecord; hash: string }>();
  const sessions = new Map<string, SessionRecord>();
  const calls = { lookups: 0, touches: [] as [string, number][] };
  const store = {
    keyWithHash: async (id: string) => {
      calls.lookups++;
      const k = keys.get(id);
      return k && { key: { ...k.key }, hash: k.hash };
    },
    getKey: async (id: string) => keys.get(id)?.key,
    touchKey: async (id: string, at: Date) => void calls.touches.push([id, at.getTime()]),
    getSession: async (hash: string, now: Date) => {
      const s = sessions.get(hash);
      return s && s.expiresAt > now ? s : undefined;
    },
  } as unknown as AccessStore;
  const add = (role: KeyRecord['role'], missions?: string[]) => {
    const k = newKey();
    keys.set(k.id, { key: { id: k.id, name: `key ${k.id}`, role, missions, createdAt: new Date(), createdBy: 'test' }, hash: k.hash });
    return k;
  };
  const revoke = (id: string) => {
    keys.get(id)!.key.revokedAt = new Date();
  };
  return { store, calls, add, revoke, sessions };
}

function gatekeeper(store: AccessStore, now: () => number, extra: { adminKey?: string; internalKey?: string } = {}) {
  return new KeyGatekeeper({ store, audit: {} as AuditStore, catalog: {} as MissionCatalog, logger: pino({ enabled: false }), now, ...extra });
}

describe('the gatekeeper', () => {
  test('a stored key verifies to its role and missions; a wrong secret for the same id, a malformed or unknown key does not', async () => {
    const { store, add } = fakeStore();
    const gate = gatekeeper(store, Date.now);
    const k = add('operator', ['m1']);
    const p = await gate.verifyKey(k.key);
    assert.deepEqual({ id: p?.id, role: p?.role, missions: p?.missions, via: p?.via }, { id: k.id, role: 'operator', missions: ['m1'], via: 'key' });
    const forged = `${k.key.slice(0, -4)}AAAA`;
    assert.equal(await gate.verifyKey(forged), undefined);
    assert.equal(await gate.verifyKey('orbit_nope'), undefined);
    assert.equal(await gate.verifyKey(newKey().key), undefined);
  });

  test('a verified key is cached for CACHE_MS: a revocation elsewhere counts once that passes; forgetKey counts at once', async () => {
    const { store, calls, add, revoke } = fakeStore();
    let now = 1_000_000;
    const gate = gatekeeper(store, () => now);
    const k = add('viewer');
    assert.ok(await gate.verifyKey(k.key));
    assert.ok(await gate.verifyKey(k.key));
    assert.equal(calls.lookups, 1, 'the second request was answered from the cache');
    revoke(k.id);
    assert.ok(await gate.verifyKey(k.key), 'another process revoked it: still cached here');
    now += CACHE_MS;
    assert.equal(await gate.verifyKey(k.key), undefined, 'refused once the cache bound passed');

    const j = add('viewer');
    assert.ok(await gate.verifyKey(j.key));
    revoke(j.id);
    gate.forgetKey(j.id);
    assert.equal(await gate.verifyKey(j.key), undefined, 'revoked through this process: refused at once');
  });

  test('last use is written at most once a minute per key', async () => {
    const { store, calls, add } = fakeStore();
    let now = 5_000_000;
    const gate = gatekeeper(store, () => now);
    const k = add('viewer');
    for (let i = 0; i < 10; i++) {
      await gate.verifyKey(k.key);
      now += 10_000;
    }
    assert.deepEqual(calls.touches.map(([, at]) => at), [5_000_000, 5_060_000]);
  });

  test('the bootstrap key and the process\'s own credential are admins, never stored; a session acts as its key, with its CSRF token', async () => {
    const { store, calls, add, revoke, sessions } = fakeStore();
    const admin = 'a'.repeat(40);
    const internal = newKey('internal').key;
    const gate = gatekeeper(store, Date.now, { adminKey: admin, internalKey: internal });
    assert.deepEqual([(await gate.verifyKey(admin))?.id, (await gate.verifyKey(admin))?.role], ['bootstrap', 'admin']);
    assert.equal((await gate.verifyKey(internal))?.id, 'internal');
    assert.equal(calls.lookups, 0);
    assert.equal(await gatekeeper(store, Date.now).verifyKey(internal), undefined, 'another process does not accept this one\'s credential');

    const k = add('operator');
    const token = newToken();
    sessions.set(hashSecret(token), { keyId: k.id, csrfToken: 'csrf-1', expiresAt: new Date(Date.now() + 60_000) });
    const p = await gate.verifySession(token);
    assert.deepEqual([p?.id, p?.via, p?.session?.csrfToken], [k.id, 'session', 'csrf-1']);
    revoke(k.id);
    gate.forgetKey(k.id);
    assert.equal(await gate.verifySession(token), undefined, 'a revoked key\'s session ends');
    assert.equal(await gate.verifySession(newToken()), undefined);
  });

  test('the session cookie is read from a Cookie header among others', () => {
    assert.equal(cookieValue('a=1; orbit_session=abc_-1; b=2', 'orbit_session'), 'abc_-1');
    assert.equal(cookieValue('orbit_sessionx=1', 'orbit_session'), undefined);
    assert.equal(cookieValue(undefined, 'orbit_session'), undefined);
  });
});
