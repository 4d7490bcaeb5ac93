/**
 * Time and Earth-frame helpers SGP4 needs: the Julian date of an element set's epoch as
 * the reference code forms it, Greenwich mean sidereal time (IAU 1982, the rotation
 * between TEME and the Earth-fixed frame), and WGS-84 geodetic coordinates.
 */
import { DEG, TWO_PI } from './constants.ts';

/** Julian date from calendar fields, valid 1900-2100 (Vallado's jday). */
function julianDate(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return (
    367 * year -
    Math.floor(7 * (year + Math.floor((month + 9) / 12)) * 0.25) +
    Math.floor((275 * month) / 9) +
    day +
    1721013.5 +
    ((second / 60 + minute) / 60 + hour) / 24
  );
}

/**
 * Julian date of a TLE epoch given as a full year and fractional day of the year. It goes
 * through month, day, hours, minutes and seconds as the reference does, because the
 * deep-space terms depend on the exact double this produces.
 */
export function epochJulianDate(year: number, dayOfYear: number): number {
  const months = [31, year % 4 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const whole = Math.floor(dayOfYear);
  let month = 1;
  let before = 0;
  while (whole > before + months[month - 1] && month < 12) {
    before += months[month - 1];
    month++;
  }
  let rest = (dayOfYear - whole) * 24;
  const hour = Math.floor(rest);
  rest = (rest - hour) * 60;
  const minute = Math.floor(rest);
  const second = (rest - minute) * 60;
  return julianDate(year, month, whole - before, hour, minute, second);
}

/** Greenwich mean sidereal time in radians [0, 2pi) at a UT1 Julian date (IAU 1982). */
export function gmst(julianDateUt1: number): number {
  return gmstOfCenturies((julianDateUt1 - 2451545) / 36525);
}

const J2000_MS = Date.UTC(2000, 0, 1, 12);
const MS_PER_CENTURY = 86_400_000 * 36525;

/**
 * GMST at an instant, taking UTC for UT1 (they differ by under a second). From the
 * milliseconds directly: a Julian date near 2.46e6 carries only ~40 µs.
 */
export function gmstAt(timeMs: number): number {
  return gmstOfCenturies((timeMs - J2000_MS) / MS_PER_CENTURY);
}

function gmstOfCenturies(tut1: number): number {
  const seconds = -6.2e-6 * tut1 * tut1 * tut1 + 0.093104 * tut1 * tut1 + (876600 * 3600 + 8640184.812866) * tut1 + 67310.54841;
  const angle = ((seconds * DEG) / 240) % TWO_PI;
  return angle < 0 ? angle + TWO_PI : angle;
}

const WGS84_A = 6378.137;
const WGS84_F = 1 / 298.257223563;
const WGS84_E2 = WGS84_F * (2 - WGS84_F);

export interface Geodetic {
  /** Radians, geodetic. */
  latitude: number;
  /** Radians in [-pi, pi]. */
  longitude: number;
  /** Km above the WGS-84 ellipsoid. */
  altitude: number;
}

/**
 * WGS-84 geodetic coordinates of a TEME position (km) at sidereal angle gmstRad: rotate
 * about the pole, then iterate the latitude (a few steps reach micrometres for orbits).
 */
export function temeToGeodetic(x: number, y: number, z: number, gmstRad: number): Geodetic {
  let longitude = Math.atan2(y, x) - gmstRad;
  while (longitude < -Math.PI) longitude += TWO_PI;
  while (longitude > Math.PI) longitude -= TWO_PI;
  const r = Math.hypot(x, y);
  let latitude = Math.atan2(z, r);
  let c = 1;
  for (let k = 0; k < 20; k++) {
    const previous = latitude;
    const sin = Math.sin(latitude);
    c = 1 / Math.sqrt(1 - WGS84_E2 * sin * sin);
    latitude = Math.atan2(z + WGS84_A * c * WGS84_E2 * sin, r);
    if (Math.abs(latitude - previous) < 1e-12) break;
  }
  // Divide by the larger of cos and sin: r / cos(latitude) loses all precision near the poles.
  const altitude = Math.abs(latitude) < Math.PI / 4 ? r / Math.cos(latitude) - WGS84_A * c : z / Math.sin(latitude) - WGS84_A * c * (1 - WGS84_E2);
  return { latitude, longitude, altitude };
}
