/**
 * Where a spacecraft appears from a place on the ground: azimuth (degrees from north,
 * clockwise), elevation above the local horizontal, range, and how fast elevation changes.
 *
 * Frames: SGP4 answers in TEME. Rotating TEME about its z axis by Greenwich mean sidereal
 * time (IAU 1982, the angle SGP4's theory is built on) gives the pseudo Earth-fixed frame
 * (PEF); the station is placed in it from its WGS-84 geodetic coordinates, and the line of
 * sight is resolved into east, north and up along the ellipsoid normal.
 *
 * What is neglected, and why pass times stay within 1 s:
 * - Polar motion (PEF to ITRF, at most ~0.5", about 15 m at the Earth's surface): a LEO
 *   spacecraft crosses 15 m of sky in ~2 ms.
 * - UT1 - UTC (under 0.9 s by definition): the Earth turns by at most 13.5", moving the
 *   station by under 420 m, about 0.06 s of a LEO spacecraft's track and less for higher ones.
 * - TEME's own approximations (nutation in its equinox): these are part of SGP4's
 *   theory, whose errors (~1 km at epoch, growing by a few km a day) dwarf all of the above;
 *   the 1 s promise is about solving SGP4's geometry, not about SGP4 predicting the sky.
 * - Refraction: elevation is geometric. Refraction lifts a spacecraft at the horizon by
 *   ~0.5°, so an optical or radio AOS comes earlier than the geometric one; a mask of a few
 *   degrees covers it, as operators set one anyway.
 */
import type { Vector3 } from './sgp4.ts';

const DEG = Math.PI / 180;
const TWO_PI = 2 * Math.PI;
const J2000_MS = Date.UTC(2000, 0, 1, 12);

/** WGS-84. */
const EQUATORIAL_RADIUS_KM = 6378.137;
const FLATTENING = 1 / 298.257223563;
const ECCENTRICITY_SQUARED = FLATTENING * (2 - FLATTENING);
/** The Earth's rotation rate, rad/s (the value SGP4's companion code uses for PEF velocities). */
const EARTH_ROTATION_RAD_S = 7.292115146706979e-5;

export interface GeodeticPosition {
  latitudeDeg: number;
  longitudeDeg: number;
  /** Above the WGS-84 ellipsoid. */
  altitudeM: number;
}

/** A ground station placed once: its Earth-fixed position and local east, north and up axes. */
export interface Observer {
  positionKm: Vector3;
  east: Vector3;
  north: Vector3;
  up: Vector3;
}

export interface LookAngles {
  azimuthDeg: number;
  elevationDeg: number;
  rangeKm: number;
  /** Rate of change of elevation, degrees per second. */
  elevationRateDegS: number;
}

/** Greenwich mean sidereal time, radians in [0, 2π), IAU 1982 with UT1 taken as UTC. */
export function gmstRad(timeMs: number): number {
  // Centuries from J2000, kept from the epoch difference so milliseconds survive.
  const t = (timeMs - J2000_MS) / 86_400_000 / 36_525;
  const seconds = 67_310.54841 + (876_600 * 3600 + 8_640_184.812866) * t + 0.093104 * t * t - 6.2e-6 * t * t * t;
  const angle = ((seconds % 86_400) / 86_400) * TWO_PI;
  return angle < 0 ? angle + TWO_PI : angle;
}

/** A geodetic position on WGS-84 as Earth-fixed coordinates, km. */
export function geodeticToEarthFixed({ latitudeDeg, longitudeDeg, altitudeM }: GeodeticPosition): Vector3 {
  const lat = latitudeDeg * DEG;
  const lon = longitudeDeg * DEG;
  const h = altitudeM / 1000;
  const primeVertical = EQUATORIAL_RADIUS_KM / Math.sqrt(1 - ECCENTRICITY_SQUARED * Math.sin(lat) ** 2);
  return [
    (primeVertical + h) * Math.cos(lat) * Math.cos(lon),
    (primeVertical + h) * Math.cos(lat) * Math.sin(lon),
    (primeVertical * (1 - ECCENTRICITY_SQUARED) + h) * Math.sin(lat),
  ];
}

export function observerAt(site: GeodeticPosition): Observer {
  const lat = site.latitudeDeg * DEG;
  const lon = site.longitudeDeg * DEG;
  const [sinLat, cosLat, sinLon, cosLon] = [Math.sin(lat), Math.cos(lat), Math.sin(lon), Math.cos(lon)];
  return {
    positionKm: geodeticToEarthFixed(site),
    east: [-sinLon, cosLon, 0],
    north: [-sinLat * cosLon, -sinLat * sinLon, cosLat],
    up: [cosLat * cosLon, cosLat * sinLon, sinLat],
  };
}

/** A TEME state as Earth-fixed (PEF) position and velocity: rotated by GMST, less the Earth's turning. */
export function temeToEarthFixed(timeMs: number, positionKm: Vector3, velocityKmS: Vector3): { positionKm: Vector3; velocityKmS: Vector3 } {
  const g = gmstRad(timeMs);
  const [c, s] = [Math.cos(g), Math.sin(g)];
  const r: Vector3 = [c * positionKm[0] + s * positionKm[1], -s * positionKm[0] + c * positionKm[1], positionKm[2]];
  const v: Vector3 = [
    c * velocityKmS[0] + s * velocityKmS[1] + EARTH_ROTATION_RAD_S * r[1],
    -s * velocityKmS[0] + c * velocityKmS[1] - EARTH_ROTATION_RAD_S * r[0],
    velocityKmS[2],
  ];
  return { positionKm: r, velocityKmS: v };
}

const dot = (a: Vector3, b: Vector3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** Look angles of an Earth-fixed state from the observer. */
export function lookAngles(observer: Observer, positionKm: Vector3, velocityKmS: Vector3): LookAngles {
  const rho: Vector3 = [positionKm[0] - observer.positionKm[0], positionKm[1] - observer.positionKm[1], positionKm[2] - observer.positionKm[2]];
  const range = Math.sqrt(dot(rho, rho));
  const [e, n, u] = [dot(rho, observer.east), dot(rho, observer.north), dot(rho, observer.up)];
  const sinEl = u / range;
  const elevation = Math.asin(Math.max(-1, Math.min(1, sinEl)));
  let azimuth = Math.atan2(e, n) / DEG;
  if (azimuth < 0) azimuth += 360;
  // d(sin el)/dt = (up·ρ̇)/|ρ| - (up·ρ)(ρ·ρ̇)/|ρ|³; divided by cos el for the angle's own rate.
  const dSinEl = dot(velocityKmS, observer.up) / range - (u * dot(rho, velocityKmS)) / range ** 3;
  const cosEl = Math.cos(elevation);
  return {
    azimuthDeg: azimuth,
    elevationDeg: elevation / DEG,
    rangeKm: range,
    // At the zenith the rate is undefined; its sign (that of d(sin el)/dt) is what pass search needs.
    elevationRateDegS: (cosEl > 1e-9 ? dSinEl / cosEl : Math.sign(dSinEl) * 1e9) / DEG,
  };
}

/** Look angles of a TEME state (as createPropagator gives it) at `timeMs` from the observer. */
export function lookAnglesFromTeme(observer: Observer, timeMs: number, positionKm: Vector3, velocityKmS: Vector3): LookAngles {
  const fixed = temeToEarthFixed(timeMs, positionKm, velocityKmS);
  return lookAngles(observer, fixed.positionKm, fixed.velocityKmS);
}
