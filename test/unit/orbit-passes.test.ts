/**
 * Passes against an independent computation: satellite.js's own propagation, frame
 * rotation and look angles (eciToEcf, ecfToLookAngles), sampled every second over the
 * window. A pass there is a run of seconds at or above the mask.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ecfToLookAngles, eciToEcf, geodeticToEcf, gstime, propagate, twoline2satrec } from 'satellite.js';
import { createPropagator } from '../../src/core/orbit/sgp4.ts';
import { brentRoot, findPasses, maskAt, predictPasses, type Pass, type PassStation } from '../../src/core/orbit/passes.ts';
import { geodeticToEarthFixed, gmstRad } from '../../src/core/orbit/topocentric.ts';

const CATALOGUE = path.resolve(import.meta.dirname, '../../../shared/data/tle/catalog-2022-08.tle');
const DEG = Math.PI / 180;

function elementSet(satnum: string): [string, string] {
  const lines = readFileSync(CATALOGUE, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(`1 ${satnum.padStart(5)}`));
  assert.ok(i >= 0, `satellite ${satnum} is in the catalogue`);
  return [lines[i]!.trimEnd(), lines[i + 1]!.trimEnd()];
}

const ISS = elementSet('25544'); // 51.6°, ~420 km
const SENTINEL_1A = elementSet('39634'); // sun-synchronous, 98.2°, ~690 km
const NOAA_19 = elementSet('33591'); // sun-synchronous, 99.1°, ~860 km

const SVALBARD: PassStation = { latitudeDeg: 78.2297, longitudeDeg: 15.4078, altitudeM: 500, elevationMaskDeg: 0 };
const KIRUNA_MASKED: PassStation = { latitudeDeg: 67.8571, longitudeDeg: 20.9642, altitudeM: 341, elevationMaskDeg: 10 };
const REDU_MASKED: PassStation = { latitudeDeg: 50.0019, longitudeDeg: 5.1453, altitudeM: 380, elevationMaskDeg: 10 };
const FAIRBANKS: PassStation = { latitudeDeg: 64.8587, longitudeDeg: -147.8549, altitudeM: 150 };
const HARTEBEESTHOEK: PassStation = { latitudeDeg: -25.8897, longitudeDeg: 27.6853, altitudeM: 1415 };

interface Look { azimuthDeg: number; elevationDeg: number }

/** satellite.js's answer at one instant. */
function referenceLook(tle: [string, string], station: PassStation): (ms: number) => Look {
  const satrec = twoline2satrec(tle[0], tle[1]);
  const observer = { latitude: station.latitudeDeg * DEG, longitude: station.longitudeDeg * DEG, height: station.altitudeM / 1000 };
  return (ms) => {
    const time = new Date(ms);
    const state = propagate(satrec, time);
    assert.ok(state, `satellite.js propagates to ${time.toISOString()}`);
    const look = ecfToLookAngles(observer, eciToEcf(state.position, gstime(time)));
    return { azimuthDeg: look.azimuth / DEG, elevationDeg: look.elevation / DEG };
  };
}

/** The mask at an azimuth, written out plainly: the horizon's points joined linearly around the circle, floored at elevationMaskDeg. */
function referenceMask(station: PassStation, azimuthDeg: number): number {
  const floor = station.elevationMaskDeg ?? 0;
  const points = station.horizonMask ?? [];
  if (!points.length) return floor;
  const around = [{ ...points.at(-1)!, azimuthDeg: points.at(-1)!.azimuthDeg - 360 }, ...points, { ...points[0]!, azimuthDeg: points[0]!.azimuthDeg + 360 }];
  for (let i = 1; i < around.length; i++) {
    const [p, q] = [around[i - 1]!, around[i]!];
    if (azimuthDeg >= p.azimuthDeg && azimuthDeg < q.azimuthDeg) {
      return Math.max(floor, p.elevationDeg + ((azimuthDeg - p.azimuthDeg) / (q.azimuthDeg - p.azimuthDeg)) * (q.elevationDeg - p.elevationDeg));
    }
  }
  throw new Error(`azimuth ${azimuthDeg} outside the horizon`);
}

