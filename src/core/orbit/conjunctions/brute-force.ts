/**
 * The reference the screening is checked against: every pair, exact SGP4 at a fine
 * step, no filter and no index. Each local minimum of the sampled range is then refined
 * by golden-section search on the exact range (not the range-rate root finding the
 * screening uses), so the two agree only if both are right. Quadratic in the number of
 * objects: for a few hundred objects.
 */
import { prepareObjects, stateAt, type ElementSet } from './objects.ts';
import type { RawConjunction } from './sieve.ts';

export interface BruteForceOptions {
  fromMs: number;
  toMs: number;
  thresholdKm: number;
  /** Sampling step (default 5 s). */
  stepS?: number;
}

export interface BruteForceResult {
  /** Satellite numbers of the objects, indexed as in `conjunctions`. */
  satnums: number[];
  conjunctions: RawConjunction[];
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

export function bruteForceConjunctions(sets: readonly ElementSet[], options: BruteForceOptions): BruteForceResult {
  const { fromMs, toMs, thresholdKm } = options;
  const stepMs = (options.stepS ?? 5) * 1000;
  const { objects } = prepareObjects(sets, fromMs, toMs);
  const n = objects.length;
  // One step beyond each end so that minima near the ends are seen between samples.
  const first = -1;
  const last = Math.ceil((toMs - fromMs) / stepMs) + 1;
  const count = last - first + 1;
  const states = new Float64Array(n * count * 6);
  const ok = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < count && ok[i]; k++) {
      if (stateAt(objects[i], fromMs + (first + k) * stepMs, states, (i * count + k) * 6)) ok[i] = 0;
    }
  }
  const state = new Float64Array(12);
  const range = (i: number, j: number, ms: number): number => {
    stateAt(objects[i], ms, state, 0);
    stateAt(objects[j], ms, state, 6);
    return Math.hypot(state[6] - state[0], state[7] - state[1], state[8] - state[2]);
  };
  const conjunctions: RawConjunction[] = [];
  const d = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    if (!ok[i]) continue;
    for (let j = i + 1; j < n; j++) {
      if (!ok[j]) continue;
      for (let k = 0; k < count; k++) {
        const a = (i * count + k) * 6;
        const b = (j * count + k) * 6;
        d[k] = Math.hypot(states[b] - states[a], states[b + 1] - states[a + 1], states[b + 2] - states[a + 2]);
      }
      for (let k = 1; k < count - 1; k++) {
        if (!(d[k] <= d[k - 1] && d[k] < d[k + 1])) continue;
        const a = (i * count + k) * 6;
        const b = (j * count + k) * 6;
        const speed = Math.hypot(states[b + 3] - states[a + 3], states[b + 4] - states[a + 4], states[b + 5] - states[a + 5]);
        // The true minimum is within a step of the sampled one and the range falls at most at the relative speed.
        if (d[k] - speed * (stepMs / 1000) * 1.5 > thresholdKm) continue;
        let lo = fromMs + (first + k - 1) * stepMs;
        let hi = fromMs + (first + k + 1) * stepMs;
        let x1 = hi - GOLDEN * (hi - lo);
        let x2 = lo + GOLDEN * (hi - lo);
        let f1 = range(i, j, x1);
        let f2 = range(i, j, x2);
        while (hi - lo > 0.05) {
          if (f1 < f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - GOLDEN * (hi - lo);
            f1 = range(i, j, x1);
          } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + GOLDEN * (hi - lo);
            f2 = range(i, j, x2);
          }
        }
        const tcaMs = (lo + hi) / 2;
        const missKm = range(i, j, tcaMs);
        if (missKm >= thresholdKm || tcaMs < fromMs || tcaMs > toMs) continue;
        const relativeSpeedKmS = Math.hypot(state[9] - state[3], state[10] - state[4], state[11] - state[5]);
        conjunctions.push({ first: i, second: j, tcaMs, missKm, relativeSpeedKmS });
      }
    }
  }
  conjunctions.sort((a, b) => a.tcaMs - b.tcaMs);
  return { satnums: objects.map((o) => o.satnum), conjunctions };
}

