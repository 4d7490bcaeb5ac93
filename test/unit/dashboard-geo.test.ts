import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { project, splitAtAntimeridian, wrapLongitude } from '../../src/core/geo/equirectangular.ts';
import { splitAtTime } from '../../web/dashboard/src/geo/track.ts';
import { gstime } from 'satellite.js';
import { greenwichSiderealDeg, nightPolygon, subsolarPoint } from '../../web/dashboard/src/geo/terminator.ts';
import { orbitalPeriodMinutes } from '../../web/dashboard/src/geo/period.ts';
import { landRings } from '../../src/core/geo/land.ts';

const DEG = Math.PI / 180;
/** Great-circle angle between two points, degrees. */
const angle = (a: { lon: number; lat: number }, b: { lon: number; lat: number }) =>
  Math.acos(Math.min(1, Math.sin(a.lat * DEG) * Math.sin(b.lat * DEG) + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * Math.cos((a.lon - b.lon) * DEG))) / DEG;

test('the equirectangular projection puts the map corners and centre where expected', () => {
  assert.deepEqual(project({ lon: -180, lat: 90 }, 720, 360), [0, 0]);
  assert.deepEqual(project({ lon: 0, lat: 0 }, 720, 360), [360, 180]);
  assert.deepEqual(project({ lon: 180, lat: -90 }, 720, 360), [720, 360]);
});

test('longitudes wrap into [-180, 180)', () => {
  assert.equal(wrapLongitude(190), -170);
  assert.equal(wrapLongitude(-190), 170);
  assert.equal(wrapLongitude(180), -180);
  assert.equal(wrapLongitude(45), 45);
});

test('a track crossing 180° eastward is split into two pieces meeting the edges at the same latitude', () => {
  const pieces = splitAtAntimeridian([{ lon: 170, lat: 0 }, { lon: 178, lat: 2 }, { lon: -178, lat: 4 }, { lon: -170, lat: 6 }]);
  assert.equal(pieces.length, 2);
  assert.deepEqual(pieces[0]!.at(-1), { lon: 180, lat: 3 });
  assert.deepEqual(pieces[1]![0], { lon: -180, lat: 3 });
  assert.deepEqual(pieces[1]!.at(-1), { lon: -170, lat: 6 });
});

test('a westward crossing is split too, and a track that stays on the map is left whole', () => {
  const westward = splitAtAntimeridian([{ lon: -175, lat: 10 }, { lon: 175, lat: 20 }]);
  assert.deepEqual(westward, [[{ lon: -175, lat: 10 }, { lon: -180, lat: 15 }], [{ lon: 180, lat: 15 }, { lon: 175, lat: 20 }]]);
  assert.equal(splitAtAntimeridian([{ lon: -10, lat: 0 }, { lon: 10, lat: 5 }, { lon: 30, lat: 10 }]).length, 1);
});

test('a track is cut at the present, both halves sharing the sample that joins them', () => {
  const samples = [0, 1, 2, 3].map((i) => ({ time: i * 1000, lon: i, lat: 0 }));
  const { past, next } = splitAtTime(samples, 1500);
  assert.deepEqual(past.map((s) => s.time), [0, 1000, 2000]);
  assert.deepEqual(next.map((s) => s.time), [2000, 3000]);
  assert.deepEqual(splitAtTime(samples, -1).past, []);
  assert.deepEqual(splitAtTime(samples, 5000).next, []);
});

test('Greenwich sidereal time agrees with the SGP4 library', () => {
  for (const iso of ['2000-01-01T12:00:00Z', '2024-03-20T12:00:00Z', '2026-12-07T17:05:00Z', '1990-07-01T03:14:15Z']) {
    const time = new Date(iso);
    const reference = gstime(time) / DEG;
    const diff = Math.abs(((greenwichSiderealDeg(time) - reference + 540) % 360) - 180);
    assert.ok(diff < 1e-6, `${iso}: ${greenwichSiderealDeg(time)} vs ${reference}`);
  }
});

test('the subsolar point is near +23.4° at the June solstice and -23.4° at the December one', () => {
  assert.ok(Math.abs(subsolarPoint(new Date('2024-06-20T20:51:00Z')).lat - 23.44) < 0.05);
  assert.ok(Math.abs(subsolarPoint(new Date('2024-12-21T09:21:00Z')).lat + 23.44) < 0.05);
});

test('at an equinox noon in Greenwich the Sun stands over the equator near the prime meridian', () => {
  // The equation of time in March is about -7.5 minutes: the Sun crosses Greenwich at
  // 12:07:30, so at noon it is still ~1.9° east.
  const sun = subsolarPoint(new Date('2024-03-20T12:00:00Z'));
  assert.ok(Math.abs(sun.lat) < 0.2, `latitude ${sun.lat}`);
  assert.ok(Math.abs(sun.lon - 1.9) < 0.5, `longitude ${sun.lon}`);
});

test('at an equinox noon the terminator runs through both poles along the ±90° meridians', () => {
  const sun = { lon: 0, lat: 0 };
  const polygon = nightPolygon(sun);
  const terminator = polygon.slice(0, -2);
  assert.ok(terminator.some((p) => p.lat > 89.9) && terminator.some((p) => p.lat < -89.9));
  for (const p of terminator) assert.ok(Math.abs(p.lat) > 89.9 || Math.abs(Math.abs(p.lon) - 90) < 1e-9, `off the terminator at ${p.lon}, ${p.lat}`);
});

test('every terminator point is 90° from the subsolar point, and night closes through the pole in darkness', () => {
  const sun = { lon: 37, lat: 23.4 };
  const polygon = nightPolygon(sun, 5);
  for (const p of polygon.slice(0, -2)) assert.ok(Math.abs(angle(p, sun) - 90) < 1e-6);
  assert.deepEqual(polygon.slice(-2), [{ lon: 180, lat: -90 }, { lon: -180, lat: -90 }]);
  assert.equal(nightPolygon({ lon: 0, lat: -10 }).at(-1)!.lat, 90);
});

test('the orbital period comes from the mean motion on line 2', () => {
  const tle = [
    '1 41968U 17008W   26341.70820419  .00010890  00000-0  32170-3 0  9995',
    '2 41968  97.2750 287.3567 0007244  45.4774 314.7060 15.35097580305154',
  ] as const;
  assert.ok(Math.abs(orbitalPeriodMinutes(tle)! - 1440 / 15.3509758) < 1e-9);
  assert.equal(orbitalPeriodMinutes(['1 nonsense', '2 nonsense']), undefined);
});

test('the world-atlas land topology turns into closed rings of longitude and latitude', () => {
  const topology = JSON.parse(readFileSync(new URL('../../node_modules/world-atlas/land-110m.json', import.meta.url), 'utf8'));
  const rings = landRings(topology);
  assert.ok(rings.length > 100);
  for (const ring of rings) {
    assert.deepEqual(ring[0], ring.at(-1));
    for (const [lon, lat] of ring) assert.ok(Math.abs(lon) <= 180 && Math.abs(lat) <= 90);
  }
});
