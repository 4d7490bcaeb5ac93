/**
 * Ground stations in the missions store, on each relational store (PGlite and PostgreSQL):
 * created, replaced and deleted per mission, each change in the mission's history, kept in
 * the mission's definition through export and import.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { migrate } from '../../src/engines/sql/migrate.ts';
import type { SqlStore } from '../../src/engines/sql/port.ts';

export interface SqlHarness {
  sql: SqlStore;
  cleanup(): Promise<void>;
}

const KIRUNA = { name: 'Kiruna', latitudeDeg: 67.8571, longitudeDeg: 20.9642, altitudeM: 341, elevationMaskDeg: 5 };

export function groundStationsContract(name: string, open: () => Promise<SqlHarness>): void {
  async function withCatalog(fn: (catalog: MissionCatalog, sql: SqlStore) => Promise<void>) {
    const { sql, cleanup } = await open();
    try {
      await migrate(sql);
      const catalog = new MissionCatalog(sql);
      await catalog.createMission({ id: 'm1', name: 'One' }, 'Ada');
      await catalog.createMission({ id: 'm2', name: 'Two' }, 'Ada');
      await fn(catalog, sql);
    } finally {
      await cleanup();
    }
  }

  describe(`ground stations on ${name}`, () => {
    test('a station is created with defaults, replaced, listed per mission and deleted', async () => {
      await withCatalog(async (catalog) => {
        const first = await catalog.putGroundStation('m1', 'svalbard', { name: 'Svalbard', latitudeDeg: 78.2297, longitudeDeg: 15.4078 }, 'Ada');
        assert.ok(first !== 'no-mission');
        assert.equal(first.created, true);
        assert.deepEqual({ ...first.station, createdAt: undefined, updatedAt: undefined }, {
          id: 'svalbard', missionId: 'm1', name: 'Svalbard', latitudeDeg: 78.2297, longitudeDeg: 15.4078, altitudeM: 0, elevationMaskDeg: 0, createdAt: undefined, updatedAt: undefined,
        });
        const replaced = await catalog.putGroundStation('m1', 'svalbard', { name: 'SvalSat', latitudeDeg: 78.2297, longitudeDeg: 15.4078, altitudeM: 500, elevationMaskDeg: 5 }, 'Bob');
        assert.ok(replaced !== 'no-mission');
        assert.equal(replaced.created, false);
        assert.equal(replaced.station.elevationMaskDeg, 5);
        assert.equal(replaced.station.createdAt, first.station.createdAt);
        await catalog.putGroundStation('m1', 'kiruna', KIRUNA);
        // Station ids are the mission's own: another mission may use the same one.
        await catalog.putGroundStation('m2', 'kiruna', { ...KIRUNA, name: 'Kiruna 2' });
        assert.deepEqual((await catalog.groundStations('m1'))!.map((g) => [g.id, g.name]), [['kiruna', 'Kiruna'], ['svalbard', 'SvalSat']]);
        assert.deepEqual((await catalog.groundStations('m2'))!.map((g) => [g.id, g.name]), [['kiruna', 'Kiruna 2']]);
        assert.equal(await catalog.groundStations('nope'), undefined);
        assert.equal(await catalog.putGroundStation('nope', 'x', KIRUNA), 'no-mission');

        assert.equal(await catalog.deleteGroundStation('m1', 'kiruna', 'Carol'), 'deleted');
        assert.equal(await catalog.deleteGroundStation('m1', 'kiruna', 'Carol'), 'no-station');
        assert.equal(await catalog.deleteGroundStation('nope', 'kiruna'), 'no-mission');
        assert.deepEqual((await catalog.groundStations('m1'))!.map((g) => g.id), ['svalbard']);
        assert.deepEqual((await catalog.groundStations('m2'))!.map((g) => g.id), ['kiruna'], "the other mission's station stays");
      });
    });

    test("each change is in the mission's history with who and the old and new values; a replacement with the same settings is not", async () => {
      await withCatalog(async (catalog) => {
        await catalog.putGroundStation('m1', 'kiruna', KIRUNA, 'Ada');
        await catalog.putGroundStation('m1', 'kiruna', { ...KIRUNA, elevationMaskDeg: 10 }, 'Bob');
        await catalog.putGroundStation('m1', 'kiruna', { ...KIRUNA, elevationMaskDeg: 10 }, 'Bob');
        await catalog.deleteGroundStation('m1', 'kiruna', 'Carol');
        const history = (await catalog.history({ mission: 'm1' })).filter((e) => e.entity === 'ground-station');
        assert.deepEqual(history.map((e) => [e.by, e.action, e.groundStation]), [['Carol', 'delete', 'kiruna'], ['Bob', 'update', 'kiruna'], ['Ada', 'create', 'kiruna']]);
        assert.deepEqual(history[1]!.changes, [{ field: 'elevationMaskDeg', old: 5, new: 10 }]);
        assert.deepEqual(history[2]!.changes.map((c) => c.field), ['name', 'latitudeDeg', 'longitudeDeg', 'altitudeM', 'elevationMaskDeg']);
        assert.deepEqual(history[0]!.changes.find((c) => c.field === 'latitudeDeg'), { field: 'latitudeDeg', old: 67.8571, new: null }, 'a deletion keeps the last settings');
        assert.equal(history[0]!.spacecraft, undefined);
      });
    });

    test('a horizon mask is kept as given, changed as one value, removed by a replacement without it', async () => {
      await withCatalog(async (catalog) => {
        const horizon = [{ azimuthDeg: 0, elevationDeg: 12.5 }, { azimuthDeg: 90, elevationDeg: 3 }, { azimuthDeg: 200, elevationDeg: 8 }];
        await catalog.putGroundStation('m1', 'kiruna', { ...KIRUNA, horizonMask: horizon }, 'Ada');
        assert.deepEqual((await catalog.groundStations('m1'))![0]!.horizonMask, horizon);
        await catalog.putGroundStation('m1', 'kiruna', { ...KIRUNA, horizonMask: [...horizon.slice(0, 2), { azimuthDeg: 200, elevationDeg: 9 }] }, 'Bob');
        await catalog.putGroundStation('m1', 'kiruna', KIRUNA, 'Carol');
        assert.equal((await catalog.groundStations('m1'))![0]!.horizonMask, undefined);
        const history = (await catalog.history({ mission: 'm1' })).filter((e) => e.entity === 'ground-station');
        assert.deepEqual(history.map((e) => e.changes.map((c) => c.field)), [['horizonMask'], ['horizonMask'], ['name', 'latitudeDeg', 'longitudeDeg', 'altitudeM', 'elevationMaskDeg', 'horizonMask']]);
        assert.equal(history[0]!.changes[0]!.new, null);
        assert.deepEqual((history[1]!.changes[0]!.new as unknown[]).at(-1), { azimuthDeg: 200, elevationDeg: 9 });
        await catalog.putGroundStation('m1', 'kiruna', { ...KIRUNA, horizonMask: horizon });
        const exported = (await catalog.definition('m1'))!;
        assert.deepEqual(exported.groundStations, [{ id: 'kiruna', ...KIRUNA, horizonMask: horizon }]);
        assert.deepEqual(await catalog.importDefinition(exported, { by: 'Bob', dryRun: false }), [], 'an export imports as no change');
      });
    });

    test('the store refuses a latitude out of range even past the API', async () => {
      await withCatalog(async (catalog) => {
        await assert.rejects(catalog.putGroundStation('m1', 'bad', { ...KIRUNA, latitudeDeg: 91 }));
        assert.deepEqual(await catalog.groundStations('m1'), [], 'and writes nothing');
        assert.deepEqual((await catalog.history({ mission: 'm1' })).filter((e) => e.entity === 'ground-station'), []);
      });
    });

    test("stations are part of the mission's definition: exported, imported as changes, an export imports as no change", async () => {
      await withCatalog(async (catalog) => {
        const bare = await catalog.definition('m1');
        assert.equal(bare!.groundStations, undefined, 'a mission without stations exports none');
        await catalog.putGroundStation('m1', 'kiruna', KIRUNA, 'Ada');
        const exported = (await catalog.definition('m1'))!;
        assert.deepEqual(exported.groundStations, [{ id: 'kiruna', ...KIRUNA }]);
        assert.deepEqual(await catalog.importDefinition(exported, { by: 'Bob', dryRun: false }), [], 'an export imports as no change');

        const edited = { ...exported, groundStations: [{ ...exported.groundStations![0]!, elevationMaskDeg: 10 }, { id: 'redu', name: 'Redu', latitudeDeg: 50.0019, longitudeDeg: 5.1453 }] };
        const dry = await catalog.importDefinition(edited, { by: 'Bob', dryRun: true });
        assert.deepEqual(dry.map((c) => [c.entity, c.id, c.action]), [['ground-station', 'kiruna', 'update'], ['ground-station', 'redu', 'create']]);
        assert.deepEqual(dry[0]!.fields, [{ field: 'elevationMaskDeg', old: 5, new: 10 }]);
        assert.equal((await catalog.groundStations('m1'))![0]!.elevationMaskDeg, 5, 'a dry run writes nothing');
        await catalog.importDefinition(edited, { by: 'Bob', dryRun: false });
        assert.deepEqual((await catalog.groundStations('m1'))!.map((g) => [g.id, g.elevationMaskDeg, g.altitudeM]), [['kiruna', 10, 341], ['redu', 0, 0]]);
        const history = (await catalog.history({ mission: 'm1' })).filter((e) => e.entity === 'ground-station');
        assert.deepEqual(history.map((e) => [e.by, e.action, e.groundStation]).slice(0, 2), [['Bob', 'import', 'redu'], ['Bob', 'import', 'kiruna']]);
        // An import never deletes: a document without stations leaves them.
        const { groundStations: _g, ...without } = edited;
        await catalog.importDefinition(without, { by: 'Bob', dryRun: false });
        assert.equal((await catalog.groundStations('m1'))!.length, 2);
      });
    });
  });
}
