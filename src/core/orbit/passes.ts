/**
 * Passes of a spacecraft over a ground station: acquisition of signal (AOS, elevation
 * rising through the station's mask), the highest point, loss of signal (LOS).
 *
 * The search samples elevation and its rate every `stepSeconds` (30 s by default). Each
 * sign change of the rate brackets a highest or lowest point, found by root finding; between
 * consecutive extremes elevation is monotonic, so it crosses the mask at most once there, and
 * each crossing is found by root finding too. A pass whose whole time above the mask falls
 * between two samples is still found, because its highest point shows as a rate sign
 * change. That needs a pass's highest point and the lowest points around it to be more than
 * a step apart: for Earth orbits from LEO up they are a good part of a revolution apart (a
 * pass's elevation rises and falls once), so 30 s leaves a wide margin.
 * Times are refined to `toleranceMs` (1 ms by default), far inside the promised 1 s; the
 * frame approximations (topocentric.ts) cost milliseconds more.
 */
import { createPropagator, Sgp4Error, type StateVector } from './sgp4.ts';
import { TleError } from './tle.ts';
import { lookAnglesFromTeme, observerAt, type GeodeticPosition, type LookAngles } from './topocentric.ts';

export interface HorizonPoint {
  azimuthDeg: number;
  elevationDeg: number;
}

export interface PassStation extends GeodeticPosition {
  /** Elevation below which the station does not see the spacecraft, degrees (default 0). */
  elevationMaskDeg?: number;
  /**
   * The horizon as seen from the station (terrain, buildings): points by increasing azimuth,
   * joined linearly and around through north. The mask at an azimuth is the higher of this
   * and `elevationMaskDeg`.
   */
  horizonMask?: readonly HorizonPoint[];
}

/** The elevation mask of the station at an azimuth, degrees. */
export function maskAt(station: PassStation, azimuthDeg: number): number {
  const floor = station.elevationMaskDeg ?? 0;
  const h = station.horizonMask;
  if (!h?.length) return floor;
  let i = h.findIndex((p) => p.azimuthDeg > azimuthDeg);
  if (i < 0) i = h.length;
  const before = h[(i - 1 + h.length) % h.length]!;
  const after = h[i % h.length]!;
  // Going around through north, the neighbours' azimuths are a turn apart.
  const a0 = i === 0 ? before.azimuthDeg - 360 : before.azimuthDeg;
  const a1 = i === h.length ? after.azimuthDeg + 360 : after.azimuthDeg;
  const f = a1 > a0 ? (azimuthDeg - a0) / (a1 - a0) : 0;
  return Math.max(floor, before.elevationDeg + f * (after.elevationDeg - before.elevationDeg));
}

export interface PassPoint {
  time: Date;
  azimuthDeg: number;
  elevationDeg: number;
}

export interface Pass {
  /** Rising through the mask; at the window's start when the pass began before it (`startsBeforeWindow`). */
  aos: PassPoint;
  /** The highest point within the window. */
  max: PassPoint;
  /** Setting through the mask; at the window's end when the pass goes on past it (`endsAfterWindow`). */
  los: PassPoint;
  startsBeforeWindow: boolean;
  endsAfterWindow: boolean;
}

export interface PassOptions {
  /** Sampling step of the coarse search, seconds (default 30). */
  stepSeconds?: number;
  /** How finely times are solved, milliseconds (default 1). */
  toleranceMs?: number;
}

type Propagator = (time: Date) => Pick<StateVector, 'positionKm' | 'velocityKmS'>;

/**
 * Brent's method: a root of `f` in [a, b], where f(a) and f(b) differ in sign, to within
 * `tolerance`. Bisection's certainty with the speed of secant and inverse quadratic steps.
 */
export function brentRoot(f: (x: number) => number, a: number, b: number, tolerance: number, fa = f(a), fb = f(b)): number {
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (Math.sign(fa) === Math.sign(fb)) throw new RangeError('brentRoot: the interval does not bracket a root');
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let i = 0; i < 200; i++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a; fc = fa; d = b - a; e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + tolerance / 2;
    const m = (c - b) / 2;
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qa = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m; e = m;
      }
    } else {
      d = m; e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
  }
  return b;
}