interface GridPass { aosS: number; losS: number; maxS: number; maxDeg: number; startsAtWindow: boolean; endsAtWindow: boolean }

/** Runs of whole seconds at or above the mask, sampled with satellite.js. */
function gridPasses(tle: [string, string], station: PassStation, from: number, to: number): GridPass[] {
  const look = referenceLook(tle, station);
  const passes: GridPass[] = [];
  let open: GridPass | undefined;
  for (let ms = from; ms <= to; ms += 1000) {
    const { elevationDeg: el, azimuthDeg } = look(ms);
    if (el >= referenceMask(station, azimuthDeg)) {
      if (!open) open = { aosS: ms, losS: ms, maxS: ms, maxDeg: el, startsAtWindow: ms === from, endsAtWindow: false };
      open.losS = ms;
      if (el > open.maxDeg) Object.assign(open, { maxS: ms, maxDeg: el });
    } else if (open) {
      passes.push(open);
      open = undefined;
    }
  }
  if (open) passes.push({ ...open, endsAtWindow: true });
  return passes;
}

/**
 * Every pass agrees with the 1 s grid: AOS between the last second below the mask and the
 * first at or above it, LOS between the last at or above and the first below, the highest
 * point within 1 s of the grid's highest second and no lower than it; azimuths and
 * elevations agree with satellite.js's at the times given.
 */
