/**
 * The catalogue as the screening sees it: the element sets initialised once into one
 * batch of Orbit's SGP4 engine (structure of arrays), with the orbit figures the filters
 * need (perigee and apogee radii, the fastest speed and turn rate reached). Sets that
 * cannot be initialised are reported, not fatal.
 */
import { meanElementsOfTle, Sgp4Batch } from '../sgp4.ts';
import { XKE } from '../sgp4/constants.ts';
import * as Layout from '../sgp4/layout.ts';
import { parseTle, TleError } from '../tle.ts';

/** WGS-72, the constants SGP4's element sets are fitted with. */
export const EARTH_RADIUS_KM = 6378.135;
export const MU_KM3_S2 = 398600.8;

export interface ElementSet {
  name?: string;
  line1: string;
  line2: string;
}

export interface ObjectId {
  satnum: number;
  name?: string;
}

export interface ScreenedObject extends ObjectId {
  /** The batch holding this object's SGP4 coefficients (shared by all the objects of a screening), and its place there. */
  batch: Sgp4Batch;
  index: number;
  /** Mean perigee and apogee radii (km from the Earth's centre). */
  perigeeKm: number;
  apogeeKm: number;
  /** Speed at perigee, the fastest the object goes (km/s). */
  perigeeSpeedKmS: number;
  /** Gravity at perigee, the largest acceleration it feels (km/s²). */
  perigeeAccelerationKmS2: number;
  /** Decay of the mean semi-major axis it may show over the window, from the TLE's mean motion rate (km). */
  decayKm: number;
}

export interface PropagationFailure extends ObjectId {
  /** When SGP4 first failed; undefined when the element set could not be initialised. */
  at?: Date;
  reason: string;
}

/** The NORAD number written in columns 3-7 when the set is too broken to parse. */
function looseSatnum(line1: string): number {
  const n = Number(line1.slice(2, 7).trim());
  return Number.isInteger(n) ? n : -1;
}

const SGP4_ERRORS: Record<number, string> = {
  1: 'mean eccentricity is outside [0, 1)',
  2: 'mean motion has fallen below zero',
  3: 'perturbed eccentricity is outside [0, 1)',
  4: 'semi-latus rectum has fallen below zero',
  5: 'epoch elements are sub-orbital',
  6: 'the satellite has decayed',
};

export function sgp4ErrorText(code: number): string {
  return `SGP4 error ${code}: ${SGP4_ERRORS[code] ?? 'unknown error'}`;
}

/**
 * Initialises every set for the window [fromMs, toMs]. The order of `objects` is the
 * order of the sets that initialised, so every thread that prepares the same list
 * numbers the objects the same way.
 */
export function prepareObjects(sets: readonly ElementSet[], fromMs: number, toMs: number): { objects: ScreenedObject[]; failures: PropagationFailure[] } {
  const failures: PropagationFailure[] = [];
  const parsed: { id: ObjectId; halfMeanMotionRate: number; set: ElementSet }[] = [];
  for (const set of sets) {
    const name = set.name?.trim() || undefined;
    try {
      const elements = parseTle(set.line1, set.line2, { checksums: false });
      parsed.push({ id: { satnum: elements.satnum, ...(name ? { name } : {}) }, halfMeanMotionRate: elements.meanMotionDot ?? 0, set });
    } catch (error) {
      const reason = error instanceof TleError ? error.message : String(error);
      failures.push({ satnum: looseSatnum(set.line1), ...(name ? { name } : {}), reason });
    }
  }
  const batch = new Sgp4Batch(parsed.map((p) => meanElementsOfTle(p.set.line1, p.set.line2)));
  const n = batch.count;
  const objects: ScreenedObject[] = [];
  parsed.forEach((p, index) => {
    const code = batch.epochError(index);
    if (code) {
      failures.push({ ...p.id, reason: sgp4ErrorText(code) });
      return;
    }
    // SGP4's own mean motion (rad/min, recovered from the TLE's Kozai value) and eccentricity.
    const meanMotion = batch.data[Layout.NO * n + index];
    const e = batch.data[Layout.ECCO * n + index];
    const a = (XKE / meanMotion) ** (2 / 3) * EARTH_RADIUS_KM;
    const perigeeKm = a * (1 - e);
    const apogeeKm = a * (1 + e);
    const epoch = batch.epochMs(index);
    // The TLE's first-derivative field is half the rate of mean motion (rev/day²); over the
    // time from epoch to the far end of the window the mean motion changes by twice it
    // times the days, and the semi-major axis by (2/3)·a·Δn/n.
    const days = Math.max(Math.abs(fromMs - epoch), Math.abs(toMs - epoch)) / 86_400_000;
    const revPerDay = (meanMotion * 1440) / (2 * Math.PI);
    const decayKm = ((2 / 3) * a * Math.abs(2 * p.halfMeanMotionRate * days)) / revPerDay;
    objects.push({
      ...p.id,
      batch,
      index,
      perigeeKm,
      apogeeKm,
      perigeeSpeedKmS: Math.sqrt((MU_KM3_S2 * (1 + e)) / perigeeKm),
      perigeeAccelerationKmS2: MU_KM3_S2 / (perigeeKm * perigeeKm),
      decayKm: Number.isFinite(decayKm) ? decayKm : 0,
    });
  });
  return { objects, failures };
}

const code = new Uint8Array(1);

/**
 * TEME position (km) and velocity (km/s) of the object at epoch-milliseconds `ms`,
 * written at `out[offset..offset+5]`; returns the SGP4 error code, 0 on success.
 */
export function stateAt(object: ScreenedObject, ms: number, out: Float64Array, offset: number): number {
  object.batch.propagateTimes(object.index, ms, 0, 1, out, code, offset, 0);
  return code[0];
}
