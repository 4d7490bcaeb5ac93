/**
 * The propagation maths of orbit.propagate: one chunk of samples through SGP4/SDP4 in a
 * worker thread, and the states read back as samples.
 */
import { createPropagator, type StateVector, type Vector3 } from '../../core/orbit/sgp4.ts';
import { SAMPLE_WIDTH, sampleTime, type PropagationChunk } from './plan.ts';

export interface Sample {
  time: string;
  positionKm: Vector3;
  velocityKmS: Vector3;
  latitudeDeg: number;
  longitudeDeg: number;
  altitudeKm: number;
}

/** The states as computed: SAMPLE_WIDTH numbers per sample, in time order, on the plan's time grid. */
export interface StateTable {
  fromMs: number;
  stepMs: number;
  count: number;
  values: Float64Array;
}

// Consecutive chunks of one job share their element set; initialising SGP4 once per set saves the deep-space setup.
let cached: { key: string; propagate: (time: Date) => StateVector } | undefined;

function propagatorFor(line1: string, line2: string): (time: Date) => StateVector {
  const key = `${line1}\n${line2}`;
  if (cached?.key !== key) cached = { key, propagate: createPropagator(line1, line2) };
  return cached.propagate;
}

/** SAMPLE_WIDTH numbers per sample of the chunk; throws the Sgp4Error of the first sample SGP4 gives up on. */
export function propagateChunk(chunk: PropagationChunk): Float64Array {
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

/** Sample `index` of the table, as the API writes it; `offset` is the table's first sample in the job, for a table of one part. */
export function sampleOf(table: StateTable, index: number, offset = 0): Sample {
  const v = table.values;
  const o = index * SAMPLE_WIDTH;
  return {
    time: new Date(sampleTime(table, offset + index)).toISOString(),
    positionKm: [v[o]!, v[o + 1]!, v[o + 2]!],
    velocityKmS: [v[o + 3]!, v[o + 4]!, v[o + 5]!],
    latitudeDeg: v[o + 6]!,
    longitudeDeg: v[o + 7]!,
    altitudeKm: v[o + 8]!,
  };
}
