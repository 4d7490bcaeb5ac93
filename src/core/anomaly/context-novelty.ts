/**
 * Context novelty: a reading is anomalous when it leaves the range the series has shown,
 * or when the short sequence of levels it completes has never been seen before. It
 * learns online from the series itself; nothing is trained offline.
 *
 * How it scores a reading:
 *
 * - Range: its distance beyond the lowest and highest readings seen so far, as a fraction
 *   of that range, mapped to (0, 1) so that a departure of `margin` of the range scores
 *   0.63 (1 - 1/e) and a large one approaches 1.
 * - Pattern: the range is cut into `levels` equal bands, and the reading's band is appended
 *   to the sequence of recent bands. At three time scales (each reading; the mean of
 *   each 16 readings, which sees a day's shape in 5-minute data; and the mean of each 64
 *   readings, which sees a slower change of level or shape) it looks up the
 *   sequences that end here, of lengths 1 to `order`: when the shortest sequence never
 *   seen before has length k, the surprise is (order - k + 1) / order, so a band never
 *   visited scores 1 and only a new long sequence scores little.
 * - Each scale's pattern surprise is damped by how often that scale surprises: times
 *   (1 - rate)^2, rate a moving average of its past surprise over about 1 / `rateAlpha`
 *   readings, so a noisy series that keeps making new sequences at one scale does not
 *   keep alarming, while the other scales stay alert.
 *
 * The score is the largest of the range and pattern surprises. It raises an alarm when it reaches the threshold
 * and the detector has not alarmed in the last `rest` readings, or the score beats the
 * last alarm's (an anomaly growing worse alarms again); an alarm reports its score, a
 * reading that does not alarm reports less than the threshold, so `score >= threshold`
 * is exactly "this reading alarms". The first `warmup` readings only teach (score 0).
 *
 * State, bounded whatever the length of the series: per time scale `order` tables of
 * at most `capacity` sequences (1,024 each by default: 3 x 6 x 1,024 entries in all;
 * once a table is full, new sequences still score as new but are not stored), the last
 * `order` bands per scale, the range, and a few scalars. Cost per reading: at most
 * 3 x 6 map look-ups, O(1); about 2.5 million readings/s on one core.
 *
 * Known limits: the range only widens (one wild reading widens the bands for good), and
 * the levels are relative to the range, so a newly widened range makes a few sequences
 * look new right after a range alarm, inside its rest period.
 */
import type { AnomalyDetector, ExpectedRange } from './detector.ts';

export interface ContextNoveltyOptions {
  /** Alarm threshold on the score, in [0, 1]. */
  threshold?: number;
  /** Readings that only teach before any reading scores. */
  warmup?: number;
  /** Bands the range is cut into, per reading. */
  levels?: number;
  /** Bands at the coarse time scale. */
  coarseLevels?: number;
  /** Readings averaged into one step of the coarse time scale. */
  coarseStep?: number;
  /** Bands at the slow time scale. */
  slowLevels?: number;
  /** Readings averaged into one step of the slow time scale. */
  slowStep?: number;
  /** Longest sequence of bands looked up. */
  order?: number;
  /** Fraction of the range beyond it that scores 1 - 1/e. */
  margin?: number;
  /** Readings after an alarm during which only a higher score alarms again. */
  rest?: number;
  /** Weight of each reading in the moving average of surprise. */
  rateAlpha?: number;
  /** Most sequences remembered per length and time scale. */
  capacity?: number;
}

/** The defaults, chosen on the NAB corpus as global parameters (README, "Anomaly detection benchmark"). */
export const CONTEXT_NOVELTY_DEFAULTS: Required<ContextNoveltyOptions> = {
  threshold: 0.6656,
  warmup: 150,
  levels: 7,
  coarseLevels: 6,
  coarseStep: 16,
  slowLevels: 7,
  slowStep: 64,
  order: 6,
  margin: 0.03,
  rest: 100,
  rateAlpha: 0.005,
  capacity: 1024,
};


/** Readings that do not alarm report at most this fraction of the threshold. */
const BELOW = 0.99;

/** The sequences of bands seen at one time scale: lengths 1..order, each a bounded table. */
class SequenceMemory {
  readonly #recent: Int32Array;
  readonly #seen: Map<number, number>[];
  readonly #levels: number;
  readonly #capacity: number;
  #filled = 0;
  /** Moving average of this scale's surprise: how often it is surprised. */
  #rate = 0;
  readonly #rateAlpha: number;

  constructor(order: number, levels: number, capacity: number, rateAlpha: number) {
    this.#rateAlpha = rateAlpha;
    this.#recent = new Int32Array(order);
    this.#seen = Array.from({ length: order }, () => new Map<number, number>());
    this.#levels = levels;
    this.#capacity = capacity;
  }

  get levels(): number {
    return this.#levels;
  }

