/**
 * Streaming anomaly detectors: they learn online from the series they score, need no
 * labels and no offline training, and keep a state whose size does not grow with the
 * series, so one can run per channel on every reading.
 */

/**
 * One detector instance follows one series. `score` takes the readings in time order,
 * one at a time, and answers how anomalous this reading is given the ones before it:
 * 0 is ordinary, 1 is as anomalous as the detector can say. A detector decides from the
 * past only; it never sees a reading before scoring it.
 *
 * Implementations state their memory bound in their doc comment (for example "at most
 * 6,500 numbers").
 */
export interface AnomalyDetector {
  /** Scores the next reading: `time` in epoch ms, not before the previous reading's. Returns a score in [0, 1]. */
  score(time: number, value: number): number;
  /**
   * What the detector expected of the reading it scored last, if it can say: the range
   * it would have found ordinary. Lets an alert read "value 87.3 outside expected
   * 20.1–25.4". A reading inside the range can still score high (an unusual pattern).
   */
  expected?(): ExpectedRange | undefined;
}

export interface ExpectedRange {
  low: number;
  high: number;
}

/** Makes a fresh detector for one series. */
export type DetectorFactory = () => AnomalyDetector;
