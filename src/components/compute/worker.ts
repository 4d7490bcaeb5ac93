/**
 * Worker thread of the compute pool: propagates one chunk of samples per message and
 * answers with a transferable Float64Array, or with the error that stopped it.
 */
import { parentPort } from 'node:worker_threads';
import { createPropagator, Sgp4Error, type StateVector } from '../../core/orbit/sgp4.ts';
import { TleError } from '../../core/orbit/tle.ts';
import { SAMPLE_WIDTH, sampleTime, type PropagationChunk } from './plan.ts';
import type { ReadyMessage, SerializedError, TaskReply, TaskRequest } from './worker-protocol.ts';

if (!parentPort) throw new Error('worker.ts runs as a worker thread of the compute pool');
const port = parentPort;

// Consecutive chunks of one job share their element set; initialising SGP4 once per set saves the deep-space setup.
let cached: { key: string; propagate: (time: Date) => StateVector } | undefined;

function propagatorFor(line1: string, line2: string): (time: Date) => StateVector {
  const key = `${line1}\n${line2}`;
  if (cached?.key !== key) cached = { key, propagate: createPropagator(line1, line2) };
  return cached.propagate;
}

function run(chunk: PropagationChunk): Float64Array {
  const propagate = propagatorFor(chunk.line1, chunk.line2);
  const out = new Float64Array(chunk.count * SAMPLE_WIDTH);
  for (let i = 0; i < chunk.count; i++) {
    const s = propagate(new Date(sampleTime(chunk, chunk.first + i)));
    const o = i * SAMPLE_WIDTH;
    out[o] = s.positionKm[0];
    out[o + 1] = s.positionKm[1];
    out[o + 2] = s.positionKm[2];
    out[o + 3] = s.velocityKmS[0];
    out[o + 4] = s.velocityKmS[1];
    out[o + 5] = s.velocityKmS[2];
    out[o + 6] = s.latitudeDeg;
    out[o + 7] = s.longitudeDeg;
    out[o + 8] = s.altitudeKm;
  }
  return out;
}

function serialize(error: unknown): SerializedError {
  if (error instanceof Sgp4Error) return { name: error.name, message: error.message, code: error.code, satnum: error.satnum, minutesSinceEpoch: error.minutesSinceEpoch };
  if (error instanceof TleError) return { name: error.name, message: error.message, problems: error.problems };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

port.on('message', (request: TaskRequest<PropagationChunk>) => {
  let reply: TaskReply<Float64Array>;
  try {
    const value = run(request.input);
    reply = { id: request.id, ok: true, value };
    port.postMessage(reply, [value.buffer as ArrayBuffer]);
  } catch (error) {
    reply = { id: request.id, ok: false, error: serialize(error) };
    port.postMessage(reply);
  }
});

const ready: ReadyMessage = { ready: true };
port.postMessage(ready);
