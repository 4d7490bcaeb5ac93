/**
 * A screening thread: prepares the catalogue it is given, then screens the slices the
 * parent sends, one at a time, until the parent closes it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareObjects } from './objects.ts';
import { screenSlice } from './sieve.ts';
import type { WorkerData, WorkerReply, WorkerRequest } from './parallel.ts';

const port = parentPort;
if (!port) throw new Error('the screening worker runs as a worker thread');
const data = workerData as WorkerData;
const { objects } = prepareObjects(data.sets, data.fromMs, data.toMs);
port.postMessage({ type: 'ready' } satisfies WorkerReply);
port.on('message', (request: WorkerRequest) => {
  try {
    const result = screenSlice(objects, request.plan, request.slice);
    port.postMessage({ type: 'result', id: request.id, result } satisfies WorkerReply);
  } catch (error) {
    port.postMessage({ type: 'error', id: request.id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerReply);
  }
});
