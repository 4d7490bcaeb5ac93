/**
 * The missions store's change history and a mission definition's import and export, on
 * each relational store (PGlite and PostgreSQL): each change is recorded with who, what and the old and new values, in the
 * change's own transaction; an export imports as no change, and an edited export
 * round-trips exactly, as JSON and as YAML.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { TelemetryStore } from '../../src/stores/telemetry/store.ts';
import { definitionDocument } from '../../src/components/console/definition-format.ts';
import { importDefinition } from '../../src/components/console/mission-service.ts';
import type { MissionDefinition } from '../../src/core/schemas.ts';
import { HttpProblem } from '../../src/platform/problem.ts';
import { migrate } from '../../src/engines/sql/migrate.ts';
import type { SqlStore } from '../../src/engines/sql/port.ts';

const ISS: [string, string] = [
  '1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927',
  '2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537',
];

async function seed(catalog: MissionCatalog) {
  await catalog.createMission({ id: 'm1', name: 'One', retentionDays: 30 }, 'Ada');
  await catalog.createSpacecraft({ id: 'iss', missionId: 'm1', name: 'ISS', tle: ISS }, 'Ada');
  await catalog.putChannel('iss', 'temp', { type: 'number', unit: 'degC', limits: { redLow: -10, yellowLow: 0, yellowHigh: 40, redHigh: 50 } }, 'Bob');
  await catalog.putChannel('iss', 'mode', { type: 'string', description: 'Flight mode' }, 'Bob');
}

export interface SqlHarness {
  sql: SqlStore;
  cleanup(): Promise<void>;
}

export function missionHistoryContract(name: string, open: () => Promise<SqlHarness>): void {
  async function withCatalog(fn: (catalog: MissionCatalog, stores: { catalog: MissionCatalog; telemetry: TelemetryStore }) => Promise<void>) {
    const { sql, cleanup } = await open();
    try {
      await migrate(sql);
      const catalog = new MissionCatalog(sql);
      await fn(catalog, { catalog, telemetry: new TelemetryStore(sql) });
    } finally {
      await cleanup();
    }
  }

  describe(`mission change history and definitions on ${name}`, () => {
  test('each change is recorded newest first with who, the action and each field\'s old and new value; a change of nothing is not', async () => {
    await withCatalog(async (catalog) => {
      await seed(catalog);
      await catalog.putChannel('iss', 'temp', { type: 'number', unit: 'degC', limits: { redLow: -10, yellowLow: 0, yellowHigh: 45, redHigh: 50 } }, 'Carol');
      await catalog.putChannel('iss', 'temp', { type: 'number', unit: 'degC', limits: { redLow: -10, yellowLow: 0, yellowHigh: 45, redHigh: 50 } }, 'Carol');
      await catalog.updateMission('m1', { description: 'Station', retentionDays: null });
      await catalog.updateSpacecraft('iss', { tle: null }, 'Dan');

      const channel = await catalog.history({ spacecraft: 'iss', channel: 'temp' });
      assert.deepEqual(channel.map((e) => [e.by, e.action]), [['Carol', 'update'], ['Bob', 'create']]);
      assert.deepEqual(channel[0]!.changes, [{ field: 'limits.yellowHigh', old: 40, new: 45 }]);
      assert.deepEqual(channel[1]!.changes.map((c) => c.field), ['type', 'unit', 'limits.redLow', 'limits.yellowLow', 'limits.yellowHigh', 'limits.redHigh'], 'limits listed low to high');

      const mission = await catalog.history({ mission: 'm1' });
      assert.deepEqual(mission.map((e) => `${e.entity}:${e.action}:${e.by}`), [
        'spacecraft:update:Dan', 'mission:update:anonymous', 'channel:update:Carol', 'channel:create:Bob', 'channel:create:Bob', 'spacecraft:create:Ada', 'mission:create:Ada',
      ]);
      assert.deepEqual(mission[0]!.changes, [{ field: 'tle', old: ISS, new: null }]);
      assert.deepEqual(mission[1]!.changes, [{ field: 'description', old: null, new: 'Station' }, { field: 'retentionDays', old: 30, new: null }]);
      assert.equal((await catalog.getMission('m1'))?.retentionDays, undefined);
      assert.deepEqual((await catalog.history({ spacecraft: 'iss' })).length, 5, 'a spacecraft\'s history holds its channels\' changes');
      assert.equal((await catalog.history({ mission: 'm1' }, 2)).length, 2);
    });
  });

  test('channels registered by ingest are recorded as created by ingest', async () => {
    await withCatalog(async (catalog) => {
      await seed(catalog);
      await catalog.registerChannels('iss', [{ name: 'temp', type: 'number' }, { name: 'door', type: 'boolean' }]);
      const [entry, ...rest] = await catalog.history({ spacecraft: 'iss' });
      assert.deepEqual([entry?.by, entry?.channel, entry?.changes], ['ingest', 'door', [{ field: 'type', old: null, new: 'boolean' }]]);
      assert.ok(rest.every((e) => e.channel !== 'door' && !(e.by === 'ingest')), 'existing channels are not recorded again');
    });
  });

  for (const format of ['json', 'yaml'] as const) {
    test(`a definition exported as ${format} imports as no change, and an edited one round-trips exactly`, async () => {
      await withCatalog(async (catalog, stores) => {
        await seed(catalog);
        const parse = (text: string) => (format === 'json' ? JSON.parse(text) : parseYaml(text)) as MissionDefinition;
        const exported = definitionDocument((await catalog.definition('m1'))!, format).body;
        const same = await importDefinition(stores, 'm1', parse(exported), { by: 'Eve', dryRun: false });
        assert.deepEqual([same.applied, same.changes], [false, []]);

        const edited = exported.replace(format === 'json' ? '"redHigh": 50' : 'redHigh: 50', format === 'json' ? '"redHigh": 55' : 'redHigh: 55');
        assert.notEqual(edited, exported);
        const dry = await importDefinition(stores, 'm1', parse(edited), { by: 'Eve', dryRun: true });
        assert.deepEqual(dry.changes, [{ entity: 'channel', id: 'iss/temp', action: 'update', fields: [{ field: 'limits.redHigh', old: 50, new: 55 }] }]);
        assert.equal(dry.applied, false);
        assert.equal(definitionDocument((await catalog.definition('m1'))!, format).body, exported, 'a dry run writes nothing');

        const applied = await importDefinition(stores, 'm1', parse(edited), { by: 'Eve', dryRun: false });
        assert.equal(applied.applied, true);
        assert.equal(definitionDocument((await catalog.definition('m1'))!, format).body, edited);
        const [entry] = await catalog.history({ spacecraft: 'iss', channel: 'temp' });
        assert.deepEqual([entry?.by, entry?.action, entry?.changes], ['Eve', 'import', [{ field: 'limits.redHigh', old: 50, new: 55 }]]);
      });
    });
  }

  test('imports that create the same mission at once all succeed, and the mission is created once', async () => {
    await withCatalog(async (catalog, stores) => {
      const doc: MissionDefinition = { version: 1, mission: { id: 'race', name: 'Race' }, spacecraft: [{ id: 'race-1', name: 'Racer', channels: [{ name: 'temp', type: 'number' }] }] };
      const results = await Promise.all(Array.from({ length: 8 }, () => importDefinition(stores, 'race', doc, { by: 'Ada', dryRun: false })));
      assert.deepEqual(results.map((r) => r.applied).sort(), [false, false, false, false, false, false, false, true], 'one created it, the others found nothing to change');
      assert.equal((await catalog.history({ mission: 'race' })).filter((e) => e.entity === 'mission').length, 1);
    });
  });

  test('an import creates a new mission with its spacecraft and channels, keeps what the document leaves out, and writes nothing when any field is wrong', async () => {
    await withCatalog(async (catalog, stores) => {
      await seed(catalog);
      const doc: MissionDefinition = {
        version: 1,
        mission: { id: 'm1', name: 'One renamed', retentionDays: 30 },
        spacecraft: [{ id: 'iss', name: 'ISS', tle: ISS, channels: [{ name: 'volts', type: 'number', calibration: { polynomial: [0, 2] } }] }, { id: 'hubble', name: 'Hubble', channels: [] }],
      };
      const result = await importDefinition(stores, 'm1', doc, { by: 'Eve', dryRun: false });
      assert.deepEqual(result.changes.map((c) => `${c.entity}:${c.id}:${c.action}`), ['mission:m1:update', 'channel:iss/volts:create', 'spacecraft:hubble:create']);
      assert.match(result.note, /never deletes/);
      assert.deepEqual((await catalog.listChannels('iss')).map((c) => c.name), ['mode', 'temp', 'volts'], 'channels absent from the document are kept');
      assert.deepEqual((await catalog.definition('m1'))!.mission, { id: 'm1', name: 'One renamed', autoRegisterChannels: false, retentionDays: 30 });

      const before = await catalog.definition('m1');
      const historyBefore = (await catalog.history({ mission: 'm1' })).length;
      const bad: MissionDefinition = {
        ...doc,
        mission: { ...doc.mission, name: 'Changed again' },
        spacecraft: [
          { id: 'iss', name: 'ISS', tle: [ISS[0].replace('2927', '2928'), ISS[1]], channels: [{ name: 'volts', type: 'number', limits: { redLow: 5, redHigh: 1 } }] },
          { id: 'hubble', name: 'Hubble', channels: [{ name: 'x', type: 'number', expression: 'nope + 1' }] },
        ],
      };
      const problem = await importDefinition(stores, 'm1', bad, { by: 'Eve', dryRun: false }).catch((e: unknown) => e);
      assert.ok(problem instanceof HttpProblem && problem.status === 400);
      assert.deepEqual(problem.errors?.map((e) => e.pointer), ['/spacecraft/0/tle/0', '/spacecraft/0/channels/0/limits/redHigh', '/spacecraft/1/channels/0/expression']);
      assert.deepEqual(await catalog.definition('m1'), before, 'nothing was written');
      assert.equal((await catalog.history({ mission: 'm1' })).length, historyBefore);

      await catalog.createMission({ id: 'm2', name: 'Two' });
      const elsewhere = await importDefinition(stores, 'm2', { version: 1, mission: { id: 'm2', name: 'Two' }, spacecraft: [{ id: 'iss', name: 'ISS', channels: [] }] }, { by: 'Eve', dryRun: true }).catch((e: unknown) => e);
      assert.deepEqual((elsewhere as HttpProblem).errors, [{ pointer: '/spacecraft/0/id', detail: 'belongs to mission "m1"' }]);
    });
  });
  });
}
