/**
 * SGP4/SDP4 propagation of one two-line element set at a time, over Orbit's engine
 * (./sgp4/, Vallado's 2006 revision; its Sgp4Batch propagates many satellites and times
 * at once). Positions and velocities are in TEME, the frame SGP4 works in; geodetic
 * coordinates come from rotating by Greenwich mean sidereal time.
 */
import { Sgp4Batch, STATE_WIDTH } from './sgp4/batch.ts';
import { gmstAt, temeToGeodetic } from './sgp4/earth.ts';

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
function initialise(line1: string, line2: string): { batch: Sgp4Batch; satnum: string } {
  const batch = Sgp4Batch.fromTle([[line1.trimEnd(), line2.trimEnd()]]);
  const satnum = line1.slice(2, 7);
  const code = batch.epochError(0);
  if (code) throw new Sgp4Error(code, satnum, 0);
  return { batch, satnum };
}

/** A one-satellite run: the state at minutes from epoch, or Sgp4Error with the reference's code. */
function runner(line1: string, line2: string): { epochMs: number; run: (minutes: number) => { positionKm: Vector3; velocityKmS: Vector3 } } {
  const { batch, satnum } = initialise(line1, line2);
  const state = new Float64Array(STATE_WIDTH);
  const code = new Uint8Array(1);
  return {
    epochMs: batch.epochMs(0),
    run: (minutes) => {
      batch.propagateMinutes(0, minutes, 0, 1, state, code);
      if (code[0]) throw new Sgp4Error(code[0], satnum, minutes);
      return { positionKm: [state[0], state[1], state[2]], velocityKmS: [state[3], state[4], state[5]] };
    },
  };
}

const DEG = 180 / Math.PI;

/** A function giving the state at any time; each call throws Sgp4Error if SGP4 fails there. */
export function createPropagator(line1: string, line2: string): (time: Date) => StateVector {
  const { epochMs, run } = runner(line1, line2);
  return (time: Date): StateVector => {
    const { positionKm, velocityKmS } = run((time.getTime() - epochMs) / 60_000);
    const geodetic = temeToGeodetic(positionKm[0], positionKm[1], positionKm[2], gmstAt(time.getTime()));
    return {
      time,
      positionKm,
      velocityKmS,
      latitudeDeg: geodetic.latitude * DEG,
      longitudeDeg: geodetic.longitude * DEG,
      altitudeKm: geodetic.altitude,
    };
  };
}

/** TEME state at minutes from the element set's epoch, as the reference test data is tabulated. */
export function propagateMinutes(line1: string, line2: string, minutesSinceEpoch: number): { positionKm: Vector3; velocityKmS: Vector3 } {
  return runner(line1, line2).run(minutesSinceEpoch);
}

export { gmst, gmstAt, temeToGeodetic } from './sgp4/earth.ts';
export { meanElementsOfTle, Sgp4Batch, STATE_WIDTH } from './sgp4/batch.ts';
