/**
 * Worker thread of the compute pool: runs one chunk of a job per message with its job
 * type's `run`, and answers with the output (its typed arrays transferred, not copied)
 * or with the error that stopped it.
 */
import { parentPort } from 'node:worker_threads';
import { Sgp4Error } from '../../core/orbit/sgp4.ts';
import { TleError } from '../../core/orbit/tle.ts';
import { jobKind } from './jobs/index.ts';
import type { ChunkTask } from './runner-chunks.ts';
import type { ReadyMessage, SerializedError, TaskReply, TaskRequest } from './worker-protocol.ts';

if (!parentPort) throw new Error('worker.ts runs as a worker thread of the compute pool');
const port = parentPort;

function run({ type, chunk }: ChunkTask): unknown {
  const kind = jobKind(type);
  if (!kind) throw new Error(`job type "${type}" is not known to this worker`);
  return kind.run(chunk);
}

/** The buffers of the typed arrays in an output (itself, or its fields), to transfer. */
function transferables(value: unknown): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (v: unknown) => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) buffers.add(v.buffer);
  };
  add(value);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) for (const v of Object.values(value)) add(v);
  return [...buffers];
}

function serialize(error: unknown): SerializedError {
  if (error instanceof Sgp4Error) return { name: error.name, message: error.message, code: error.code, satnum: error.satnum, minutesSinceEpoch: error.minutesSinceEpoch };
  if (error instanceof TleError) return { name: error.name, message: error.message, problems: error.problems };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

port.on('message', (request: TaskRequest<ChunkTask>) => {
  let reply: TaskReply<unknown>;
  try {
    const value = run(request.input);
    reply = { id: request.id, ok: true, value };
    port.postMessage(reply, transferables(value));
  } catch (error) {
    reply = { id: request.id, ok: false, error: serialize(error) };
    port.postMessage(reply);
  }
});

const ready: ReadyMessage = { ready: true };
port.postMessage(ready);
