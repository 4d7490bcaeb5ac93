import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AU_KM, EARTH_RADIUS_KM, betaAngleDeg, declinationDeg, illumination, sunPositionKm, type Vector3 } from '../../src/core/orbit/sun.ts';

const MU = 398_600.4418;
const norm = (v: Vector3): number => Math.hypot(v[0], v[1], v[2]);
const scale = (v: Vector3, k: number): Vector3 => [v[0] * k, v[1] * k, v[2] * k];
const DEG = Math.PI / 180;

/** A circular orbit in the plane given by inclination and RAAN, sampled over one revolution. */
function circularOrbit(altitudeKm: number, inclinationDeg: number, raanDeg: number, samples: number): { position: Vector3; velocity: Vector3 }[] {
  const r = EARTH_RADIUS_KM + altitudeKm;
  const v = Math.sqrt(MU / r);
  const [i, o] = [inclinationDeg * DEG, raanDeg * DEG];
  const p: Vector3 = [Math.cos(o), Math.sin(o), 0];
  const q: Vector3 = [-Math.sin(o) * Math.cos(i), Math.cos(o) * Math.cos(i), Math.sin(i)];
  return Array.from({ length: samples }, (_, k) => {
    const u = (2 * Math.PI * k) / samples;
    const position: Vector3 = [0, 1, 2].map((j) => r * (Math.cos(u) * p[j]! + Math.sin(u) * q[j]!)) as Vector3;
    const velocity: Vector3 = [0, 1, 2].map((j) => v * (-Math.sin(u) * p[j]! + Math.cos(u) * q[j]!)) as Vector3;
    return { position, velocity };
  });
}

/** Shadow fraction of a circular orbit with the cylindrical-shadow formula, for comparison. */
function expectedShadowFraction(altitudeKm: number, betaDeg: number): number {
  const r = EARTH_RADIUS_KM + altitudeKm;
  const x = Math.sqrt(altitudeKm ** 2 + 2 * EARTH_RADIUS_KM * altitudeKm) / (r * Math.cos(betaDeg * DEG));
  return x >= 1 ? 0 : Math.acos(x) / Math.PI;
}

test('the Sun is about one astronomical unit away all year, nearest in January', () => {
  const january = norm(sunPositionKm(new Date('2024-01-03T00:00:00Z'))) / AU_KM;
  const july = norm(sunPositionKm(new Date('2024-07-05T00:00:00Z'))) / AU_KM;
  assert.ok(Math.abs(january - 0.9833) < 0.001, `perihelion distance ${january} AU`);
  assert.ok(Math.abs(july - 1.0167) < 0.001, `aphelion distance ${july} AU`);
});

test('the Sun stands at +23.44° at the June solstice, -23.44° in December, on the equator at the March equinox', () => {
  const june = declinationDeg(sunPositionKm(new Date('2024-06-20T20:51:00Z')));
  const december = declinationDeg(sunPositionKm(new Date('2024-12-21T09:21:00Z')));
  const march = sunPositionKm(new Date('2024-03-20T03:06:00Z'));
  assert.ok(Math.abs(june - 23.44) < 0.02, `June declination ${june}`);
  assert.ok(Math.abs(december + 23.44) < 0.02, `December declination ${december}`);
  assert.ok(Math.abs(declinationDeg(march)) < 0.02, `March declination ${declinationDeg(march)}`);
  // At the March equinox the Sun is in the direction of the equinox, the frame's +x axis.
  assert.ok(march[0] > 0.9999 * norm(march));
});

test('a point straight behind the Earth is in umbra and one on the sunward side is lit', () => {
  const sun = sunPositionKm(new Date('2024-05-01T12:00:00Z'));
  const towardSun = scale(sun, 1 / norm(sun));
  assert.equal(illumination(scale(towardSun, -7000), sun), 0);
  assert.equal(illumination(scale(towardSun, 7000), sun), 1);
  // Abeam of the Earth, well off the shadow axis, the Sun is fully visible too.
  const abeam: Vector3 = [-towardSun[1] * 7000, towardSun[0] * 7000, 0];
  assert.equal(illumination(abeam, sun), 1);
});

test('the shadow edge has a penumbra: illumination falls from 1 to 0 gradually, not in one step', () => {
  const time = new Date('2024-03-20T03:06:00Z');
  const sun = sunPositionKm(time);
  // Equatorial orbit at 420 km with the Sun in its plane (March equinox, beta ~ 0).
  const orbit = circularOrbit(420, 0, 0, 5568 * 4); // 0.25 s samples over ~93 min
  const values = orbit.map((s) => illumination(s.position, sun));
  const partial = values.filter((v) => v > 0 && v < 1).length;
  // LEO penumbra crossings take roughly 8-12 s each; two per orbit.
  assert.ok(partial / 4 > 10 && partial / 4 < 40, `${partial / 4} s in penumbra per orbit`);
  for (let k = 1; k < values.length; k++) assert.ok(Math.abs(values[k]! - values[k - 1]!) < 0.1, 'no jump between samples');
});

test('an ISS-like orbit spends a plausible share of each revolution in shadow, matching its beta angle', () => {
  const time = new Date('2024-04-15T00:00:00Z');
  const sun = sunPositionKm(time);
  for (const raan of [0, 60, 150, 250]) {
    const orbit = circularOrbit(420, 51.6, raan, 3600);
    const shadow = orbit.filter((s) => illumination(s.position, sun) < 0.5).length / orbit.length;
    const beta = betaAngleDeg(orbit[0]!.position, orbit[0]!.velocity, sun);
    assert.ok(shadow >= 0 && shadow <= 0.4, `shadow fraction ${shadow} at RAAN ${raan}`);
    assert.ok(Math.abs(shadow - expectedShadowFraction(420, beta)) < 0.01, `RAAN ${raan}, beta ${beta.toFixed(1)}: ${shadow}`);
  }
  // With the Sun in the orbit plane the shadow is longest: about 38 % at 420 km.
  const sunPlane = circularOrbit(420, 0, 0, 3600);
  const march = sunPositionKm(new Date('2024-03-20T03:06:00Z'));
  const longest = sunPlane.filter((s) => illumination(s.position, march) < 0.5).length / 3600;
  assert.ok(longest > 0.36 && longest < 0.4, `beta-0 shadow fraction ${longest}`);
});

test('the beta angle is 0 with the Sun in the orbit plane and ±90 along the orbit normal', () => {
  const position: Vector3 = [7000, 0, 0];
  const velocity: Vector3 = [0, 7.5, 0];
  assert.ok(Math.abs(betaAngleDeg(position, velocity, [AU_KM, 0, 0])) < 1e-9);
  assert.ok(Math.abs(betaAngleDeg(position, velocity, [0, 0, AU_KM]) - 90) < 1e-9);
  assert.ok(Math.abs(betaAngleDeg(position, velocity, [0, 0, -AU_KM]) + 90) < 1e-9);
});
