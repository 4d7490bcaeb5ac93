/**
 * The mission database's caps on each relational store (PGlite and PostgreSQL): spacecraft
 * per installation and channels per spacecraft, through every way in (create, channel
 * definition, auto-registration, import), each refused whole with a 409 naming the variable
 * and its limit, nothing written; and racing creators never pass the cap together.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { migrate } from '../../src/engines/sql/migrate.ts';
import type { SqlStore } from '../../src/engines/sql/port.ts';
import { HttpProblem } from '../../src/platform/problem.ts';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import type { MissionDefinition } from '../../src/core/schemas.ts';

export interface SqlHarness {
  sql: SqlStore;
  cleanup(): Promise<void>;
}

function refusedAt(variable: string, limit: number) {
  return (error: unknown) => {
    assert.ok(error instanceof HttpProblem, String(error));
    assert.equal(error.status, 409);
    assert.match(error.message, new RegExp(`the most ${variable} allows is ${limit}`));
    return true;
  };
}

export function missionCapsContract(name: string, open: () => Promise<SqlHarness>): void {
  async function withCatalog(fn: (catalog: MissionCatalog, sql: SqlStore) => Promise<void>) {
    const { sql, cleanup } = await open();
    try {
      await migrate(sql);
      await fn(new MissionCatalog(sql, { caps: { maxSpacecraft: 3, maxChannelsPerSpacecraft: 3 } }), sql);
    } finally {
      await cleanup();
    }
  }
  const count = async (sql: SqlStore, table: string) => (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

  test(`${name}: spacecraft past ORBIT_MAX_SPACECRAFT are refused, created one at a time or racing, and by an import`, () => withCatalog(async (catalog, sql) => {
    await catalog.createMission({ id: 'm1', name: 'One' });
    await catalog.createSpacecraft({ id: 'a', missionId: 'm1', name: 'A' });
    // Four racing for the two places left: two win, whatever the interleaving.
    const raced = await Promise.allSettled(['b', 'c', 'd', 'e'].map((id) => catalog.createSpacecraft({ id, missionId: 'm1', name: id })));
    assert.equal(raced.filter((r) => r.status === 'fulfilled').length, 2);
    for (const r of raced) if (r.status === 'rejected') refusedAt('ORBIT_MAX_SPACECRAFT', 3)(r.reason);
    assert.equal(await count(sql, 'spacecraft'), 3);

    const document: MissionDefinition = { version: 1, mission: { id: 'm2', name: 'Two' }, spacecraft: [{ id: 'x', name: 'X', channels: [] }] };
    await assert.rejects(catalog.importDefinition(document, { by: 'ops', dryRun: true }), (e: unknown) => {
      refusedAt('ORBIT_MAX_SPACECRAFT', 3)(e);
      assert.deepEqual((e as HttpProblem).errors?.map((x) => x.pointer), ['/spacecraft/0/id']);
      return true;
    });
    await assert.rejects(catalog.importDefinition(document, { by: 'ops', dryRun: false }), refusedAt('ORBIT_MAX_SPACECRAFT', 3));
    assert.equal(await catalog.getMission('m2'), undefined, 'nothing of a refused import is written');
    assert.equal(await count(sql, 'spacecraft'), 3);
  }));

  test(`${name}: channels past ORBIT_MAX_CHANNELS_PER_SPACECRAFT are refused, defined, auto-registered or imported; known ones still change`, () => withCatalog(async (catalog, sql) => {
    await catalog.createMission({ id: 'm1', name: 'One', autoRegisterChannels: true });
    await catalog.createSpacecraft({ id: 'a', missionId: 'm1', name: 'A' });
    await catalog.putChannel('a', 'c1', { type: 'number' });
    await catalog.registerChannels('a', [{ name: 'c1', type: 'number' }, { name: 'c2', type: 'number' }]);
    await assert.rejects(catalog.registerChannels('a', [{ name: 'c3', type: 'number' }, { name: 'c4', type: 'string' }]), (e: unknown) => {
      refusedAt('ORBIT_MAX_CHANNELS_PER_SPACECRAFT', 3)(e);
      assert.match((e as Error).message, /"c3", "c4"/);
      return true;
    });
    assert.equal(await count(sql, 'channels'), 2, 'a refused registration registers none of its channels');
    await catalog.putChannel('a', 'c3', { type: 'number' });
    await assert.rejects(catalog.putChannel('a', 'c4', { type: 'number' }), refusedAt('ORBIT_MAX_CHANNELS_PER_SPACECRAFT', 3));
    // At the cap, what exists can still be redefined and registered again.
    await catalog.putChannel('a', 'c1', { type: 'number', unit: 'V' });
    await catalog.registerChannels('a', [{ name: 'c2', type: 'number' }]);

    const current = (await catalog.definition('m1'))!;
    const grown: MissionDefinition = { ...current, spacecraft: [{ ...current.spacecraft[0]!, channels: [...current.spacecraft[0]!.channels, { name: 'c9', type: 'number' }] }] };
    await assert.rejects(catalog.importDefinition(grown, { by: 'ops', dryRun: false }), (e: unknown) => {
      refusedAt('ORBIT_MAX_CHANNELS_PER_SPACECRAFT', 3)(e);
      assert.deepEqual((e as HttpProblem).errors?.map((x) => x.pointer), ['/spacecraft/0/channels/3/name']);
      return true;
    });
    const fresh: MissionDefinition = { version: 1, mission: { id: 'm3', name: 'Three' }, spacecraft: [{ id: 'n', name: 'N', channels: ['p', 'q', 'r', 's'].map((c) => ({ name: c, type: 'number' as const })) }] };
    await assert.rejects(catalog.importDefinition(fresh, { by: 'ops', dryRun: false }), refusedAt('ORBIT_MAX_CHANNELS_PER_SPACECRAFT', 3));
    assert.equal(await count(sql, 'channels'), 3);
  }));
}
