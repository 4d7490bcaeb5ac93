/**
 * One job's chunks on the worker-thread pool: as many in flight as there are workers,
 * progress reported as chunks complete, outputs kept in chunk order. Stops taking chunks
 * once one fails or the job is cancelled (the pool drops those still queued).
 */
import type { WorkerPool } from './pool.ts';
import type { JobKind } from './kind.ts';

/** What a worker thread is asked: one chunk of a job of `type`. */
export interface ChunkTask {
  type: string;
  chunk: unknown;
}

export type ComputePool = WorkerPool<ChunkTask, unknown>;

/**
 * Runs the chunks, reporting the fraction of the work done (by the kind's weights) after
 * each. Throws the error of the earliest failing chunk: every chunk before a failed one
 * has already started, as lanes take chunks in order and stop once any has failed.
 */
export async function runChunks(
  pool: ComputePool,
  kind: JobKind,
  chunks: readonly unknown[],
  o: { signal?: AbortSignal; onProgress?(fraction: number): void } = {},
): Promise<unknown[]> {
  const weights = chunks.map((c) => kind.weight?.(c) ?? 1);
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const outputs: unknown[] = new Array(chunks.length);
  const failures = new Map<number, unknown>();
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (failures.size === 0 && !o.signal?.aborted && next < chunks.length) {
      const index = next++;
      try {
        outputs[index] = await pool.run({ type: kind.type, chunk: chunks[index] }, o.signal);
        done += weights[index]!;
        o.onProgress?.(done / total);
      } catch (error) {
        failures.set(index, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(pool.size, chunks.length) }, lane));
  if (o.signal?.aborted) throw o.signal.reason;
  if (failures.size) throw failures.get(Math.min(...failures.keys()));
  return outputs;
}
