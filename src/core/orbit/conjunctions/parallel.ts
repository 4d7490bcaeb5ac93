/**
 * The screening spread over worker threads. The window is cut into more slices than
 * threads (a busy core then delays one short slice, not half the work) and each thread
 * takes the next slice when it finishes one. Every thread prepares the whole catalogue,
 * so it can propagate any object; slices share nothing but the plan, and encounters
 * that straddle a slice boundary are merged with the rest.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { makePlan, sliceWindow, type ScreeningOptions, type ScreeningPlan, type Slice } from './plan.ts';
import { prepareObjects, type ElementSet } from './objects.ts';
import type { SliceResult } from './sieve.ts';
import { assembleResult, type ScreeningResult } from './screen.ts';

export interface WorkerData {
  sets: ElementSet[];
  fromMs: number;
  toMs: number;
}

export interface WorkerRequest {
  id: number;
  plan: ScreeningPlan;
  slice: Slice;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: SliceResult }
  | { type: 'error'; id: number; message: string };

export interface ParallelOptions {
  /** Worker threads (default: the cores available). */
  threads?: number;
  /** Slices per thread (default 3). */
  slicesPerThread?: number;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

/** Screens the element sets against each other over [fromMs, toMs] on worker threads. */
export async function screenConjunctionsInParallel(sets: readonly ElementSet[], options: ScreeningOptions, parallel: ParallelOptions = {}): Promise<ScreeningResult> {
  const threads = Math.max(1, parallel.threads ?? availableParallelism());
  const data: WorkerData = { sets: sets.map((s) => ({ ...(s.name ? { name: s.name } : {}), line1: s.line1, line2: s.line2 })), fromMs: options.fromMs, toMs: options.toMs };
  // The workers prepare their copies of the catalogue while this thread prepares its own.
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_URL, { workerData: data }));
  try {
    const { objects, failures } = prepareObjects(sets, options.fromMs, options.toMs);
    const plan = makePlan(options, objects);
    const slices = sliceWindow(plan, threads * (parallel.slicesPerThread ?? 3));
    const results = await runSlices(workers, plan, slices);
    return assembleResult(sets, objects, failures, plan, options, results);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function runSlices(workers: Worker[], plan: ScreeningPlan, slices: Slice[]): Promise<SliceResult[]> {
  return new Promise((resolve, reject) => {
    const results: SliceResult[] = new Array(slices.length);
    let next = 0;
    let done = 0;
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    const give = (worker: Worker): void => {
      if (next >= slices.length) return;
      const id = next++;
      worker.postMessage({ id, plan, slice: slices[id] } satisfies WorkerRequest);
    };
    for (const worker of workers) {
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'error') return fail(new Error(`conjunction screening failed in a worker: ${reply.message}`));
        if (reply.type === 'result') {
          results[reply.id] = reply.result;
          if (++done === slices.length) return resolve(results);
        }
        give(worker);
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (done < slices.length) fail(new Error(`a conjunction screening worker exited with code ${code}`));
      });
    }
  });
}
