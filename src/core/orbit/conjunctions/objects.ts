/**
 * The catalogue as the screening sees it: each element set initialised once for SGP4,
 * with the orbit figures the filters need (perigee and apogee radii, the fastest speed
 * and turn rate it reaches). Sets that cannot be initialised are reported, not fatal.
 */
import { sgp4, twoline2satrec, type SatRec } from 'satellite.js';
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
  satrec: SatRec;
  /** Epoch in epoch-milliseconds, from the year and day fields (as sgp4.ts does). */
  epochMs: number;
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

function epochMs(satrec: SatRec): number {
  const year = satrec.epochyr < 57 ? 2000 + satrec.epochyr : 1900 + satrec.epochyr;
  return Date.UTC(year, 0, 1) + (satrec.epochdays - 1) * 86_400_000;
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
  const objects: ScreenedObject[] = [];
  const failures: PropagationFailure[] = [];
  for (const set of sets) {
    const name = set.name?.trim() || undefined;
    let satnum: number;
    try {
      satnum = parseTle(set.line1, set.line2, { checksums: false }).satnum;
    } catch (error) {
      const reason = error instanceof TleError ? error.message : String(error);
      failures.push({ satnum: looseSatnum(set.line1), ...(name ? { name } : {}), reason });
      continue;
    }
    const satrec = twoline2satrec(set.line1.trimEnd(), set.line2.trimEnd());
    const id = { satnum, ...(name ? { name } : {}) };
    // satellite.js flags some failures only on the first propagation.
    if (satrec.error || !sgp4(satrec, 0)) {
      failures.push({ ...id, reason: sgp4ErrorText(satrec.error || 6) });
      continue;
    }
    const a = satrec.a * EARTH_RADIUS_KM;
    const e = satrec.ecco;
    const perigeeKm = a * (1 - e);
    const apogeeKm = a * (1 + e);
    const epoch = epochMs(satrec);
    // satrec.ndot is the TLE's half-rate of mean motion in rad/min²; over the time from
    // epoch to the far end of the window the mean motion changes by 2·ndot·t and the
    // semi-major axis by (2/3)·a·Δn/n.
    const minutes = Math.max(Math.abs(fromMs - epoch), Math.abs(toMs - epoch)) / 60_000;
    const decayKm = ((2 / 3) * a * Math.abs(2 * satrec.ndot * minutes)) / satrec.no;
    objects.push({
      ...id,
      satrec,
      epochMs: epoch,
      perigeeKm,
      apogeeKm,
      perigeeSpeedKmS: Math.sqrt((MU_KM3_S2 * (1 + e)) / perigeeKm),
      perigeeAccelerationKmS2: MU_KM3_S2 / (perigeeKm * perigeeKm),
      decayKm: Number.isFinite(decayKm) ? decayKm : 0,
    });
  }
  return { objects, failures };
}

/**
 * TEME position (km) and velocity (km/s) of the object at epoch-milliseconds `ms`,
 * written at `out[offset..offset+5]`; returns the SGP4 error code, 0 on success.
 */
export function stateAt(object: ScreenedObject, ms: number, out: Float64Array, offset: number): number {
  const result = sgp4(object.satrec, (ms - object.epochMs) / 60_000);
  if (!result) return object.satrec.error || 6;
  const { position: p, velocity: v } = result;
  out[offset] = p.x;
  out[offset + 1] = p.y;
  out[offset + 2] = p.z;
  out[offset + 3] = v.x;
  out[offset + 4] = v.y;
  out[offset + 5] = v.z;
  return 0;
}
