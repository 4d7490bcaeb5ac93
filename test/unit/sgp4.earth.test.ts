/**
 * Orbit's sidereal time and geodetic conversion against satellite.js's (the functions
 * they replace in createPropagator), over random instants and positions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eciToGeodetic, gstime } from 'satellite.js';
import { gmstAt, temeToGeodetic } from '../../src/core/orbit/sgp4.ts';

const from = Date.UTC(1957, 9, 4);
const to = Date.UTC(2056, 0, 1);
const angleBetween = (a: number, b: number): number => Math.abs(Math.atan2(Math.sin(a - b), Math.cos(a - b)));

test('GMST agrees with satellite.js to 1e-8 rad (its Julian date carries ~40 µs) from 1957 to 2056', () => {
  fc.assert(
    fc.property(fc.integer({ min: from, max: to }), (ms) => {
      const g = gmstAt(ms);
      assert.ok(g >= 0 && g < 2 * Math.PI);
      assert.ok(angleBetween(g, gstime(new Date(ms))) < 1e-8, `${new Date(ms).toISOString()}`);
    }),
    { numRuns: 2000 },
  );
});

test('geodetic latitude, longitude and altitude agree with satellite.js to a millimetre from 150 km to beyond geostationary, up to 80 degrees of latitude', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -0.98, max: 0.98, noNaN: true }),
      fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
      fc.double({ min: 6528, max: 50_000, noNaN: true }),
      fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
      (sinLat, lon, radius, g) => {
        const cosLat = Math.sqrt(1 - sinLat * sinLat);
        const [x, y, z] = [radius * cosLat * Math.cos(lon), radius * cosLat * Math.sin(lon), radius * sinLat];
        const ours = temeToGeodetic(x, y, z, g);
        const theirs = eciToGeodetic({ x, y, z }, g);
        assert.ok(Math.abs(ours.latitude - theirs.latitude) * radius < 1e-6, 'latitude');
        assert.ok(angleBetween(ours.longitude, theirs.longitude) * radius * cosLat < 1e-6, 'longitude');
        assert.ok(Math.abs(ours.altitude - theirs.height) < 1e-6, 'altitude');
        assert.ok(ours.longitude >= -Math.PI && ours.longitude <= Math.PI);
      },
    ),
    { numRuns: 2000 },
  );
});

test('over the poles, where satellite.js loses the altitude, it is the height above the polar radius', () => {
  const polarRadius = 6378.137 * (1 - 1 / 298.257223563);
  for (const [z, g] of [[7000, 0], [-7000, 1], [42164, 3], [-6600, 6]]) {
    const ours = temeToGeodetic(1e-9, -1e-9, z, g);
    assert.ok(Math.abs(Math.abs(ours.latitude) - Math.PI / 2) < 1e-12);
    assert.ok(Math.abs(ours.altitude - (Math.abs(z) - polarRadius)) < 1e-6, `altitude ${ours.altitude} at z = ${z}`);
  }
});