function assertAgrees(passes: Pass[], grid: GridPass[], tle: [string, string], station: PassStation, label: string): void {
  const look = referenceLook(tle, station);
  assert.equal(passes.length, grid.length, `${label}: as many passes as the 1 s grid has (${grid.map((g) => new Date(g.aosS).toISOString()).join(', ')})`);
  const slack = 50; // ms: the two implementations differ by micro-degrees, a few ms of a LEO pass
  passes.forEach((pass, i) => {
    const g = grid[i]!;
    const at = `${label} pass ${i + 1} (${pass.aos.time.toISOString()})`;
    const aos = pass.aos.time.getTime();
    const los = pass.los.time.getTime();
    const max = pass.max.time.getTime();
    assert.equal(pass.startsBeforeWindow, g.startsAtWindow, `${at}: cut at the window's start`);
    assert.equal(pass.endsAfterWindow, g.endsAtWindow, `${at}: cut at the window's end`);
    if (g.startsAtWindow) assert.equal(aos, g.aosS, `${at}: a cut pass is acquired at the window's start`);
    else assert.ok(aos > g.aosS - 1000 - slack && aos <= g.aosS + slack, `${at}: AOS ${aos - g.aosS} ms from the grid's first second above the mask`);
    if (g.endsAtWindow) assert.equal(los, g.losS, `${at}: a cut pass is lost at the window's end`);
    else assert.ok(los >= g.losS - slack && los < g.losS + 1000 + slack, `${at}: LOS ${los - g.losS} ms from the grid's last second above the mask`);
    // Near a high orbit's apogee elevation is flat for minutes and its peak's time ill-defined: there
    // the time is right if satellite.js puts it at least as high as every second of the grid.
    const onFlatPeak = look(max).elevationDeg >= g.maxDeg - 1e-6;
    assert.ok(Math.abs(max - g.maxS) <= 1000 || onFlatPeak, `${at}: highest point ${max - g.maxS} ms from the grid's highest second`);
    // The grid's highest second may sit half a second off the peak (a hundredth of a degree near the zenith): sample satellite.js finer there.
    let peak = -90;
    if (!g.startsAtWindow && !g.endsAtWindow) {
      for (let ms = g.maxS - 1000; ms <= g.maxS + 1000; ms += 10) {
        const l = look(ms);
        if (l.elevationDeg >= referenceMask(station, l.azimuthDeg)) peak = Math.max(peak, l.elevationDeg);
      }
    }
    else peak = g.maxDeg;
    assert.ok(pass.max.elevationDeg >= g.maxDeg - 1e-4 && Math.abs(pass.max.elevationDeg - peak) < 1e-3, `${at}: highest ${pass.max.elevationDeg}° against satellite.js's ${peak}° (grid ${g.maxDeg}°)`);
    // The highest point is the AOS or LOS itself for a pass that rises or sets behind a ridge.
    assert.ok(aos <= max && max <= los && aos < los, `${at}: AOS, highest point, LOS in order`);
    for (const [name, point] of [['AOS', pass.aos], ['max', pass.max], ['LOS', pass.los]] as const) {
      const ref = look(point.time.getTime());
      const dAz = Math.abs(((point.azimuthDeg - ref.azimuthDeg + 540) % 360) - 180);
      // Azimuth swings fast only near the zenith; there a hundredth of a degree of elevation is many of azimuth.
      const azTolerance = ref.elevationDeg > 89 ? 1 : 0.01;
      assert.ok(dAz < azTolerance, `${at}: ${name} azimuth ${point.azimuthDeg}° against satellite.js's ${ref.azimuthDeg}°`);
      assert.ok(Math.abs(point.elevationDeg - ref.elevationDeg) < 0.001, `${at}: ${name} elevation ${point.elevationDeg}° against satellite.js's ${ref.elevationDeg}°`);
      assert.ok(point.azimuthDeg >= 0 && point.azimuthDeg < 360, `${at}: ${name} azimuth in [0, 360)`);
    }
    // On the mask: satellite.js's elevation less the mask changes sign within 2 ms of the time (a steep horizon moves it fast).
    const clearance = (ms: number) => {
      const l = look(ms);
      return l.elevationDeg - referenceMask(station, l.azimuthDeg);
    };
    const onMask = (p: Pass['aos']) => {
      const t = p.time.getTime();
      return Math.abs(clearance(t)) < 1e-4 || clearance(t - 2) * clearance(t + 2) <= 0;
    };
    if (!pass.startsBeforeWindow) assert.ok(onMask(pass.aos), `${at}: AOS on the mask`);
    if (!pass.endsAfterWindow) assert.ok(onMask(pass.los), `${at}: LOS on the mask`);
  });
}

function check(tle: [string, string], station: PassStation, fromIso: string, hours: number, label: string): Pass[] {
  const from = Date.parse(fromIso);
  const to = from + hours * 3_600_000;
  const passes = findPasses(createPropagator(tle[0], tle[1]), station, new Date(from), new Date(to));
  assertAgrees(passes, gridPasses(tle, station, from, to), tle, station, label);
  return passes;
}

test('ISS-like orbit over a station at 65° N: every pass of a day matches the 1 s grid', () => {
  const passes = check(ISS, FAIRBANKS, '2022-08-09T22:00:00Z', 24, 'ISS/Fairbanks');
  // 13° of latitude beyond the orbit's reach: only low passes in the southern sky, all of them found.
  assert.ok(passes.length >= 3, `the ISS is seen from Fairbanks (${passes.length})`);
  assert.ok(passes.every((p) => p.max.elevationDeg < 30 && p.max.azimuthDeg > 90 && p.max.azimuthDeg < 270), 'low in the southern sky');
});

test('sun-synchronous orbits over high-latitude stations with a 10° mask match the 1 s grid', () => {
  const sentinel = check(SENTINEL_1A, KIRUNA_MASKED, '2022-08-09T20:00:00Z', 24, 'Sentinel-1A/Kiruna');
  assert.ok(sentinel.length >= 6, `a polar orbit passes a 68° N station many times a day (${sentinel.length})`);
  const noaa = check(NOAA_19, SVALBARD, '2022-08-09T20:00:00Z', 24, 'NOAA-19/Svalbard');
  assert.ok(noaa.length >= 10, `and a 78° N station on most revolutions (${noaa.length})`);
});