interface Sample {
  t: number;
  look: LookAngles;
}

/** Seconds between samples where a horizon mask may cut a pass: a gap in view shorter than this may be missed. */
const HORIZON_STEP_MS = 1000;

/**
 * With a horizon mask, elevation less the mask is no longer monotonic between elevation's
 * extremes: wherever elevation reaches the lowest the mask goes, it is sampled every second
 * too, so each stretch between samples crosses the mask at most once but for gaps in view
 * shorter than that.
 */
function addHorizonSamples(breaks: Sample[], station: PassStation, sample: (t: number) => Sample): void {
  const lowest = Math.max(station.elevationMaskDeg ?? 0, Math.min(...station.horizonMask!.map((p) => p.elevationDeg)));
  const extremes = breaks.splice(0);
  breaks.push(extremes[0]!);
  for (let i = 1; i < extremes.length; i++) {
    const [a, b] = [extremes[i - 1]!, extremes[i]!];
    if (Math.max(a.look.elevationDeg, b.look.elevationDeg) >= lowest) {
      for (let t = a.t + HORIZON_STEP_MS; t < b.t; t += HORIZON_STEP_MS) breaks.push(sample(t));
    }
    breaks.push(b);
  }
}

/** Every pass of the spacecraft over the station between `from` and `to`, in time order. */
export function findPasses(propagate: Propagator, station: PassStation, from: Date, to: Date, options: PassOptions = {}): Pass[] {
  const start = from.getTime();
  const end = to.getTime();
  if (!(end > start)) return [];
  const stepMs = (options.stepSeconds ?? 30) * 1000;
  const tolerance = options.toleranceMs ?? 1;
  const observer = observerAt(station);
  const look = (t: number): LookAngles => {
    const state = propagate(new Date(t));
    return lookAnglesFromTeme(observer, t, state.positionKm, state.velocityKmS);
  };
  const sample = (t: number): Sample => ({ t, look: look(t) });
  const clearance = (l: LookAngles) => l.elevationDeg - maskAt(station, l.azimuthDeg);
  const above = (s: Sample) => clearance(s.look);
  const clearanceAt = (t: number) => clearance(look(t));
  const rate = (s: Sample) => s.look.elevationRateDegS;

  // The window's ends and every highest and lowest point between: elevation is monotonic from one to the next.
  const breaks: Sample[] = [sample(start)];
  let previous = breaks[0]!;
  for (let t = start; t < end;) {
    t = Math.min(t + stepMs, end);
    const next = sample(t);
    if (rate(previous) !== 0 && rate(next) !== 0 && Math.sign(rate(previous)) !== Math.sign(rate(next))) {
      const extreme = brentRoot((x) => look(x).elevationRateDegS, previous.t, next.t, tolerance, rate(previous), rate(next));
      breaks.push(sample(extreme));
    }
    breaks.push(next);
    previous = next;
  }
  if (station.horizonMask?.length) addHorizonSamples(breaks, station, sample);

  const passes: Pass[] = [];
  let open: { aos: Sample; cut: boolean; max: Sample } | undefined;
  // Angles at the millisecond reported: near the zenith azimuth turns by tens of degrees a second.
  const point = (s: Sample): PassPoint => {
    const t = Math.round(s.t);
    const at = t === s.t ? s.look : look(t);
    return { time: new Date(t), azimuthDeg: at.azimuthDeg, elevationDeg: at.elevationDeg };
  };
  if (above(breaks[0]!) >= 0) open = { aos: breaks[0]!, cut: true, max: breaks[0]! };
  for (let i = 1; i < breaks.length; i++) {
    const [a, b] = [breaks[i - 1]!, breaks[i]!];
    const [fa, fb] = [above(a), above(b)];
    if (open) {
      if (fb >= 0) {
        if (b.look.elevationDeg > open.max.look.elevationDeg) open.max = b;
        continue;
      }
      const los = sample(brentRoot(clearanceAt, a.t, b.t, tolerance, fa, fb));
      // Set behind a horizon while still climbing, a pass is highest as it is lost.
      if (los.look.elevationDeg > open.max.look.elevationDeg) open.max = los;
      passes.push({ aos: point(open.aos), max: point(open.max), los: point(los), startsBeforeWindow: open.cut, endsAfterWindow: false });
      open = undefined;
    } else if (fb >= 0) {
      const aos = sample(fa < 0 ? brentRoot(clearanceAt, a.t, b.t, tolerance, fa, fb) : a.t);
      open = { aos, cut: false, max: b.look.elevationDeg > aos.look.elevationDeg ? b : aos };
    }
  }
  if (open) passes.push({ aos: point(open.aos), max: point(open.max), los: point(breaks.at(-1)!), startsBeforeWindow: open.cut, endsAfterWindow: true });
  return passes;
}

