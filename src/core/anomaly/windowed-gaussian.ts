/**
 * NAB's windowed Gaussian detector: a reading's score is how improbable it is under a
 * normal distribution fitted to the readings before it, 1 - P(|Z| beyond its distance
 * from the mean), one-sided as NAB defines it (the Q-function of |x - mean| / std).
 *
 * The fit covers the first `window` readings as they arrive, then the last `window`
 * readings, moved forward `step` readings at a time: between moves the newest readings
 * wait in a buffer and are scored against the fit as it was. NAB tuned window 6400 and
 * step 100 on its corpus; those are the defaults.
 *
 * State: at most `window + step` numbers (6,500 by default) and a few scalars. Cost: O(1)
 * per reading while the window fills; then a two-pass refit of the window every `step`
 * readings, O(window / step) per reading amortised (64 by default).
 */
import type { AnomalyDetector, ExpectedRange } from './detector.ts';
import { normalTail } from './gaussian-tail.ts';

export interface WindowedGaussianOptions {
  /** Readings the fit covers once it is full. */
  window?: number;
  /** Readings buffered before the full window moves forward by as many. */
  step?: number;
  /**
   * The alarm threshold on the score, used only to say what range was expected: the
   * readings within z standard deviations of the mean, 1 - Q(z) = threshold. Default
   * 1 - 1e-6 (z = 4.75).
   */
  threshold?: number;
}

/** z with Q(z) = tail, by bisection: Q falls monotonically, and this runs once per detector. */
function zForTail(tail: number): number {
  if (tail >= 0.5) return 0;
  let low = 0;
  let high = 40;
  for (let k = 0; k < 100; k++) {
    const mid = (low + high) / 2;
    if (normalTail(mid) > tail) low = mid;
    else high = mid;
  }
  return high;
}

/** NAB's stand-in for a zero standard deviation, so a flat window still scores departures. */
const MIN_STD = 0.000001;

export class WindowedGaussianDetector implements AnomalyDetector {
  readonly #window: Float64Array;
  readonly #pending: Float64Array;
  /** Readings in the window: grows to window.length, then stays there. */
  #count = 0;
  /** Index of the oldest reading once the window is full (it is a ring). */
  #oldest = 0;
  #pendingCount = 0;
  #mean = 0;
  /** Sum of squared deviations from the mean while the window fills (Welford). */
  #m2 = 0;
  #std = 1;
  readonly #z: number;
  #expected: ExpectedRange | undefined;

  constructor({ window = 6400, step = 100, threshold = 1 - 1e-6 }: WindowedGaussianOptions = {}) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
    if (!Number.isInteger(step) || step < 1 || step > window) throw new RangeError(`step must be an integer in [1, window], got ${step}`);
    this.#window = new Float64Array(window);
    this.#pending = new Float64Array(step);
    this.#z = zForTail(1 - threshold);
  }

  score(_time: number, value: number): number {
    const score = this.#count === 0 ? 0 : 1 - this.#tail(value);
    this.#expected = this.#count === 0 ? undefined : { low: this.#mean - this.#z * this.#std, high: this.#mean + this.#z * this.#std };
    this.#learn(value);
    return score;
  }

  /** mean ± z std of the fit the last reading was scored against. */
  expected(): ExpectedRange | undefined {
    return this.#expected;
  }

  #tail(value: number): number {
    // NAB mirrors a value below the mean onto the upper side before taking the tail;
    // kept as written, since the mirrored value rounds differently from mean - value.
    const upper = value < this.#mean ? 2 * this.#mean - value : value;
    return normalTail((upper - this.#mean) / this.#std);
  }

  #learn(value: number): void {
    const size = this.#window.length;
    if (this.#count < size) {
      this.#window[this.#count++] = value;
      const delta = value - this.#mean;
      this.#mean += delta / this.#count;
      this.#m2 += delta * (value - this.#mean);
      this.#setStd(this.#m2 / this.#count);
      return;
    }
    this.#pending[this.#pendingCount++] = value;
    if (this.#pendingCount < this.#pending.length) return;
    for (const v of this.#pending) {
      this.#window[this.#oldest] = v;
      this.#oldest = (this.#oldest + 1) % size;
    }
    this.#pendingCount = 0;
    this.#refit();
  }

  /** Two passes over the full window: exact enough however long the series runs, where running sums drift. */
  #refit(): void {
    const size = this.#window.length;
    let sum = 0;
    for (const v of this.#window) sum += v;
    const mean = sum / size;
    let squares = 0;
    for (const v of this.#window) squares += (v - mean) * (v - mean);
    this.#mean = mean;
    this.#setStd(squares / size);
  }

  #setStd(variance: number): void {
    const std = Math.sqrt(Math.max(variance, 0));
    this.#std = std === 0 ? MIN_STD : std;
  }
}
