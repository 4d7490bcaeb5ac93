/**
 * One slice of a screening, on the calling thread: SGP4 at every node, Hermite
 * interpolation to every sieve sample, a uniform 3-D grid hashed into a table to find
 * the pairs near each other at each sample, the apogee/perigee filter and a straight-line
 * closest-approach test on those pairs, then exact refinement of the survivors.
 */
import { radialMargin, pointTolerance, type ScreeningPlan, type Slice } from './plan.ts';
import { closestApproach } from './refine.ts';
import { sgp4ErrorText, stateAt, type ScreenedObject } from './objects.ts';

/** A conjunction between objects[first] and objects[second], first < second. */
export interface RawConjunction {
  first: number;
  second: number;
  tcaMs: number;
  missKm: number;
  relativeSpeedKmS: number;
}

export interface RawFailure {
  object: number;
  atMs: number;
  reason: string;
}

export interface SliceResult {
  conjunctions: RawConjunction[];
  failures: RawFailure[];
  /** Pairs found near each other in the grid, before any filter. */
  nearPairs: number;
  /** Pairs the filters passed on to refinement. */
  candidates: number;
}

// The cell itself, then the 13 neighbour offsets of one half of the 26 around it (the
// other half is their negation), so each pair of neighbouring cells is visited from one side only.
const NEIGHBOURS = new Int32Array(14 * 3);
let neighbourCount = 1;
for (let dx = -1; dx <= 1; dx++) {
  for (let dy = -1; dy <= 1; dy++) {
    for (let dz = -1; dz <= 1; dz++) {
      if (dx > 0 || (dx === 0 && (dy > 0 || (dy === 0 && dz > 0)))) NEIGHBOURS.set([dx, dy, dz], 3 * neighbourCount++);
    }
  }
}
const NEIGHBOUR_COUNT = neighbourCount;

// Cells are folded into a 64 × 64 × 64 table by their coordinates modulo 64 (x the fastest),
// not hashed at random: objects are sorted by bucket, so they are visited in spatial order and
// the buckets of an object's neighbours lie next to those of the object before it, in cache.
// LEO (about 50 cells across) folds onto distinct buckets; farther orbits share buckets with
// it, which costs only distance tests that fail.
const AXIS_BITS = 6;
const AXIS_MASK = (1 << AXIS_BITS) - 1;
const hashCell = (x: number, y: number, z: number): number => (x & AXIS_MASK) | ((y & AXIS_MASK) << AXIS_BITS) | ((z & AXIS_MASK) << (2 * AXIS_BITS));