  /** Appends a band; answers the surprise of the sequences it ends, in [0, 1], and remembers them. */
  push(band: number): number {
    const order = this.#recent.length;
    this.#recent.copyWithin(0, 1);
    this.#recent[order - 1] = band;
    this.#filled = Math.min(this.#filled + 1, order);
    let key = 0;
    let firstUnseen = 0;
    for (let k = 1; k <= this.#filled; k++) {
      // Sequences of different lengths live in different tables, so the key need not encode the length.
      key = key * this.#levels + this.#recent[order - k]!;
      const table = this.#seen[k - 1]!;
      const count = table.get(key) ?? 0;
      if (count === 0 && firstUnseen === 0) firstUnseen = k;
      if (count > 0 || table.size < this.#capacity) table.set(key, count + 1);
    }
    const surprise = firstUnseen === 0 ? 0 : (order - firstUnseen + 1) / order;
    // Damped by how often this scale is surprised, so a scale that keeps seeing new sequences (noise) does not keep alarming.
    const damped = surprise * (1 - this.#rate) ** 2;
    this.#rate += this.#rateAlpha * (surprise - this.#rate);
    return damped;
  }
}

/** One time scale: the mean of each `step` readings, cut into bands, fed to a sequence memory. */
class TimeScale {
  readonly memory: SequenceMemory;
  readonly #step: number;
  #sum = 0;
  #count = 0;

  constructor(step: number, memory: SequenceMemory) {
    this.#step = step;
    this.memory = memory;
  }

  /** Adds a reading; at the end of each step, answers the step's mean (undefined otherwise). */
  add(value: number): number | undefined {
    this.#sum += value;
    if (++this.#count < this.#step) return undefined;
    const mean = this.#sum / this.#step;
    this.#sum = 0;
    this.#count = 0;
    return mean;
  }
}

export class ContextNoveltyDetector implements AnomalyDetector {
  readonly #o: Required<ContextNoveltyOptions>;
  readonly #fine: SequenceMemory;
  /** The coarse and slow time scales. */
  readonly #scales: TimeScale[];
  #readings = 0;
  #min = Infinity;
  #max = -Infinity;
  #lastAlarm = -Infinity;
  #lastAlarmScore = 0;
  #expected: ExpectedRange | undefined;

  constructor(options: ContextNoveltyOptions = {}) {
    this.#o = { ...CONTEXT_NOVELTY_DEFAULTS, ...options };
    const o = this.#o;
    if (!(o.threshold >= 0 && o.threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${o.threshold}`);
    for (const name of ['levels', 'coarseLevels', 'coarseStep', 'slowLevels', 'slowStep', 'order', 'capacity'] as const) {
      if (!Number.isInteger(o[name]) || o[name] < 1) throw new RangeError(`${name} must be a positive integer, got ${o[name]}`);
    }
    // Keys are base-`levels` numbers of `order` digits: they must stay exact doubles.
    if (Math.max(o.levels, o.coarseLevels, o.slowLevels) ** o.order > Number.MAX_SAFE_INTEGER) throw new RangeError('levels ** order is too large');
    this.#fine = new SequenceMemory(o.order, o.levels, o.capacity, o.rateAlpha);
    this.#scales = [
      new TimeScale(o.coarseStep, new SequenceMemory(o.order, o.coarseLevels, o.capacity, Math.min(1, o.rateAlpha * o.coarseStep))),
      new TimeScale(o.slowStep, new SequenceMemory(o.order, o.slowLevels, o.capacity, Math.min(1, o.rateAlpha * o.slowStep))),
    ];
  }

  /** The threshold `score` compares with: a reading alarms exactly when its score reaches it. */
  get threshold(): number {
    return this.#o.threshold;
  }

  score(_time: number, value: number): number {
    const o = this.#o;
    const reading = this.#readings++;
    this.#expected = reading > 0 ? { low: this.#min, high: this.#max } : undefined;
    const range = this.#rangeSurprise(value);
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;

    let pattern = this.#fine.push(this.#band(value, o.levels));
    for (const scale of this.#scales) {
      const mean = scale.add(value);
      if (mean !== undefined) pattern = Math.max(pattern, scale.memory.push(this.#band(mean, scale.memory.levels)));
    }

    if (reading < o.warmup) return 0;
    const surprise = Math.max(range, pattern);
    if (surprise >= o.threshold && (reading - this.#lastAlarm > o.rest || surprise > this.#lastAlarmScore)) {
      this.#lastAlarm = reading;
      this.#lastAlarmScore = surprise;
      return surprise;
    }
    return Math.min(surprise, o.threshold) * BELOW;
  }

  /** The range of the readings before the last one scored. */
  expected(): ExpectedRange | undefined {
    return this.#expected;
  }

  #rangeSurprise(value: number): number {
    if (this.#readings === 1) return 0;
    const width = this.#max - this.#min;
    // A flat series has no width: measure departures against its magnitude instead.
    const scale = width > 0 ? width : Math.abs(this.#max) * 1e-3 || 1e-9;
    const beyond = Math.max(value - this.#max, this.#min - value) / scale;
    return beyond > 0 ? 1 - Math.exp(-beyond / this.#o.margin) : 0;
  }

  #band(value: number, levels: number): number {
    const width = this.#max - this.#min;
    if (!(width > 0)) return 0;
    return Math.min(levels - 1, Math.max(0, Math.floor(((value - this.#min) / width) * levels)));
  }
}
