/**
 * The time grids and tolerances of a screening, chosen once from the whole catalogue so
 * that every thread samples the same instants and the slices it screens join exactly.
 *
 * Two grids: SGP4 runs every `propagationStepS` (a node), and positions in between come
 * from cubic Hermite interpolation of the node states (positions and velocities), whose
 * error is about r·ω⁴·h⁴/384 for an orbit of radius r turning at ω rad/s: ~6 m at 240 s in
 * LEO, a few hundred metres at the perigee of the most eccentric catalogue orbits (each
 * object's own bound widens its tests, see pointTolerance). The sieve looks at every object
 * each `sieveStepS`: every instant lies within half a sieve step of a sample, so a pair that
 * comes within the threshold at time t is, at the sample nearest t, within threshold +
 * (relative speed)·step/2 (+ the bend of the paths and the interpolation error), and the
 * straight-line extrapolation from that sample finds it. The step trades the per-object
 * cost of each sample (interpolating, hashing, looking up 14 cells) against the pairs to
 * test, which grow with the cube of the cell edge (the fastest speed × the step, ~330 km at
 * 30 s); on the August 2022 catalogue 30-40 s costs least (10 s costs twice as much).
 */
import type { ScreenedObject } from './objects.ts';

export interface ScreeningOptions {
  fromMs: number;
  toMs: number;
  thresholdKm: number;
  /** Seconds between SGP4 evaluations of every object (default 240). */
  propagationStepS?: number;
  /** Seconds between sieve samples (default 30); must divide the propagation step. */
  sieveStepS?: number;
}

export interface ScreeningPlan {
  fromMs: number;
  toMs: number;
  thresholdKm: number;
  propagationStepMs: number;
  sieveStepMs: number;
  /** Sieve samples per propagation step. */
  samplesPerNode: number;
  /** Index of the last sieve sample; samples run from 0 to lastSample, the last at or after toMs. */
  lastSample: number;
  /** Nodes run from 0 to lastNode. */
  lastNode: number;
  /** Grid cell edge: the largest distance, at a sample, of a pair that can come within the threshold within half a step of it. */
  cellKm: number;
}

export const DEFAULT_PROPAGATION_STEP_S = 240;
export const DEFAULT_SIEVE_STEP_S = 30;

/** Extra room on top of the computed error bounds. */
const SAFETY = 2;
/** SGP4's short-period terms move an orbit's radius by ~10 km about its mean; drag adds decayKm. */
export const RADIAL_MARGIN_KM = 30;

export function makePlan(options: ScreeningOptions, objects: readonly ScreenedObject[]): ScreeningPlan {
  const { fromMs, toMs, thresholdKm } = options;
  const propagationStepS = options.propagationStepS ?? DEFAULT_PROPAGATION_STEP_S;
  const sieveStepS = options.sieveStepS ?? DEFAULT_SIEVE_STEP_S;
  if (!(toMs > fromMs)) throw new RangeError('the window must end after it starts');
  if (!(thresholdKm > 0)) throw new RangeError('the threshold must be greater than 0 km');
  const samplesPerNode = Math.round(propagationStepS / sieveStepS);
  if (!(sieveStepS > 0) || samplesPerNode < 1 || Math.abs(samplesPerNode * sieveStepS - propagationStepS) > 1e-9) {
    throw new RangeError('the sieve step must divide the propagation step');
  }
  const sieveStepMs = sieveStepS * 1000;
  const lastSample = Math.ceil((toMs - fromMs) / sieveStepMs);
  const lastNode = Math.ceil(lastSample / samplesPerNode);
  let fastest = 0;
  let tolerance = 0;
  for (const o of objects) {
    fastest = Math.max(fastest, o.perigeeSpeedKmS);
    tolerance = Math.max(tolerance, pointTolerance(o, propagationStepS, sieveStepS));
  }
  const cellKm = thresholdKm + 2 * tolerance + fastest * sieveStepS;
  return {
    fromMs,
    toMs,
    thresholdKm,
    propagationStepMs: propagationStepS * 1000,
    sieveStepMs,
    samplesPerNode,
    lastSample,
    lastNode,
    cellKm,
  };
}

/**
 * How far the straight-line extrapolation of an object's interpolated state may stray
 * from its true path within half a sieve step: the interpolation error plus the bend of
 * the path under gravity (a·t²/2), both at perigee, where they are largest.
 */
export function pointTolerance(o: ScreenedObject, propagationStepS: number, sieveStepS: number): number {
  const turnRate = o.perigeeSpeedKmS / o.perigeeKm;
  const interpolation = (o.perigeeKm * turnRate ** 4 * propagationStepS ** 4) / 384;
  const bend = 0.5 * o.perigeeAccelerationKmS2 * (sieveStepS / 2) ** 2;
  return SAFETY * (interpolation + bend);
}

/** Radial reach of an object about its mean perigee and apogee over the window. */
export function radialMargin(o: ScreenedObject): number {
  return RADIAL_MARGIN_KM + o.decayKm;
}

export interface Slice {
  /** Nodes [fromNode, toNode); the slice screens samples fromNode·samplesPerNode up to (not including) toNode·samplesPerNode, and the last sample if it holds it. */
  fromNode: number;
  toNode: number;
}

/** Cuts the window into `count` slices of whole propagation steps (fewer if the window is short). */
export function sliceWindow(plan: ScreeningPlan, count: number): Slice[] {
  const n = Math.max(1, Math.min(count, plan.lastNode));
  const slices: Slice[] = [];
  for (let s = 0; s < n; s++) {
    slices.push({ fromNode: Math.floor((s * plan.lastNode) / n), toNode: Math.floor(((s + 1) * plan.lastNode) / n) });
  }
  return slices;
}
