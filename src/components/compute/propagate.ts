/**
 * orbit.propagate on the worker pool: the time range is cut into chunks, run on as
 * many workers as are free, and reassembled in time order.
 */
import { Sgp4Error, type Vector3 } from '../../core/orbit/sgp4.ts';
import { TleError } from '../../core/orbit/tle.ts';
import { WorkerPool, WorkerTaskError } from './pool.ts';
import { SAMPLE_WIDTH, chunksOf, sampleCount, sampleTime, type PropagationChunk, type PropagationPlan } from './plan.ts';

export type PropagationPool = WorkerPool<PropagationChunk, Float64Array>;

export function createPropagationPool(size: number, options: { onCrash?: (error: Error) => void } = {}): PropagationPool {
  return new WorkerPool<PropagationChunk, Float64Array>(new URL('./worker.ts', import.meta.url), size, options);
}

export interface Sample {
  time: string;
  positionKm: Vector3;
  velocityKmS: Vector3;
  latitudeDeg: number;
  longitudeDeg: number;
  altitudeKm: number;
}

/** The API's form of a propagation result. */
export interface PropagationResult {
  frame: 'TEME';
  samples: Sample[];
}

/** The states as computed: SAMPLE_WIDTH numbers per sample, in time order, on the plan's time grid. */
export interface StateTable {
  fromMs: number;
  stepMs: number;
  count: number;
  values: Float64Array;
}

/** Errors from a worker come back as WorkerTaskError; the orbit ones are rebuilt as themselves. */
function rebuild(error: unknown): unknown {
  if (!(error instanceof WorkerTaskError)) return error;
  const d = error.details;
  if (error.name === 'Sgp4Error') return new Sgp4Error(Number(d.code), String(d.satnum), Number(d.minutesSinceEpoch));
  if (error.name === 'TleError') return new TleError(d.problems as string[]);
  return error;
}

/**
 * Propagates the plan, reporting the fraction of samples done (0 first, 1 last) as
 * chunks complete. Throws the error of the earliest failing chunk, e.g. an Sgp4Error
 * from the first sample at which SGP4 gives up; no further chunks start after one fails.
 */
export async function propagateOnPool(pool: PropagationPool, plan: PropagationPlan, onProgress?: (fraction: number) => void): Promise<StateTable> {
  const chunks = chunksOf(plan);
  const count = sampleCount(plan.fromMs, plan.toMs, plan.stepMs);
  const values = new Float64Array(count * SAMPLE_WIDTH);
  const failures = new Map<number, unknown>();
  let next = 0;
  let done = 0;
  onProgress?.(0);

  // Each lane keeps one chunk in flight; lanes stop taking chunks once any has failed,
  // and every chunk before a failed one has already started, so the earliest failure is known.
  const lane = async (): Promise<void> => {
    while (failures.size === 0 && next < chunks.length) {
      const index = next++;
      const chunk = chunks[index];
      try {
        values.set(await pool.run(chunk), chunk.first * SAMPLE_WIDTH);
        done += chunk.count;
        onProgress?.(done / count);
      } catch (error) {
        failures.set(index, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(pool.size, chunks.length) }, lane));
  if (failures.size) throw rebuild(failures.get(Math.min(...failures.keys())));
  return { fromMs: plan.fromMs, stepMs: plan.stepMs, count, values };
}

export function toResult(table: StateTable): PropagationResult {
  const v = table.values;
  const samples: Sample[] = new Array(table.count);
  for (let i = 0; i < table.count; i++) {
    const o = i * SAMPLE_WIDTH;
    samples[i] = {
      time: new Date(sampleTime(table, i)).toISOString(),
      positionKm: [v[o], v[o + 1], v[o + 2]],
      velocityKmS: [v[o + 3], v[o + 4], v[o + 5]],
      latitudeDeg: v[o + 6],
      longitudeDeg: v[o + 7],
      altitudeKm: v[o + 8],
    };
  }
  return { frame: 'TEME', samples };
}