export interface Agreement {
  /** Conjunctions both found (same pair, times of closest approach within a second, or within 10 m of relative motion). */
  matched: number;
  /** Found by brute force only. */
  missed: { satnums: [number, number]; tca: Date; missDistanceKm: number }[];
  /** Found by the screening only. */
  extra: { satnums: [number, number]; tca: Date; missDistanceKm: number }[];
  /** Largest difference in miss distance over the matched (km). */
  maxMissDifferenceKm: number;
  /** Largest difference in time of closest approach over the matched (ms). */
  maxTcaDifferenceMs: number;
  /** Largest distance the objects move relative to each other between the two times of closest approach (km). */
  maxTcaDifferenceKm: number;
}

interface Comparable {
  satnums: [number, number];
  tcaMs: number;
  missKm: number;
  speed: number;
}

/**
 * Compares screened conjunctions (as satellite-number pairs) with a brute-force answer.
 * Conjunctions whose miss distance is within `marginKm` of the threshold may be found by
 * one side only without counting as a disagreement, since both sides are exact only to that margin.
 */
export function compareWithBruteForce(
  screened: readonly { primary: { satnum: number }; secondary: { satnum: number }; tca: Date; missDistanceKm: number; relativeSpeedKmS: number }[],
  brute: BruteForceResult,
  thresholdKm: number,
  marginKm = 0.01,
): Agreement {
  const pair = (a: number, b: number): [number, number] => (a < b ? [a, b] : [b, a]);
  const ours: Comparable[] = screened.map((c) => ({ satnums: pair(c.primary.satnum, c.secondary.satnum), tcaMs: c.tca.getTime(), missKm: c.missDistanceKm, speed: c.relativeSpeedKmS }));
  const theirs: Comparable[] = brute.conjunctions.map((c) => ({ satnums: pair(brute.satnums[c.first], brute.satnums[c.second]), tcaMs: c.tcaMs, missKm: c.missKm, speed: c.relativeSpeedKmS }));
  // One encounter: the same pair, and times of closest approach under a second apart or,
  // for objects barely moving relative to each other (docked, or launched together) whose
  // range is flat for seconds, less than 10 m of relative motion apart.
  const same = (a: Comparable, b: Comparable): boolean => {
    if (a.satnums[0] !== b.satnums[0] || a.satnums[1] !== b.satnums[1]) return false;
    const dt = Math.abs(a.tcaMs - b.tcaMs);
    return dt < 1000 || (dt < 60_000 && (dt / 1000) * Math.max(a.speed, b.speed) < 0.01);
  };
  const report = (c: Comparable) => ({ satnums: c.satnums, tca: new Date(Math.round(c.tcaMs)), missDistanceKm: c.missKm });
  const agreement: Agreement = { matched: 0, missed: [], extra: [], maxMissDifferenceKm: 0, maxTcaDifferenceMs: 0, maxTcaDifferenceKm: 0 };
  const borderline = (c: Comparable): boolean => c.missKm > thresholdKm - marginKm;
  for (const b of theirs) {
    const a = ours.find((o) => same(o, b));
    if (!a) {
      if (!borderline(b)) agreement.missed.push(report(b));
      continue;
    }
    agreement.matched++;
    const dt = Math.abs(a.tcaMs - b.tcaMs);
    agreement.maxMissDifferenceKm = Math.max(agreement.maxMissDifferenceKm, Math.abs(a.missKm - b.missKm));
    agreement.maxTcaDifferenceMs = Math.max(agreement.maxTcaDifferenceMs, dt);
    agreement.maxTcaDifferenceKm = Math.max(agreement.maxTcaDifferenceKm, (dt / 1000) * b.speed);
  }
  for (const a of ours) if (!theirs.some((b) => same(a, b)) && !borderline(a)) agreement.extra.push(report(a));
  return agreement;
}
