/**
 * The streaming detectors by name, for the channel definitions, `orbit detect` and the
 * NAB benchmark alike, and the `DetectorSpec` a channel definition carries.
 *
 * Sensitivity, in [0, 1], sets the alarm threshold on the detector's score:
 * 0.5 (the default) is the threshold NAB's optimiser chose for the detector on the NAB
 * corpus (standard profile); 0 raises it to 1 (only the most anomalous readings alarm)
 * and 1 lowers it to 0 (every reading alarms), linearly on either side of 0.5 in the
 * detector's own scale. A reading is an anomaly when its score reaches the threshold.
 */
import { Type, type Static } from 'typebox';
import { CONTEXT_NOVELTY_DEFAULTS, ContextNoveltyDetector } from './context-novelty.ts';
import type { AnomalyDetector } from './detector.ts';
import { WindowedGaussianDetector } from './windowed-gaussian.ts';

export const DEFAULT_SENSITIVITY = 0.5;

interface DetectorKind {
  description: string;
  /** The alarm threshold at the default sensitivity. */
  defaultThreshold: number;
  /** The score's scale for the sensitivity mapping: linear, or the tail 1 - score in decades (scores crowded near 1). */
  scale: 'linear' | 'decades';
  create(threshold: number): AnomalyDetector;
}

const KINDS = {
  'context-novelty': {
    description: 'departures from the range seen so far and sequences of levels never seen before, at three time scales, with a rest after each alarm',
    defaultThreshold: CONTEXT_NOVELTY_DEFAULTS.threshold,
    scale: 'linear',
    create: (threshold) => new ContextNoveltyDetector({ threshold }),
  },
  'windowed-gaussian': {
    description: "NAB's windowed Gaussian: the normal tail of the distance from the mean of the last 6,400 readings",
    // NAB's optimiser on the corpus at full precision: 1 - 2.26e-13.
    defaultThreshold: 0.9999999999997738,
    scale: 'decades',
    create: (threshold) => new WindowedGaussianDetector({ threshold }),
  },
} satisfies Record<string, DetectorKind>;

export type DetectorName = keyof typeof KINDS;
export const DETECTOR_NAMES = Object.keys(KINDS) as DetectorName[];
/** What a channel runs when its definition names no detector, and what `orbit detect` and the benchmark run by default. */
export const DEFAULT_DETECTOR: DetectorName = 'context-novelty';

export const DetectorSpec = Type.Object(
  {
    // Listed literally, so that the static type is the union of names (a mapped array would type as string).
    name: Type.Union([Type.Literal('context-novelty'), Type.Literal('windowed-gaussian')], {
      description: `Streaming detector: ${DETECTOR_NAMES.join(', ')}`,
    }),
    sensitivity: Type.Optional(Type.Number({
      minimum: 0,
      maximum: 1,
      default: DEFAULT_SENSITIVITY,
      description: 'How readily it alarms: 0.5 is the threshold tuned on the NAB benchmark, 0 only the strongest anomalies, 1 everything',
    })),
  },
  { additionalProperties: false },
);
export type DetectorSpec = Static<typeof DetectorSpec>;
// The schema's names and the registry's must be the same set: each line fails to compile if one is missing.
const _everyKindInSchema: Record<DetectorName, true> = { 'context-novelty': true, 'windowed-gaussian': true } satisfies Record<DetectorSpec['name'], true>;
const _everySchemaNameAKind: DetectorName = '' as DetectorSpec['name'];

export function isDetectorName(name: string): name is DetectorName {
  return Object.hasOwn(KINDS, name);
}

export function describeDetector(name: DetectorName): string {
  return KINDS[name].description;
}

/** Largest tail exponent the `decades` scale reaches at sensitivity 0: 1 - 1e-16 rounds to 1 in doubles. */
const MAX_DECADES = 16;

/** The alarm threshold of a detector at a sensitivity (see the module comment). */
export function thresholdFor(name: DetectorName, sensitivity = DEFAULT_SENSITIVITY): number {
  if (!(sensitivity >= 0 && sensitivity <= 1)) throw new RangeError(`sensitivity must be in [0, 1], got ${sensitivity}`);
  const kind: DetectorKind = KINDS[name];
  if (kind.scale === 'linear') {
    const t0 = kind.defaultThreshold;
    return sensitivity <= 0.5 ? 1 - (1 - t0) * (sensitivity / 0.5) : t0 * (1 - (sensitivity - 0.5) / 0.5);
  }
  const d0 = -Math.log10(1 - kind.defaultThreshold);
  const decades = sensitivity <= 0.5 ? MAX_DECADES - (MAX_DECADES - d0) * (sensitivity / 0.5) : d0 * (1 - (sensitivity - 0.5) / 0.5);
  return 1 - 10 ** -decades;
}

export interface ConfiguredDetector {
  detector: AnomalyDetector;
  /** A reading is an anomaly when its score is at least this. */
  threshold: number;
}

/** A fresh detector for one series, as the spec configures it. */
export function createDetector(spec: DetectorSpec): ConfiguredDetector {
  if (!isDetectorName(spec.name)) throw new RangeError(`unknown detector ${JSON.stringify(spec.name)}; known: ${DETECTOR_NAMES.join(', ')}`);
  const threshold = thresholdFor(spec.name, spec.sensitivity ?? DEFAULT_SENSITIVITY);
  const kind: DetectorKind = KINDS[spec.name];
  return { detector: kind.create(threshold), threshold };
}
