/**
 * orbit.passes parameters resolved against the mission database: defaults (every
 * spacecraft with a TLE, every station of the mission), each problem named under /params,
 * and the stored parameters run into the passes of each spacecraft over each station.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { assemblePasses, passChunks, resolvePassesParams, runPassChunk, type StoredPassesParams } from '../../src/components/compute/jobs/passes.ts';
import type { PgliteStore } from '../../src/engines/sql/pglite.ts';
import type { FieldError } from '../../src/platform/problem.ts';
import { migratedSql } from '../support/components.ts';

// The ISS and NOAA-19 of the August 2022 catalogue (../shared/data/tle/catalog-2022-08.tle).
const ISS: [string, string] = [
  '1 25544U 98067A   22221.92646991  .00006058  00000-0  11289-3 0  9998',
  '2 25544  51.6448  70.3700 0005152 101.7041  98.6467 15.50292585353513',
];
const NOAA_19: [string, string] = [
  '1 33591U 09005A   22221.82668792  .00000141  00000-0  10101-3 0  9994',
  '2 33591  99.1449 257.0761 0014526  41.8007 318.4271 14.12596751695989',
];
const WINDOW = { from: '2022-08-10T00:00:00Z', to: '2022-08-11T00:00:00Z' };

let sql: PgliteStore;
let catalog: MissionCatalog;

before(async () => {
  sql = await migratedSql();
  catalog = new MissionCatalog(sql);
  await catalog.createMission({ id: 'leo', name: 'LEO' });
  await catalog.createMission({ id: 'other', name: 'Other' });
  await catalog.createMission({ id: 'empty', name: 'Empty' });
  await catalog.createSpacecraft({ id: 'iss', missionId: 'leo', name: 'ISS', tle: ISS });
  await catalog.createSpacecraft({ id: 'noaa-19', missionId: 'leo', name: 'NOAA 19', tle: NOAA_19 });
  await catalog.createSpacecraft({ id: 'no-tle', missionId: 'leo', name: 'No TLE' });
  await catalog.createSpacecraft({ id: 'elsewhere', missionId: 'other', name: 'Elsewhere', tle: ISS });
  await catalog.putGroundStation('leo', 'kiruna', { name: 'Kiruna', latitudeDeg: 67.8571, longitudeDeg: 20.9642, altitudeM: 341, elevationMaskDeg: 10 });
  await catalog.putGroundStation('leo', 'redu', { name: 'Redu', latitudeDeg: 50.0019, longitudeDeg: 5.1453, altitudeM: 380 });
});

after(() => sql?.close());

const resolved = async (params: Parameters<typeof resolvePassesParams>[1]): Promise<StoredPassesParams> => {
  const r = await resolvePassesParams(catalog, params);
  assert.ok('params' in r, `resolves: ${JSON.stringify(r)}`);
  return r.params;
};
const problems = async (params: Parameters<typeof resolvePassesParams>[1]): Promise<FieldError[]> => {
  const r = await resolvePassesParams(catalog, params);
  assert.ok('errors' in r, 'refused');
  return r.errors;
};

test("a mission alone means each of its spacecraft with a TLE over each of its stations, as they are on record now", async () => {
  const p = await resolved({ mission: 'leo', ...WINDOW });
  assert.equal(p.mission, 'leo');
  assert.deepEqual(p.spacecraft.map((s) => s.id), ['iss', 'noaa-19'], 'the spacecraft without a TLE is left out');
  assert.deepEqual(p.spacecraft[0]!.tle, ISS);
  assert.deepEqual(p.stations.map((s) => [s.id, s.elevationMaskDeg]), [['kiruna', 10], ['redu', 0]]);
  assert.deepEqual([p.from, p.to], ['2022-08-10T00:00:00.000Z', '2022-08-11T00:00:00.000Z']);
});

test('spacecraft and stations can be named; the mission then comes from the spacecraft', async () => {
  const p = await resolved({ spacecraft: ['noaa-19'], stations: ['redu'], from: Date.parse(WINDOW.from), to: WINDOW.to });
  assert.equal(p.mission, 'leo');
  assert.deepEqual(p.spacecraft.map((s) => s.id), ['noaa-19']);
  assert.deepEqual(p.stations.map((s) => s.id), ['redu']);
});

test("a station's horizon mask is copied into the job and shapes its passes", async () => {
  await catalog.createMission({ id: 'hz', name: 'Horizon' });
  await catalog.createSpacecraft({ id: 'noaa-19-hz', missionId: 'hz', name: 'NOAA 19', tle: NOAA_19 });
  const horizonMask = [{ azimuthDeg: 0, elevationDeg: 30 }, { azimuthDeg: 180, elevationDeg: 30 }];
  await catalog.putGroundStation('hz', 'walled', { name: 'Walled', latitudeDeg: 67.8571, longitudeDeg: 20.9642, horizonMask });
  await catalog.putGroundStation('hz', 'open', { name: 'Open', latitudeDeg: 67.8571, longitudeDeg: 20.9642 });
  const p = await resolved({ mission: 'hz', ...WINDOW });
  assert.deepEqual(p.stations.find((s) => s.id === 'walled')?.horizonMask, horizonMask);
  const result = assemblePasses(passChunks(p).map(runPassChunk));
  const count = (station: string) => result.passes.filter((r) => r.station === station).length;
  assert.ok(count('walled') < count('open'), `a 30° wall hides the low passes (${count('walled')} against ${count('open')})`);
  assert.ok(result.passes.filter((r) => r.station === 'walled').every((r) => r.max.elevationDeg >= 30));
});

test('each problem is named under /params', async () => {
  assert.deepEqual(await problems({ mission: 'nope', ...WINDOW }), [{ pointer: '/params/mission', detail: 'no mission "nope"' }]);
  assert.deepEqual(await problems({ ...WINDOW }), [{ pointer: '/params/mission', detail: 'is needed when spacecraft is not given' }]);
  const many = await problems({ mission: 'leo', spacecraft: ['iss', 'ghost', 'no-tle', 'elsewhere'], stations: ['kiruna', 'goonhilly'], from: WINDOW.to, to: WINDOW.from });
  assert.deepEqual(many.map((e) => e.pointer), ['/params/to', '/params/spacecraft/1', '/params/spacecraft/2', '/params/spacecraft/3', '/params/stations/1']);
  assert.match(many[3]!.detail, /belongs to mission "other"/);
  const long = await problems({ mission: 'leo', from: '2022-08-01T00:00:00Z', to: '2022-09-02T00:00:00Z' });
  assert.deepEqual(long.map((e) => e.pointer), ['/params/to']);
  assert.match(long[0]!.detail, /at most 31 days/);
  assert.deepEqual((await problems({ mission: 'empty', ...WINDOW })).map((e) => e.pointer), ['/params/mission', '/params/stations']);
});

test('the stored parameters run, a chunk per spacecraft, into every pass of each spacecraft over each station, in AOS order', async () => {
  const params = await resolved({ mission: 'leo', ...WINDOW });
  const chunks = passChunks(params);
  assert.deepEqual(chunks.map((c) => [c.spacecraft.id, c.stations.length]), [['iss', 2], ['noaa-19', 2]]);
  // As a worker thread gets it: plain data, copied.
  const result = assemblePasses(chunks.map((c) => runPassChunk(structuredClone(c))));
  assert.deepEqual(result.failures, []);
  const pairs = new Set(result.passes.map((p) => `${p.spacecraft}/${p.station}`));
  // A 51.6° orbit never climbs 10° above Kiruna's horizon at 68° N; the polar one does.
  assert.deepEqual([...pairs].sort(), ['iss/redu', 'noaa-19/kiruna', 'noaa-19/redu']);
  for (let i = 1; i < result.passes.length; i++) assert.ok(result.passes[i - 1]!.aos.time <= result.passes[i]!.aos.time, 'in AOS order');
  for (const p of result.passes) {
    assert.ok(p.aos.time < p.max.time && p.max.time < p.los.time, 'AOS, highest point, LOS in order');
    if (p.station === 'kiruna') assert.ok(Math.abs(p.aos.elevationDeg - 10) < 0.001, "AOS on Kiruna's 10° mask");
  }
});

test('a spacecraft SGP4 gives up on is a failure named in the result; the others still get their passes', async () => {
  const params = await resolved({ mission: 'leo', ...WINDOW });
  // Eccentricity 0.99999 passes the TLE's format but not SGP4 (error 1 or 4).
  const broken = { id: 'broken', tle: [params.spacecraft[0]!.tle[0]!, params.spacecraft[0]!.tle[1]!.slice(0, 26) + '9999999' + params.spacecraft[0]!.tle[1]!.slice(33)] };
  const result = assemblePasses(passChunks({ ...params, spacecraft: [broken, ...params.spacecraft] }).map(runPassChunk));
  assert.deepEqual(result.failures.map((f) => f.spacecraft), ['broken']);
  assert.match(result.failures[0]!.detail, /SGP4 error \d/);
  assert.ok(result.passes.length > 0 && result.passes.every((p) => p.spacecraft !== 'broken'));
});
