/**
 * The access store (API keys, browser sessions) and the audit log, on each relational
 * store (PGlite and PostgreSQL): only hashes are kept, a revocation ends the key's
 * sessions, sessions expire, and the audit log pages newest first by a cursor and filters.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessStore } from '../../src/stores/access/store.ts';
import { AuditStore } from '../../src/stores/audit/store.ts';
import { migrate } from '../../src/engines/sql/migrate.ts';
import { hashSecret, newKey, newToken } from '../../src/platform/credentials.ts';
import type { SqlHarness } from './mission-history.contract.ts';

export function accessContract(name: string, open: () => Promise<SqlHarness>): void {
  async function withStores(fn: (stores: { access: AccessStore; audit: AuditStore; sql: SqlHarness['sql'] }) => Promise<void>) {
    const { sql, cleanup } = await open();
    try {
      await migrate(sql);
      await fn({ access: new AccessStore(sql), audit: new AuditStore(sql), sql });
    } finally {
      await cleanup();
    }
  }

  describe(`access and audit stores on ${name}`, () => {
    test('a key is kept as its hash only, with its role, missions and creator; revoking it keeps the first time and ends its sessions', () =>
      withStores(async ({ access, sql }) => {
        const { id, key, hash } = newKey();
        const created = await access.createKey({ id, name: 'ground station', role: 'operator', missions: ['m1', 'm2'], hash, createdBy: 'cli' });
        assert.deepEqual({ id: created.id, name: created.name, role: created.role, missions: created.missions, createdBy: created.createdBy, revoked: created.revokedAt }, { id, name: 'ground station', role: 'operator', missions: ['m1', 'm2'], createdBy: 'cli', revoked: undefined });
        const dump = JSON.stringify((await sql.query('SELECT * FROM api_keys')).rows);
        assert.ok(!dump.includes(key.split('_')[2]!), 'the secret is nowhere in the table');
        assert.equal((await access.keyWithHash(id))?.hash, hashSecret(key));

        const token = newToken();
        await access.createSession(hashSecret(token), { keyId: id, csrfToken: 'c1', expiresAt: new Date(Date.now() + 60_000) });
        assert.equal((await access.getSession(hashSecret(token)))?.keyId, id);

        const first = await access.revokeKey(id, new Date('2026-01-01T00:00:00Z'));
        assert.equal(first?.revokedAt?.toISOString(), '2026-01-01T00:00:00.000Z');
        const again = await access.revokeKey(id, new Date('2026-02-01T00:00:00Z'));
        assert.equal(again?.revokedAt?.toISOString(), '2026-01-01T00:00:00.000Z', 'revoking twice keeps the first revocation');
        assert.equal(await access.getSession(hashSecret(token)), undefined, 'the key\'s sessions ended with it');
        assert.equal(await access.revokeKey('nosuchkey'), undefined);
      }));

    test('a key without missions reaches every mission; last use only moves forward; the list shows revoked keys too', () =>
      withStores(async ({ access }) => {
        const a = newKey();
        const b = newKey();
        await access.createKey({ id: a.id, name: 'a', role: 'admin', hash: a.hash, createdBy: 'cli' });
        await access.createKey({ id: b.id, name: 'b', role: 'viewer', missions: [], hash: b.hash, createdBy: 'a' });
        await access.revokeKey(b.id);
        await access.touchKey(a.id, new Date('2026-03-01T00:00:00Z'));
        await access.touchKey(a.id, new Date('2026-02-01T00:00:00Z'));
        const keys = await access.listKeys();
        assert.deepEqual(keys.map((k) => k.id).sort(), [a.id, b.id].sort());
        const ka = keys.find((k) => k.id === a.id)!;
        assert.equal(ka.missions, undefined);
        assert.equal(ka.lastUsedAt?.toISOString(), '2026-03-01T00:00:00.000Z');
        assert.equal(keys.find((k) => k.id === b.id)!.missions, undefined, 'an empty list means every mission, never none');
        assert.ok(keys.find((k) => k.id === b.id)!.revokedAt);
      }));

    test('an expired session is not found and is swept; sign-out deletes one', () =>
      withStores(async ({ access }) => {
        const old = newToken();
        const live = newToken();
        await access.createSession(hashSecret(old), { keyId: 'k', csrfToken: 'x', expiresAt: new Date(Date.now() - 1000) });
        await access.createSession(hashSecret(live), { keyId: 'k', csrfToken: 'y', expiresAt: new Date(Date.now() + 60_000) });
        assert.equal(await access.getSession(hashSecret(old)), undefined);
        assert.equal(await access.expireSessions(), 1);
        assert.equal((await access.getSession(hashSecret(live)))?.csrfToken, 'y');
        assert.equal(await access.deleteSession(hashSecret(live)), true);
        assert.equal(await access.getSession(hashSecret(live)), undefined);
      }));

    test('the audit log lists newest first, filters by actor and time, and pages by cursor without gaps or repeats', () =>
      withStores(async ({ audit }) => {
        const t0 = Date.parse('2026-05-01T00:00:00Z');
        for (let i = 0; i < 7; i++) {
          await audit.record({ at: new Date(t0 + i * 1000), actor: i % 2 ? { id: 'k1', name: 'ops' } : { id: 'cli', name: 'cli' }, action: `POST /v1/things`, route: `/v1/things`, targets: [`t${i}`], status: 201 });
        }
        await audit.record({ at: new Date(t0 + 10_000), actor: undefined, action: 'DELETE /v1/keys/{id}', route: '/v1/keys/x', targets: ['x'], status: 403 });
        const all = await audit.list({ limit: 100 });
        assert.equal(all.entries.length, 8);
        assert.equal(all.entries[0]!.actor, undefined);
        assert.deepEqual(all.entries.slice(1).map((e) => e.targets[0]), ['t6', 't5', 't4', 't3', 't2', 't1', 't0']);

        const seen: string[] = [];
        let before: number | undefined;
        do {
          const page = await audit.list({ limit: 3, before });
          seen.push(...page.entries.map((e) => e.targets[0]!));
          before = page.next;
        } while (before !== undefined);
        assert.deepEqual(seen, ['x', 't6', 't5', 't4', 't3', 't2', 't1', 't0']);

        assert.deepEqual((await audit.list({ actor: 'ops', limit: 100 })).entries.map((e) => e.targets[0]), ['t5', 't3', 't1']);
        assert.deepEqual((await audit.list({ actor: 'k1', limit: 100 })).entries.length, 3);
        const window = await audit.list({ from: new Date(t0 + 2000), to: new Date(t0 + 4000), limit: 100 });
        assert.deepEqual(window.entries.map((e) => e.targets[0]), ['t3', 't2']);
      }));
  });
}
