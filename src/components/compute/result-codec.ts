/**
 * How a propagation result is kept in jobs.result. A 100,000-sample result is ~28 MB
 * as JSON numbers, which PGlite takes seconds to parse into jsonb on the main thread;
 * as raw float64 in base64 it is ~9.6 MB of one string and stores in a fraction of
 * that. The API expands it to samples when it is read.
 */
import { SAMPLE_WIDTH } from './plan.ts';
import type { StateTable } from './propagate.ts';

export const STORED_LAYOUT = 'float64le-base64:x,y,z,vx,vy,vz,latitudeDeg,longitudeDeg,altitudeKm';

export interface StoredStates {
  frame: 'TEME';
  layout: typeof STORED_LAYOUT;
  fromMs: number;
  stepMs: number;
  count: number;
  values: string;
}

export function encodeStates(table: StateTable): StoredStates {
  const bytes = Buffer.from(table.values.buffer, table.values.byteOffset, table.values.byteLength);
  return { frame: 'TEME', layout: STORED_LAYOUT, fromMs: table.fromMs, stepMs: table.stepMs, count: table.count, values: bytes.toString('base64') };
}

export function isStoredStates(value: unknown): value is StoredStates {
  return typeof value === 'object' && value !== null && (value as StoredStates).layout === STORED_LAYOUT;
}

export function decodeStates(stored: StoredStates): StateTable {
  const bytes = Buffer.from(stored.values, 'base64');
  if (bytes.byteLength !== stored.count * SAMPLE_WIDTH * 8) throw new Error(`stored result holds ${bytes.byteLength} bytes, expected ${stored.count * SAMPLE_WIDTH * 8}`);
  // Copied: a Buffer's offset in its pool need not be 8-byte aligned.
  const values = new Float64Array(stored.count * SAMPLE_WIDTH);
  new Uint8Array(values.buffer).set(bytes);
  return { fromMs: stored.fromMs, stepMs: stored.stepMs, count: stored.count, values };
}
