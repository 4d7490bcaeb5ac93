/** Day and night on the map: the subsolar point and the night side's outline. */
import { declinationDeg, sunPositionKm } from '../../../../src/core/orbit/sun.ts';
import { wrapLongitude, type LonLat } from '../../../../src/core/geo/equirectangular.ts';

const DEG = Math.PI / 180;
const J2000_MS = Date.UTC(2000, 0, 1, 12);

/**
 * Greenwich mean sidereal time, degrees (IAU 1982, as SGP4 uses). satellite.js has it,
 * but its package cannot be bundled for the browser (it carries WebAssembly builds).
 */
export function greenwichSiderealDeg(time: Date): number {
  const t = (time.getTime() - J2000_MS) / 86_400_000 / 36_525;
  const seconds = 67_310.548_41 + (876_600 * 3600 + 8_640_184.812_866) * t + 0.093_104 * t * t - 6.2e-6 * t * t * t;
  return (((seconds / 240) % 360) + 360) % 360;
}

/** Where the Sun is overhead at `time`. */
export function subsolarPoint(time: Date): LonLat {
  const sun = sunPositionKm(time);
  const rightAscensionDeg = Math.atan2(sun[1], sun[0]) / DEG;
  // The Earth turns under the Sun: longitude = right ascension less Greenwich sidereal time.
  return { lat: declinationDeg(sun), lon: wrapLongitude(rightAscensionDeg - greenwichSiderealDeg(time)) };
}

/** Latitude of the terminator at `lon`: the points 90° from the subsolar point. */
function terminatorLatitude(lon: number, subsolar: LonLat): number {
  // At an equinox the formula divides by zero; a sliver of declination keeps the right side dark.
  const declination = Math.abs(subsolar.lat) < 1e-6 ? Math.sign(subsolar.lat || 1) * 1e-6 : subsolar.lat;
  return Math.atan(-Math.cos((lon - subsolar.lon) * DEG) / Math.tan(declination * DEG)) / DEG;
}

/**
 * The night side as a polygon over the whole map: the terminator from west to east, then
 * along the map's edge through the pole in darkness (south while the Sun is north of the
 * equator). `stepDeg` sets how finely the terminator is sampled.
 */
export function nightPolygon(subsolar: LonLat, stepDeg = 1): LonLat[] {
  const polygon: LonLat[] = [];
  for (let lon = -180; lon <= 180; lon += stepDeg) polygon.push({ lon, lat: terminatorLatitude(lon, subsolar) });
  const darkPole = subsolar.lat >= 0 ? -90 : 90;
  polygon.push({ lon: 180, lat: darkPole }, { lon: -180, lat: darkPole });
  return polygon;
}
