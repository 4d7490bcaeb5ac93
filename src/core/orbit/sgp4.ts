/**
 * SGP4/SDP4 propagation of two-line element sets, over satellite.js (a port of
 * Vallado's reference code). Positions and velocities are in TEME, the frame SGP4
 * works in; geodetic coordinates come from rotating by Greenwich mean sidereal time.
 */
import { eciToGeodetic, gstime, sgp4, twoline2satrec, type SatRec } from 'satellite.js';
import { TleError, validateTle } from './tle.ts';

export type Vector3 = [number, number, number];

export interface StateVector {
  time: Date;
  positionKm: Vector3;
  velocityKmS: Vector3;
  latitudeDeg: number;
  longitudeDeg: number;
  /** Above the WGS-84 ellipsoid. */
  altitudeKm: number;
}

const ERROR_TEXT: Record<number, string> = {
  1: 'mean eccentricity is outside [0, 1)',
  2: 'mean motion has fallen below zero',
  3: 'perturbed eccentricity is outside [0, 1)',
  4: 'semi-latus rectum has fallen below zero',
  5: 'epoch elements are sub-orbital',
  6: 'the satellite has decayed (its computed radius is below the Earth surface)',
};

/** SGP4 could not produce a state; `code` is the error code of the reference implementation (1-6). */
export class Sgp4Error extends Error {
  readonly code: number;
  readonly satnum: string;
  readonly minutesSinceEpoch: number;
  constructor(code: number, satnum: string, minutesSinceEpoch: number) {
    super(`SGP4 error ${code} for satellite ${satnum.trim()} at ${minutesSinceEpoch} min from epoch: ${ERROR_TEXT[code] ?? 'unknown error'}`);
    this.name = 'Sgp4Error';
    this.code = code;
    this.satnum = satnum.trim();
    this.minutesSinceEpoch = minutesSinceEpoch;
  }
}

/**
 * Initialises SGP4 for the lines. Checksums are not required (SGP4 never reads them;
 * store-side validation is the place to insist on them), the format is. Throws TleError
 * for malformed lines and Sgp4Error when the elements fail at epoch.
 */
function initialise(line1: string, line2: string): SatRec {
  const problems = validateTle(line1, line2, { checksums: false });
  if (problems.length) throw new TleError(problems);
  const satrec = twoline2satrec(line1.trimEnd(), line2.trimEnd());
  if (satrec.error) throw new Sgp4Error(satrec.error, satrec.satnum, 0);
  return satrec;
}

function run(satrec: SatRec, minutes: number): { positionKm: Vector3; velocityKmS: Vector3 } {
  const result = sgp4(satrec, minutes);
  if (!result) throw new Sgp4Error(satrec.error || 6, satrec.satnum, minutes);
  const { position: p, velocity: v } = result;
  return { positionKm: [p.x, p.y, p.z], velocityKmS: [v.x, v.y, v.z] };
}

/** Epoch in epoch-milliseconds, from the year and day fields rather than the Julian date, which would cost ~40 µs of precision. */
function epochMs(satrec: SatRec): number {
  const year = satrec.epochyr < 57 ? 2000 + satrec.epochyr : 1900 + satrec.epochyr;
  return Date.UTC(year, 0, 1) + (satrec.epochdays - 1) * 86_400_000;
}

const DEG = 180 / Math.PI;

/** A function giving the state at any time; each call throws Sgp4Error if SGP4 fails there. */
export function createPropagator(line1: string, line2: string): (time: Date) => StateVector {
  const satrec = initialise(line1, line2);
  const epoch = epochMs(satrec);
  return (time: Date): StateVector => {
    const { positionKm, velocityKmS } = run(satrec, (time.getTime() - epoch) / 60_000);
    const geodetic = eciToGeodetic({ x: positionKm[0], y: positionKm[1], z: positionKm[2] }, gstime(time));
    return {
      time,
      positionKm,
      velocityKmS,
      latitudeDeg: geodetic.latitude * DEG,
      longitudeDeg: geodetic.longitude * DEG,
      altitudeKm: geodetic.height,
    };
  };
}

/** TEME state at minutes from the element set's epoch, as the reference test data is tabulated. */
export function propagateMinutes(line1: string, line2: string, minutesSinceEpoch: number): { positionKm: Vector3; velocityKmS: Vector3 } {
  return run(initialise(line1, line2), minutesSinceEpoch);
}