test('mid-latitude and southern stations, with and without a mask, match the 1 s grid', () => {
  const masked = check(ISS, REDU_MASKED, '2022-08-09T22:00:00Z', 36, 'ISS/Redu');
  const low = check(ISS, { ...REDU_MASKED, elevationMaskDeg: 0 }, '2022-08-09T22:00:00Z', 36, 'ISS/Redu unmasked');
  assert.ok(low.length > masked.length, 'a 10° mask removes the lowest passes');
  check(SENTINEL_1A, HARTEBEESTHOEK, '2022-08-10T00:00:00Z', 24, 'Sentinel-1A/Hartebeesthoek');
});

test('passes cut by the window are flagged and start or end at its edges', () => {
  const [first] = check(ISS, REDU_MASKED, '2022-08-09T22:00:00Z', 36, 'ISS/Redu');
  assert.ok(first);
  // A window from the middle of that pass to the middle of a later one.
  const from = Math.floor(first.max.time.getTime() / 1000) * 1000;
  const passes = check(ISS, REDU_MASKED, new Date(from).toISOString(), 10, 'ISS/Redu cut');
  assert.equal(passes[0]!.startsBeforeWindow, true);
  assert.equal(passes[0]!.aos.time.getTime(), from);
  const mid = passes.at(-1)!;
  const to = Math.floor((mid.max.time.getTime() - 30_000) / 1000) * 1000;
  const cut = findPasses(createPropagator(ISS[0], ISS[1]), REDU_MASKED, new Date(from), new Date(to));
  assert.equal(cut.at(-1)!.endsAfterWindow, true);
  assert.equal(cut.at(-1)!.los.time.getTime(), to);
  assertAgrees(cut, gridPasses(ISS, REDU_MASKED, from, to), ISS, REDU_MASKED, 'ISS/Redu cut at both ends');
});

test('a short, low pass between two samples of the coarse search is still found', () => {
  // Raise the mask to just under the highest point of a real pass: the time above the mask shrinks to seconds.
  const station = { ...REDU_MASKED, elevationMaskDeg: 0 };
  const from = Date.parse('2022-08-09T22:00:00Z');
  const to = from + 36 * 3_600_000;
  const passes = findPasses(createPropagator(ISS[0], ISS[1]), station, new Date(from), new Date(to));
  const lowest = passes.filter((p) => !p.startsBeforeWindow && !p.endsAfterWindow).sort((a, b) => a.max.elevationDeg - b.max.elevationDeg)[0]!;
  const grazing = { ...station, elevationMaskDeg: lowest.max.elevationDeg - 0.001 };
  const found = findPasses(createPropagator(ISS[0], ISS[1]), grazing, new Date(from), new Date(to), { stepSeconds: 60 });
  const short = found.find((p) => Math.abs(p.max.time.getTime() - lowest.max.time.getTime()) < 1000);
  assert.ok(short, 'the grazing pass is found');
  const seconds = (short.los.time.getTime() - short.aos.time.getTime()) / 1000;
  assert.ok(seconds > 0 && seconds < 30, `it lasts under half a step (${seconds} s)`);
  assertAgrees(found, gridPasses(ISS, grazing, from, to), ISS, grazing, 'ISS/Redu grazing');
});

test('a window with no pass, or an empty window, gives no passes', () => {
  // At 78° N the ISS stays below the horizon: its ground track reaches 51.6°, its horizon 20° beyond.
  assert.deepEqual(check(ISS, SVALBARD, '2022-08-09T22:00:00Z', 24, 'ISS/Svalbard'), []);
  const from = new Date('2022-08-09T22:00:00Z');
  assert.deepEqual(findPasses(createPropagator(NOAA_19[0], NOAA_19[1]), SVALBARD, from, from), []);
});