export function screenSlice(objects: readonly ScreenedObject[], plan: ScreeningPlan, slice: Slice): SliceResult {
  const n = objects.length;
  const { samplesPerNode, thresholdKm, cellKm } = plan;
  const stepS = plan.propagationStepMs / 1000;
  const halfSieveS = plan.sieveStepMs / 2000;
  const nodeMs = (m: number): number => plan.fromMs + m * plan.propagationStepMs;

  const perigee = new Float64Array(n);
  const apogee = new Float64Array(n);
  const tolerance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const margin = radialMargin(objects[i]);
    perigee[i] = objects[i].perigeeKm - margin;
    apogee[i] = objects[i].apogeeKm + margin;
    tolerance[i] = pointTolerance(objects[i], stepS, plan.sieveStepMs / 1000);
  }

  // Node states, six numbers per object, at the start and end of the current step.
  let before = new Float64Array(n * 6);
  let after = new Float64Array(n * 6);
  const alive = new Uint8Array(n).fill(1);
  const failures: RawFailure[] = [];
  const propagate = (m: number, into: Float64Array): void => {
    const ms = nodeMs(m);
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      const code = stateAt(objects[i], ms, into, i * 6);
      if (code) {
        alive[i] = 0;
        failures.push({ object: i, atMs: ms, reason: sgp4ErrorText(code) });
      }
    }
  };

  // Interpolated states at a sample, structure of arrays in bucket order, so that the
  // objects of one cell are read from consecutive memory.
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  const pz = new Float64Array(n);
  const vx = new Float64Array(n);
  const vy = new Float64Array(n);
  const vz = new Float64Array(n);
  const cx = new Int32Array(n);
  const cy = new Int32Array(n);
  const cz = new Int32Array(n);
  const reach = new Float64Array(n);
  const low = new Float64Array(n);
  const high = new Float64Array(n);
  const id = new Int32Array(n);
  const bucket = new Int32Array(n);
  // Per object index: its bucket and slot at this sample.
  const bucketOf = new Int32Array(n);
  const live = new Int32Array(n);
  const ix0 = new Int32Array(n);
  const iy0 = new Int32Array(n);
  const iz0 = new Int32Array(n);
  const state = new Float64Array(n * 6);

  const size = 1 << (3 * AXIS_BITS);
  const bucketStart = new Int32Array(size + 1);
  const rangeStart = new Int32Array(NEIGHBOUR_COUNT);
  const rangeEnd = new Int32Array(NEIGHBOUR_COUNT);
  const inverseCell = 1 / cellKm;
  const reach2 = cellKm * cellKm;

  // Candidates as (first, second, sample) triples, refined once the slice is sieved.
  const candidates: number[] = [];
  let nearPairs = 0;

  const lastSample = plan.lastSample;
  const endSample = slice.toNode === plan.lastNode ? lastSample : Math.min(lastSample, slice.toNode * samplesPerNode - 1);

  propagate(slice.fromNode, before);
  for (let m = slice.fromNode; m < slice.toNode; m++) {
    propagate(m + 1, after);
    const firstSample = m * samplesPerNode;
    const lastInStep = m + 1 === slice.toNode ? endSample : Math.min(endSample, firstSample + samplesPerNode - 1);
    for (let k = firstSample; k <= lastInStep; k++) {
      // Cubic Hermite basis at s in [0, 1] over a step of stepS seconds, and its derivative.
      const s = (k - firstSample) / samplesPerNode;
      const s2 = s * s;
      const s3 = s2 * s;
      const h00 = 2 * s3 - 3 * s2 + 1;
      const h10 = (s3 - 2 * s2 + s) * stepS;
      const h01 = -2 * s3 + 3 * s2;
      const h11 = (s3 - s2) * stepS;
      const d00 = (6 * s2 - 6 * s) / stepS;
      const d10 = 3 * s2 - 4 * s + 1;
      const d01 = (-6 * s2 + 6 * s) / stepS;
      const d11 = 3 * s2 - 2 * s;

      bucketStart.fill(0);
      let liveCount = 0;
      for (let i = 0; i < n; i++) {
        if (!alive[i]) continue;
        const o = i * 6;
        for (let c = 0; c < 3; c++) {
          state[o + c] = h00 * before[o + c] + h10 * before[o + 3 + c] + h01 * after[o + c] + h11 * after[o + 3 + c];
          state[o + 3 + c] = d00 * before[o + c] + d10 * before[o + 3 + c] + d01 * after[o + c] + d11 * after[o + 3 + c];
        }
        const ix = Math.floor(state[o] * inverseCell);
        const iy = Math.floor(state[o + 1] * inverseCell);
        const iz = Math.floor(state[o + 2] * inverseCell);
        ix0[i] = ix;
        iy0[i] = iy;
        iz0[i] = iz;
        const h = hashCell(ix, iy, iz);
        bucketOf[i] = h;
        bucketStart[h + 1]++;
        live[liveCount++] = i;
      }
      for (let h = 0; h < size; h++) bucketStart[h + 1] += bucketStart[h];
      // Counting sort by bucket. The fill moves bucketStart[h] to the end of bucket h,
      // so afterwards bucket h is [bucketStart[h - 1], bucketStart[h]).
      for (let l = 0; l < liveCount; l++) {
        const i = live[l];
        const h = bucketOf[i];
        const q = bucketStart[h]++;
        const o = i * 6;
        px[q] = state[o];
        py[q] = state[o + 1];
        pz[q] = state[o + 2];
        vx[q] = state[o + 3];
        vy[q] = state[o + 4];
        vz[q] = state[o + 5];
        cx[q] = ix0[i];
        cy[q] = iy0[i];
        cz[q] = iz0[i];
        reach[q] = tolerance[i];
        low[q] = perigee[i];
        high[q] = apogee[i];
        id[q] = i;
        bucket[q] = h;
      }

      for (let q = 0; q < liveCount; q++) {
        const own = bucket[q];
        // Ranges of the neighbour buckets; objects of one cell are consecutive, so they are
        // computed once per cell. Range 0 is the rest of the object's own bucket: there each
        // pair is met from both sides, so only the later slot is tested (this also covers
        // any other cell hashed to the same bucket).
        rangeStart[0] = q + 1;
        rangeEnd[0] = bucketStart[own];
        if (q === 0 || own !== bucket[q - 1] || cx[q] !== cx[q - 1] || cy[q] !== cy[q - 1] || cz[q] !== cz[q - 1]) {
          for (let nb = 1; nb < NEIGHBOUR_COUNT; nb++) {
            const h = hashCell(cx[q] + NEIGHBOURS[3 * nb], cy[q] + NEIGHBOURS[3 * nb + 1], cz[q] + NEIGHBOURS[3 * nb + 2]);
            rangeStart[nb] = h === own ? 0 : h === 0 ? 0 : bucketStart[h - 1];
            rangeEnd[nb] = h === own ? 0 : bucketStart[h];
          }
        }
        const x = px[q];
        const y = py[q];
        const z = pz[q];
        for (let nb = 0; nb < NEIGHBOUR_COUNT; nb++) {
          const end = rangeEnd[nb];
          for (let r = rangeStart[nb]; r < end; r++) {
            const dx = px[r] - x;
            const dy = py[r] - y;
            const dz = pz[r] - z;
            if (dx * dx + dy * dy + dz * dz > reach2) continue;
            nearPairs++;
            // Apogee/perigee filter: radial bands that never overlap cannot meet.
            if (low[r] - high[q] > thresholdKm || low[q] - high[r] > thresholdKm) continue;
            const ux = vx[r] - vx[q];
            const uy = vy[r] - vy[q];
            const uz = vz[r] - vz[q];
            const u2 = ux * ux + uy * uy + uz * uz;
            let t = u2 > 0 ? -(dx * ux + dy * uy + dz * uz) / u2 : 0;
            if (t > halfSieveS) t = halfSieveS;
            else if (t < -halfSieveS) t = -halfSieveS;
            const mx = dx + ux * t;
            const my = dy + uy * t;
            const mz = dz + uz * t;
            const limit = thresholdKm + reach[q] + reach[r];
            if (mx * mx + my * my + mz * mz > limit * limit) continue;
            const i = id[q];
            const j = id[r];
            candidates.push(i < j ? i : j, i < j ? j : i, k);
          }
        }
      }
    }
    const swap = before;
    before = after;
    after = swap;
  }

  const conjunctions = refineCandidates(objects, plan, candidates);
  return { conjunctions, failures, nearPairs, candidates: candidates.length / 3 };
}

