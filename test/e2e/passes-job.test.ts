/**
 * The orbit.passes job over real HTTP on an all-in-one Orbit: a mission, a spacecraft with
 * a TLE and ground stations made through the API, a job asked for by mission, its passes
 * read in pages and as NDJSON; unknown or wrong parameters are refused before any work.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPropagator } from '../../src/core/orbit/sgp4.ts';
import { findPasses } from '../../src/core/orbit/passes.ts';
import { eventually, expectJson, type OrbitChild, startOrbit, tempDir } from '../support/orbit.ts';

// The ISS and NOAA-19 of the August 2022 catalogue (../shared/data/tle/catalog-2022-08.tle).
const ISS: [string, string] = [
  '1 25544U 98067A   22221.92646991  .00006058  00000-0  11289-3 0  9998',
  '2 25544  51.6448  70.3700 0005152 101.7041  98.6467 15.50292585353513',
];
const NOAA_19: [string, string] = [
  '1 33591U 09005A   22221.82668792  .00000141  00000-0  10101-3 0  9994',
  '2 33591  99.1449 257.0761 0014526  41.8007 318.4271 14.12596751695989',
];
const KIRUNA = { name: 'Kiruna', latitudeDeg: 67.8571, longitudeDeg: 20.9642, altitudeM: 341, elevationMaskDeg: 5 };
const REDU = { name: 'Redu', latitudeDeg: 50.0019, longitudeDeg: 5.1453, altitudeM: 380 };
const FROM = '2022-08-10T00:00:00.000Z';
const TO = '2022-08-12T00:00:00.000Z';

let orbit: OrbitChild;
let data: { dir: string; remove(): Promise<void> };


before(async () => {
  data = await tempDir();
  orbit = await startOrbit({ dataDir: data.dir });
  await expectJson(orbit.api('/v1/missions', { method: 'POST', json: { id: 'leo', name: 'LEO' } }), 201);
  await expectJson(orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'iss', missionId: 'leo', name: 'ISS', tle: ISS } }), 201);
  await expectJson(orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'noaa-19', missionId: 'leo', name: 'NOAA 19', tle: NOAA_19 } }), 201);
  await expectJson(orbit.api('/v1/missions/leo/ground-stations/kiruna', { method: 'PUT', json: KIRUNA }), 201);
  await expectJson(orbit.api('/v1/missions/leo/ground-stations/redu', { method: 'PUT', json: REDU }), 201);
});
after(async () => {
  await orbit?.stop();
  await data?.remove();
});

const finished = (id: string) => eventually(async () => {
  const j = await expectJson(orbit.api(`/v1/jobs/${id}`), 200);
  return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
}, 120_000, `job ${id} finished`);

test("a job for a mission gives every pass of its spacecraft over its stations, as predicted in this process, in pages and as NDJSON", async () => {
  const { id } = await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.passes', params: { mission: 'leo', from: FROM, to: TO } } }), 202);
  const job = await finished(id);
  assert.equal(job.state, 'succeeded', job.error);
  assert.deepEqual(job.params.spacecraft.map((s: { id: string }) => s.id), ['iss', 'noaa-19']);
  assert.deepEqual(job.params.stations.map((s: { id: string }) => s.id), ['kiruna', 'redu']);
  assert.deepEqual(job.result.failures, []);

  const rows: { spacecraft: string; station: string; aos: { time: string; azimuthDeg: number }; max: { time: string; elevationDeg: number }; los: { time: string } }[] = [];
  let cursor: string | undefined;
  do {
    const page = await expectJson(orbit.api(`/v1/jobs/${id}/result?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), 200);
    rows.push(...page.rows);
    cursor = page.next;
  } while (cursor);
  assert.equal(rows.length, job.result.rows);

  const expected = [];
  for (const [craft, tle] of [['iss', ISS], ['noaa-19', NOAA_19]] as const) {
    for (const [station, site] of [['kiruna', KIRUNA], ['redu', REDU]] as const) {
      for (const p of findPasses(createPropagator(tle[0], tle[1]), site, new Date(FROM), new Date(TO))) {
        expected.push({ key: `${p.aos.time.toISOString()} ${craft} ${station}`, max: p.max.elevationDeg, los: p.los.time.toISOString(), az: p.aos.azimuthDeg });
      }
    }
  }
  expected.sort((a, b) => a.key.localeCompare(b.key));
  assert.ok(expected.length > 20, `two days of passes (${expected.length})`);
  assert.deepEqual(rows.map((r) => ({ key: `${r.aos.time} ${r.spacecraft} ${r.station}`, max: r.max.elevationDeg, los: r.los.time, az: r.aos.azimuthDeg })), expected);

  const ndjson = await (await orbit.api(`/v1/jobs/${id}/result?format=ndjson`)).text();
  assert.deepEqual(ndjson.trim().split('\n').map((l) => JSON.parse(l)), rows);

  // The console's job page tabulates them; its list names the spacecraft.
  const page = await (await orbit.api(`/console/jobs/${id}`)).text();
  assert.match(page, new RegExp(`${rows.length} passes of 2 spacecraft over 2 stations`));
  assert.equal(page.match(/<tr><td>(iss|noaa-19)<\/td><td>(kiruna|redu)<\/td>/g)?.length, rows.length, 'a table row per pass');
  assert.match(await (await orbit.api('/console/jobs')).text(), /<td>orbit\.passes<\/td><td>iss, noaa-19<\/td>/);
});

test('named spacecraft and stations narrow the job; wrong parameters are refused with each named, an unknown mission with 404', async () => {
  const { id } = await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.passes', params: { spacecraft: ['noaa-19'], stations: ['kiruna'], from: FROM, to: '2022-08-10T12:00:00Z' } } }), 202);
  const job = await finished(id);
  assert.equal(job.state, 'succeeded', job.error);
  const page = await expectJson(orbit.api(`/v1/jobs/${id}/result`), 200);
  assert.ok(page.rows.length > 0);
  assert.ok(page.rows.every((r: { spacecraft: string; station: string }) => r.spacecraft === 'noaa-19' && r.station === 'kiruna'));

  const refused = await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.passes', params: { mission: 'leo', stations: ['kiruna', 'nowhere'], from: TO, to: FROM } } }), 400);
  assert.deepEqual(refused.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/params/stations/1', '/params/to']);
  await expectJson(orbit.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.passes', params: { mission: 'nope', from: FROM, to: TO } } }), 404);
});