test('frame helpers agree with satellite.js: sidereal time and the WGS-84 position of a station', () => {
  for (const iso of ['2000-01-01T12:00:00Z', '2022-08-09T22:13:07.250Z', '2031-03-20T03:00:00Z']) {
    const d = gmstRad(Date.parse(iso)) - gstime(new Date(iso));
    assert.ok(Math.abs(Math.atan2(Math.sin(d), Math.cos(d))) < 1e-9, `GMST at ${iso}`);
  }
  for (const site of [SVALBARD, HARTEBEESTHOEK, { latitudeDeg: 0, longitudeDeg: -120, altitudeM: 0 }]) {
    const ours = geodeticToEarthFixed(site);
    const theirs = geodeticToEcf({ latitude: site.latitudeDeg * DEG, longitude: site.longitudeDeg * DEG, height: site.altitudeM / 1000 });
    assert.ok(Math.hypot(ours[0] - theirs.x, ours[1] - theirs.y, ours[2] - theirs.z) < 1e-5, `station at ${site.latitudeDeg}°, ${site.longitudeDeg}° within 1 cm`);
  }
  const brent = brentRoot((x) => x * x - 2, 0, 2, 1e-12);
  assert.ok(Math.abs(brent - Math.SQRT2) < 1e-11);
});

test('predictPasses gives every pass of every spacecraft over every station in AOS order, and names the spacecraft SGP4 gives up on', () => {
  // Vallado's 28872 decays 50-55 minutes after its 2005 epoch: SGP4 gives up long before this window.
  const decaying = { id: 'decaying', tle: ['1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  1534', '2 28872  96.4736 157.9986 0303955 244.0492 110.6523 16.46015938 10708'] as const };
  const stations = [{ id: 'kiruna', ...KIRUNA_MASKED }, { id: 'hbk', ...HARTEBEESTHOEK }];
  const from = new Date('2022-08-09T20:00:00Z');
  const to = new Date('2022-08-10T08:00:00Z');
  const progress: number[] = [];
  const result = predictPasses([{ id: 'iss', tle: ISS }, { id: 'noaa-19', tle: NOAA_19 }, decaying], stations, from, to, { onProgress: (f) => progress.push(f) });
  assert.deepEqual(progress.map((f) => f.toFixed(2)), ['0.33', '0.67', '1.00']);
  assert.equal(result.failures.length, 1);
  assert.equal(result.failures[0]!.spacecraft, 'decaying');
  assert.match(result.failures[0]!.detail, /SGP4 error \d for satellite 28872/);
  for (const [id, tle] of [['iss', ISS], ['noaa-19', NOAA_19]] as const) {
    for (const station of stations) {
      const alone = findPasses(createPropagator(tle[0], tle[1]), station, from, to);
      const rows = result.passes.filter((p) => p.spacecraft === id && p.station === station.id);
      assert.deepEqual(rows.map((r) => [r.aos.time, r.max.time, r.max.elevationDeg, r.los.time]), alone.map((p) => [p.aos.time.toISOString(), p.max.time.toISOString(), p.max.elevationDeg, p.los.time.toISOString()]), `${id} over ${station.id}`);
      for (const r of rows) assert.equal(r.durationSeconds, (Date.parse(r.los.time) - Date.parse(r.aos.time)) / 1000);
    }
  }
  assert.ok(result.passes.length > 5);
  for (let i = 1; i < result.passes.length; i++) assert.ok(result.passes[i - 1]!.aos.time <= result.passes[i]!.aos.time, 'in AOS order');
});

