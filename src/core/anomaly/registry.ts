/**
 * The detectors a channel definition can name (`detector: { name, sensitivity }`), and
 * how one is made for a series. The sensitivity (0 to 1, default 0.5) sets the score a
 * reading must reach to count as anomalous: threshold = 1 - 10^-(2 + 6 (1 - sensitivity)),
 * so 1 flags readings about 2.3 standard deviations out (threshold 0.99), 0.5 about 4.3
 * (0.99999) and 0 about 5.6 (0.99999999) for a Gaussian fit.
 */
import { Type, type Static } from 'typebox';
import type { AnomalyDetector } from './detector.ts';
import { WindowedGaussianDetector } from './windowed-gaussian.ts';

export const DetectorSpec = Type.Object(
  {
    name: Type.Union([Type.Literal('windowed-gaussian')], { description: 'windowed-gaussian: how improbable a reading is under a normal distribution fitted to the readings before it' }),
    sensitivity: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Higher flags smaller departures; default 0.5' })),
  },
  { additionalProperties: false },
);
export type DetectorSpec = Static<typeof DetectorSpec>;

/** The range a detector expected the last reading in, when it can tell. */
export interface ExpectedRange {
  low: number;
  high: number;
}

export interface ConfiguredDetector {
  detector: AnomalyDetector & {
    /** What the detector expected of the reading it scored last, if it can say: the range it would have found ordinary. */
    expected?(): ExpectedRange | undefined;
  };
  /** Scores at or above it are anomalies. */
  threshold: number;
}

export const DEFAULT_SENSITIVITY = 0.5;

export function thresholdOf(sensitivity = DEFAULT_SENSITIVITY): number {
  return 1 - 10 ** -(2 + 6 * (1 - sensitivity));
}

export function createDetector(spec: DetectorSpec): ConfiguredDetector {
  switch (spec.name) {
    case 'windowed-gaussian':
      return { detector: new WindowedGaussianDetector(), threshold: thresholdOf(spec.sensitivity) };
  }
}