/**
 * Refines each candidate in the bracket of one sieve step either side of its sample (the
 * nearest sample to a minimum is within half a step of it) and merges the candidates of
 * one encounter, found from neighbouring samples, into one conjunction.
 */
function refineCandidates(objects: readonly ScreenedObject[], plan: ScreeningPlan, candidates: number[]): RawConjunction[] {
  const found: RawConjunction[] = [];
  for (let c = 0; c < candidates.length; c += 3) {
    const i = candidates[c];
    const j = candidates[c + 1];
    const atMs = plan.fromMs + candidates[c + 2] * plan.sieveStepMs;
    const approach = closestApproach(objects[i], objects[j], atMs - plan.sieveStepMs, atMs + plan.sieveStepMs);
    if (!approach || approach.missKm >= plan.thresholdKm) continue;
    if (approach.tcaMs < plan.fromMs || approach.tcaMs > plan.toMs) continue;
    found.push({ first: i, second: j, ...approach });
  }
  return mergeEncounters(found);
}

/** Two conjunctions of the same pair less than this apart are one encounter found twice. */
export const SAME_ENCOUNTER_MS = 1000;

/** One conjunction per encounter (the smaller miss distance), sorted by time of closest approach. */
export function mergeEncounters(found: RawConjunction[]): RawConjunction[] {
  const sorted = [...found].sort((a, b) => a.first - b.first || a.second - b.second || a.tcaMs - b.tcaMs);
  const merged: RawConjunction[] = [];
  for (const c of sorted) {
    const last = merged.at(-1);
    if (last && last.first === c.first && last.second === c.second && c.tcaMs - last.tcaMs < SAME_ENCOUNTER_MS) {
      if (c.missKm < last.missKm) merged[merged.length - 1] = c;
      continue;
    }
    merged.push(c);
  }
  return merged.sort((a, b) => a.tcaMs - b.tcaMs || a.first - b.first || a.second - b.second);
}
