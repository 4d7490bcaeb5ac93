/**
 * Where the Sun is and how much of it a spacecraft sees. Low precision on purpose:
 * the Astronomical Almanac's solar coordinates (about 0.01° from 1950 to 2050) are
 * far finer than the ~0.27° the solar disk subtends, which is what shadow edges
 * depend on. The result is in the mean equator and equinox of date; TEME differs
 * from it by nutation in right ascension (arcseconds), so it serves for TEME too.
 */

export type Vector3 = [number, number, number];

export const AU_KM = 149_597_870.7;
export const SUN_RADIUS_KM = 696_000;
export const EARTH_RADIUS_KM = 6378.137;

const DEG = Math.PI / 180;
const J2000_MS = Date.UTC(2000, 0, 1, 12);

const dot = (a: Vector3, b: Vector3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: Vector3): number => Math.sqrt(dot(a, a));
const cross = (a: Vector3, b: Vector3): Vector3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** Geocentric position of the Sun in km (equatorial, equinox of date). */
export function sunPositionKm(time: Date): Vector3 {
  // Days from J2000 in UTC; the ~70 s TT-UTC offset moves the Sun by 0.001°.
  const n = (time.getTime() - J2000_MS) / 86_400_000;
  const meanLongitude = (280.46 + 0.9856474 * n) * DEG;
  const meanAnomaly = (357.528 + 0.9856003 * n) * DEG;
  const eclipticLongitude = meanLongitude + (1.915 * Math.sin(meanAnomaly) + 0.02 * Math.sin(2 * meanAnomaly)) * DEG;
  const obliquity = (23.439 - 0.0000004 * n) * DEG;
  const distanceKm = (1.00014 - 0.01671 * Math.cos(meanAnomaly) - 0.00014 * Math.cos(2 * meanAnomaly)) * AU_KM;
  return [
    distanceKm * Math.cos(eclipticLongitude),
    distanceKm * Math.cos(obliquity) * Math.sin(eclipticLongitude),
    distanceKm * Math.sin(obliquity) * Math.sin(eclipticLongitude),
  ];
}

/** Declination of a geocentric direction, degrees. */
export function declinationDeg(vector: Vector3): number {
  return Math.asin(vector[2] / norm(vector)) / DEG;
}

/**
 * Fraction of the solar disk visible from `positionKm` (geocentric, same frame as
 * `sunKm`): 0 in umbra, 1 in full sun, in between in penumbra. Both bodies are taken
 * as disks seen from the spacecraft (a conical shadow model), so the penumbra has the
 * right width rather than the knife edge of a cylindrical shadow.
 */
export function illumination(positionKm: Vector3, sunKm: Vector3): number {
  const r = norm(positionKm);
  if (r <= EARTH_RADIUS_KM) return 0;
  const toSun: Vector3 = [sunKm[0] - positionKm[0], sunKm[1] - positionKm[1], sunKm[2] - positionKm[2]];
  const d = norm(toSun);
  const a = Math.asin(Math.min(1, SUN_RADIUS_KM / d)); // apparent radius of the Sun
  const b = Math.asin(EARTH_RADIUS_KM / r); // apparent radius of the Earth
  const cosC = -dot(positionKm, toSun) / (r * d);
  const c = Math.acos(Math.max(-1, Math.min(1, cosC))); // angle between their centres
  if (c >= a + b) return 1;
  if (c <= b - a) return 0;
  if (c <= a - b) return 1 - (b * b) / (a * a); // Earth's disk wholly inside the Sun's
  // Area of the lens where the two disks overlap (small angles: plane geometry holds).
  const x = (c * c + a * a - b * b) / (2 * c);
  const y = Math.sqrt(Math.max(0, a * a - x * x));
  const overlap = a * a * Math.acos(Math.max(-1, Math.min(1, x / a))) + b * b * Math.acos(Math.max(-1, Math.min(1, (c - x) / b))) - c * y;
  return Math.max(0, Math.min(1, 1 - overlap / (Math.PI * a * a)));
}

/**
 * Beta angle: elevation of the Sun above the orbit plane, degrees, positive on the
 * side the angular momentum points to. It sets how long eclipses last and how
 * obliquely sunlight meets arrays that rotate about the orbit normal.
 */
export function betaAngleDeg(positionKm: Vector3, velocityKmS: Vector3, sunKm: Vector3): number {
  const h = cross(positionKm, velocityKmS);
  const s = Math.max(-1, Math.min(1, dot(h, sunKm) / (norm(h) * norm(sunKm))));
  return Math.asin(s) / DEG;
}
