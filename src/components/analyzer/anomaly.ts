/**
 * Anomaly alerts: one detector per (spacecraft, channel) that names one in its definition
 * (`detector: { name, sensitivity }`), fed every numeric reading in time order. A reading
 * whose score reaches the detector's threshold is a violation (rule `anomaly`, severity
 * warning) explained by the range the reading was expected in. The channel counts as
 * normal again once no reading has scored past the threshold for QUIET_MS of reading time.
 *
 * State per channel: the detector's own (bounded by it, at most 6,500 numbers for the
 * windowed Gaussian) and a few numbers here.
 */
import { createDetector, type ConfiguredDetector, type DetectorSpec } from '../../core/anomaly/registry.ts';
import type { ExpectedRange } from '../../core/anomaly/detector.ts';
import type { Channel } from '../../core/schemas.ts';
import type { Violation } from './rules.ts';

/** Readings a fresh detector learns from before its scores can raise: its first fits are too rough to judge by. */
export const WARMUP_READINGS = 100;
/** Reading time without an anomalous reading after which an anomaly alert counts as over. */
export const QUIET_MS = 60_000;

/**
 * The recent typical range (exponentially weighted mean ± 4 standard deviations, about
 * the last 50 ordinary readings), to explain an anomaly when the detector cannot say what
 * it expected.
 */
export class TypicalRange {
  static readonly WEIGHT = 0.02;
  static readonly WIDTH = 4;
  #mean = 0;
  #variance = 0;
  #count = 0;

  add(value: number): void {
    if (this.#count++ === 0) {
      this.#mean = value;
      return;
    }
    const delta = value - this.#mean;
    const w = Math.max(TypicalRange.WEIGHT, 1 / this.#count);
    this.#mean += w * delta;
    this.#variance = (1 - w) * (this.#variance + w * delta * delta);
  }

  range(): ExpectedRange | undefined {
    if (!this.#count) return undefined;
    const half = TypicalRange.WIDTH * Math.sqrt(this.#variance);
    return { low: this.#mean - half, high: this.#mean + half };
  }
}

const round = (x: number) => Number(x.toPrecision(4));

/** Scores are shown to three decimals, rounded down so that only a score of 1 reads 1.000. */
export const formatScore = (score: number): string => (Math.floor(score * 1000) / 1000).toFixed(3);

export function anomalyMessage(channel: Pick<Channel, 'name' | 'unit'>, value: number, score: number, expected: ExpectedRange | undefined): string {
  const reading = `${channel.name} = ${value}${channel.unit ? ` ${channel.unit}` : ''}`;
  if (!expected) return `${reading} is anomalous (score ${formatScore(score)})`;
  const range = `${round(expected.low)}–${round(expected.high)}`;
  const outside = value < expected.low || value > expected.high;
  return `${reading} is ${outside ? `outside the expected ${range}` : `anomalous, though within the expected ${range}`} (score ${formatScore(score)})`;
}

export class AnomalyWatch {
  /** The detector settings this watch was made for: a changed definition makes a new one. */
  readonly spec: string;
  readonly #configured: ConfiguredDetector;
  readonly #typical = new TypicalRange();
  #seen = 0;
  /** Reading time since which nothing scored past the threshold. */
  #quietSince: number | undefined;

  constructor(spec: DetectorSpec) {
    this.spec = JSON.stringify(spec);
    this.#configured = createDetector(spec);
  }

  get threshold(): number {
    return this.#configured.threshold;
  }

  /**
   * Scores the next reading (in time order): a violation when it is anomalous, null when
   * the channel has been quiet for QUIET_MS, undefined otherwise (nothing to decide).
   */
  observe(channel: Pick<Channel, 'name' | 'unit'>, time: number, value: number): Violation | null | undefined {
    const { detector, threshold } = this.#configured;
    const score = detector.score(time, value);
    if (++this.#seen > WARMUP_READINGS && score >= threshold) {
      this.#quietSince = time;
      // expected() describes the reading just scored; the typical range has not taken it in yet.
      return { severity: 'warning', threshold, score, message: anomalyMessage(channel, value, score, detector.expected?.() ?? this.#typical.range()) };
    }
    // Anomalous readings stay out of the typical range, so it keeps describing ordinary ones.
    this.#typical.add(value);
    this.#quietSince ??= time;
    return time - this.#quietSince >= QUIET_MS ? null : undefined;
  }
}
