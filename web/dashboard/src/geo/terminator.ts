/** Day and night on the map: the subsolar point and the night side's outline. */
import { gstime } from 'satellite.js';
import { declinationDeg, sunPositionKm } from '../../../../src/core/orbit/sun.ts';
import { wrapLongitude, type LonLat } from './projection.ts';

const DEG = Math.PI / 180;

/** Where the Sun is overhead at `time`. */
export function subsolarPoint(time: Date): LonLat {
  const sun = sunPositionKm(time);
  const rightAscensionDeg = Math.atan2(sun[1], sun[0]) / DEG;
  // The Earth turns under the Sun: longitude = right ascension less Greenwich sidereal time.
  return { lat: declinationDeg(sun), lon: wrapLongitude(rightAscensionDeg - gstime(time) / DEG) };
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
