/**
 * How an orbit.propagate job is cut into samples and chunks. Shared by the main
 * thread and the workers so both agree on every sample's time.
 */

/** Values per sample in a chunk's Float64Array: x y z (km), vx vy vz (km/s), latitude, longitude (deg), altitude (km). */
export const SAMPLE_WIDTH = 9;

/** Samples of one job unless ORBIT_COMPUTE_MAX_SAMPLES says otherwise. */
export const MAX_SAMPLES = 100_000;

export interface PropagationPlan {
  line1: string;
  line2: string;
  fromMs: number;
  toMs: number;
  stepMs: number;
}

/** One worker task: `count` samples starting at sample `first`. */
export interface PropagationChunk extends PropagationPlan {
  first: number;
  count: number;
}

/** Samples at from, from + step, ... up to and including `to` when it falls on the grid. */
export function sampleCount(fromMs: number, toMs: number, stepMs: number): number {
  return Math.floor((toMs - fromMs) / stepMs + 1e-9) + 1;
}

/** Rounded to whole milliseconds, the resolution of a Date. */
export function sampleTime(plan: Pick<PropagationPlan, 'fromMs' | 'stepMs'>, index: number): number {
  return plan.fromMs + Math.round(index * plan.stepMs);
}

// Chunks are the unit of progress and of parallelism: large enough that messaging
// is negligible, numerous enough that a large job spreads over every worker.
const MIN_CHUNK = 1_000;
const MAX_CHUNKS = 50;

export function chunksOf(plan: PropagationPlan): PropagationChunk[] {
  const total = sampleCount(plan.fromMs, plan.toMs, plan.stepMs);
  const size = Math.max(MIN_CHUNK, Math.ceil(total / MAX_CHUNKS));
  const chunks: PropagationChunk[] = [];
  for (let first = 0; first < total; first += size) chunks.push({ ...plan, first, count: Math.min(size, total - first) });
  return chunks;
}