test('a Molniya orbit (12 h, eccentricity 0.72) and a geostationary one match the 1 s grid too', () => {
  const molniya = elementSet('52145');
  const passes = check(molniya, KIRUNA_MASKED, '2022-08-09T20:00:00Z', 48, 'Molniya/Kiruna');
  assert.ok(passes.some((p) => p.los.time.getTime() - p.aos.time.getTime() > 6 * 3_600_000), 'hours-long passes near apogee');
  const geostationary = elementSet('52904');
  // Over 91.5° E: always in view from Bangalore, never from Redu.
  const fixed = check(geostationary, { latitudeDeg: 13.03, longitudeDeg: 77.51, altitudeM: 900, elevationMaskDeg: 10 }, '2022-08-09T20:00:00Z', 24, 'GEO/Bangalore');
  assert.equal(fixed.length, 1);
  assert.ok(fixed[0]!.startsBeforeWindow && fixed[0]!.endsAfterWindow, 'one pass, the whole window');
  assert.deepEqual(check(geostationary, REDU_MASKED, '2022-08-09T20:00:00Z', 24, 'GEO/Redu'), []);
});

test('a horizon mask by azimuth: passes rise and set on the horizon where they cross it, and a ridge splits a pass in two', () => {
  // Mountains to the north and west, open sea to the south; a narrow ridge at 120°-130°.
  const valley: PassStation = {
    ...REDU_MASKED, elevationMaskDeg: 2,
    horizonMask: [{ azimuthDeg: 0, elevationDeg: 25 }, { azimuthDeg: 90, elevationDeg: 5 }, { azimuthDeg: 119, elevationDeg: 5 }, { azimuthDeg: 125, elevationDeg: 40 }, { azimuthDeg: 131, elevationDeg: 5 }, { azimuthDeg: 180, elevationDeg: 0 }, { azimuthDeg: 270, elevationDeg: 15 }],
  };
  const sentinel = check(SENTINEL_1A, valley, '2022-08-09T20:00:00Z', 48, 'Sentinel-1A/valley');
  const iss = check(ISS, valley, '2022-08-09T22:00:00Z', 48, 'ISS/valley');
  const all = [...sentinel, ...iss];
  assert.ok(all.some((p) => p.aos.azimuthDeg > 150 && p.aos.azimuthDeg < 210 && p.aos.elevationDeg < 3), 'some rise low over the sea');
  assert.ok(all.some((p) => (p.aos.azimuthDeg > 300 || p.aos.azimuthDeg < 60) && p.aos.elevationDeg > 10), 'some rise high over the mountains');
  const onRidge = (az: number) => az > 119 && az < 131;
  const split = iss.findIndex((p, i) => i > 0 && onRidge(p.aos.azimuthDeg) && onRidge(iss[i - 1]!.los.azimuthDeg) && p.aos.time.getTime() - iss[i - 1]!.los.time.getTime() < 60_000);
  assert.ok(split > 0, 'a pass lost behind the ridge and acquired again seconds later');
  const flat = findPasses(createPropagator(ISS[0], ISS[1]), { ...valley, horizonMask: undefined }, new Date('2022-08-09T22:00:00Z'), new Date(Date.parse('2022-08-09T22:00:00Z') + 48 * 3_600_000));
  assert.notEqual(iss.length, flat.length, 'the horizon changes what is seen');
});

test('maskAt joins the horizon around through north and keeps the floor', () => {
  const station: PassStation = { ...REDU_MASKED, elevationMaskDeg: 3, horizonMask: [{ azimuthDeg: 10, elevationDeg: 10 }, { azimuthDeg: 350, elevationDeg: 30 }] };
  for (const az of [0, 5, 10, 90, 180, 349.9, 355, 359.99]) assert.ok(Math.abs(maskAt(station, az) - referenceMask(station, az)) < 1e-9, `at ${az}°`);
  assert.equal(maskAt(station, 0), 20);
  assert.equal(maskAt({ ...station, horizonMask: [] }, 123), 3);
  assert.equal(maskAt({ ...station, horizonMask: [{ azimuthDeg: 0, elevationDeg: 1 }] }, 200), 3, 'never below the floor');
});
