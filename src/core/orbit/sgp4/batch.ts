/**
 * Orbit's SGP4/SDP4 engine for many satellites and many times: a batch initialises each
 * element set once into one structure-of-arrays Float64Array, then propagates N
 * satellites at one instant, or one satellite over a run of times, into arrays the
 * caller owns, without allocating.
 */
import { TleError, validateTle } from '../tle.ts';
import { SGP4_OK } from './constants.ts';
import { initialise, type MeanElements } from './init.ts';
import * as L from './layout.ts';
import { propagateSeries, STATE_WIDTH } from './propagate.ts';

export { STATE_WIDTH } from './propagate.ts';
export type { MeanElements } from './init.ts';

const MS_PER_MINUTE = 60_000;

/** The mean elements of a TLE; throws TleError for malformed lines (checksums are not required). */
export function meanElementsOfTle(line1: string, line2: string): MeanElements {
  const problems = validateTle(line1, line2, { checksums: false });
  if (problems.length) throw new TleError(problems);
  const yy = Number(line1.slice(18, 20));
  const bstar = line1.slice(53, 61);
  return {
    epochYear: yy < 57 ? 2000 + yy : 1900 + yy,
    epochDay: Number(line1.slice(20, 32)),
    eccentricity: Number(`0.${line2.slice(26, 33)}`),
    inclinationDeg: Number(line2.slice(8, 16)),
    raanDeg: Number(line2.slice(17, 25)),
    argPerigeeDeg: Number(line2.slice(34, 42)),
    meanAnomalyDeg: Number(line2.slice(43, 51)),
    meanMotionRevPerDay: Number(line2.slice(52, 63)),
    // ' 12345-4' is 0.12345e-4; the sign column may be blank, '+' or '-'.
    bstar: Number(`${bstar[0] === '-' ? '-' : ''}0.${bstar.slice(1, 6)}e${bstar.slice(6).replace('+', '')}`),
  };
}

export class Sgp4Batch {
  /** Satellites in the batch. */
  readonly count: number;
  /** Every coefficient of every satellite; quantity q of satellite i at q * count + i (see layout.ts). */
  readonly data: Float64Array;

  constructor(elements: readonly MeanElements[]) {
    this.count = elements.length;
    this.data = new Float64Array(L.FIELD_COUNT * this.count);
    const state = new Float64Array(STATE_WIDTH);
    const code = new Uint8Array(1);
    elements.forEach((e, i) => {
      initialise(this.data, this.count, i, e);
      // As the reference does, propagate to epoch to find elements that fail from the start.
      propagateSeries(this.data, this.count, i, 0, 0, 1, state, 0, code, 0);
      this.data[L.INIT_ERROR * this.count + i] = code[0];
    });
  }

  /** A batch of TLEs; throws TleError naming the first malformed set. */
  static fromTle(sets: readonly (readonly [string, string])[]): Sgp4Batch {
    return new Sgp4Batch(
      sets.map(([line1, line2], k) => {
        try {
          return meanElementsOfTle(line1, line2);
        } catch (error) {
          if (error instanceof TleError && sets.length > 1) throw new TleError(error.problems.map((p) => `element set ${k}: ${p}`));
          throw error;
        }
      }),
    );
  }

  /** Epoch of satellite i in epoch-milliseconds (fractional: the TLE resolves ~1 µs of day). */
  epochMs(i: number): number {
    return this.data[L.EPOCH_MS * this.count + i];
  }

  /** SGP4's code for satellite i at its epoch: 0, or the reference's error code. */
  epochError(i: number): number {
    return this.data[L.INIT_ERROR * this.count + i];
  }

  /** True when satellite i uses the deep-space terms (period of 225 minutes or more). */
  isDeepSpace(i: number): boolean {
    return this.data[L.DEEP * this.count + i] === 1;
  }

  /**
   * Satellite i at start + k * step minutes from its epoch, k < count: state k to
   * out[outOffset + 6k ..] (TEME km, km/s), code to errors[errorOffset + k] (0, or the
   * reference's 1-6, with NaN in the state).
   */
  propagateMinutes(i: number, start: number, step: number, count: number, out: Float64Array, errors: Uint8Array, outOffset = 0, errorOffset = 0): void {
    this.check(i, count, out, errors, outOffset, errorOffset);
    propagateSeries(this.data, this.count, i, start, step, count, out, outOffset, errors, errorOffset);
  }

  /** Satellite i at the instants firstMs + k * stepMs (epoch-milliseconds), as propagateMinutes. */
  propagateTimes(i: number, firstMs: number, stepMs: number, count: number, out: Float64Array, errors: Uint8Array, outOffset = 0, errorOffset = 0): void {
    this.check(i, count, out, errors, outOffset, errorOffset);
    const start = (firstMs - this.epochMs(i)) / MS_PER_MINUTE;
    propagateSeries(this.data, this.count, i, start, stepMs / MS_PER_MINUTE, count, out, outOffset, errors, errorOffset);
  }

  /** Every satellite at one instant: satellite i to out[6i ..] and errors[i]. Returns the number that failed. */
  propagateAt(timeMs: number, out: Float64Array, errors: Uint8Array): number {
    const n = this.count;
    if (out.length < n * STATE_WIDTH || errors.length < n) throw new RangeError(`propagateAt needs ${n * STATE_WIDTH} states and ${n} error slots`);
    const c = this.data;
    let failed = 0;
    for (let i = 0; i < n; i++) {
      propagateSeries(c, n, i, (timeMs - c[L.EPOCH_MS * n + i]) / MS_PER_MINUTE, 0, 1, out, i * STATE_WIDTH, errors, i);
      if (errors[i] !== SGP4_OK) failed++;
    }
    return failed;
  }

  private check(i: number, count: number, out: Float64Array, errors: Uint8Array, outOffset: number, errorOffset: number): void {
    if (!(Number.isInteger(i) && i >= 0 && i < this.count)) throw new RangeError(`satellite ${i} is not in a batch of ${this.count}`);
    if (outOffset + count * STATE_WIDTH > out.length || errorOffset + count > errors.length) {
      throw new RangeError(`${count} states need ${count * STATE_WIDTH} numbers from offset ${outOffset} and ${count} error slots from ${errorOffset}`);
    }
  }
}