export interface PassSpacecraft {
  id: string;
  tle: readonly [string, string];
}

export interface PassSite extends PassStation {
  id: string;
}

/** A pass of one spacecraft over one station, as the API gives it: times ISO 8601 UTC to the millisecond. */
export interface PassRow {
  spacecraft: string;
  station: string;
  aos: { time: string; azimuthDeg: number; elevationDeg: number };
  max: { time: string; azimuthDeg: number; elevationDeg: number };
  los: { time: string; azimuthDeg: number; elevationDeg: number };
  durationSeconds: number;
  startsBeforeWindow: boolean;
  endsAfterWindow: boolean;
}

export interface PassPrediction {
  /** In AOS order, then by spacecraft and station. */
  passes: PassRow[];
  /** Spacecraft whose elements SGP4 refused, or that decayed within the window: no passes for them. */
  failures: { spacecraft: string; detail: string }[];
}

/** AOS order, then by spacecraft and station. */
export const byAos = (a: PassRow, b: PassRow): number => a.aos.time.localeCompare(b.aos.time) || a.spacecraft.localeCompare(b.spacecraft) || a.station.localeCompare(b.station);

const rowPoint = (p: PassPoint) => ({ time: p.time.toISOString(), azimuthDeg: p.azimuthDeg, elevationDeg: p.elevationDeg });

/**
 * Every pass of every spacecraft over every station between `from` and `to`. Each
 * spacecraft's states on the coarse grid are computed once and shared by all stations.
 * `onProgress` hears the fraction of spacecraft done.
 */
export function predictPasses(
  spacecraft: readonly PassSpacecraft[], stations: readonly PassSite[], from: Date, to: Date,
  options: PassOptions & { onProgress?: (fraction: number) => void } = {},
): PassPrediction {
  const passes: PassRow[] = [];
  const failures: PassPrediction['failures'] = [];
  spacecraft.forEach((craft, i) => {
    try {
      const propagate = createPropagator(craft.tle[0], craft.tle[1]);
      const grid = new Map<number, Pick<StateVector, 'positionKm' | 'velocityKmS'>>();
      const shared: Propagator = (time) => {
        const ms = time.getTime();
        let state = grid.get(ms);
        if (!state) {
          state = propagate(time);
          grid.set(ms, state);
        }
        return state;
      };
      for (const station of stations) {
        for (const p of findPasses(shared, station, from, to, options)) {
          passes.push({
            spacecraft: craft.id, station: station.id, aos: rowPoint(p.aos), max: rowPoint(p.max), los: rowPoint(p.los),
            durationSeconds: (p.los.time.getTime() - p.aos.time.getTime()) / 1000, startsBeforeWindow: p.startsBeforeWindow, endsAfterWindow: p.endsAfterWindow,
          });
        }
      }
    } catch (error) {
      if (!(error instanceof Sgp4Error || error instanceof TleError)) throw error;
      failures.push({ spacecraft: craft.id, detail: error.message });
    }
    options.onProgress?.((i + 1) / spacecraft.length);
  });
  passes.sort(byAos);
  return { passes, failures };
}
