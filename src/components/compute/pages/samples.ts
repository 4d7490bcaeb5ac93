/**
 * Reading a propagation's states row by row, for the result table and the CSV download,
 * without expanding all of them into objects first.
 */
import { SAMPLE_WIDTH, sampleTime } from '../plan.ts';
import type { StateTable } from '../propagate.ts';

export interface SampleRow {
  timeMs: number;
  positionKm: [number, number, number];
  velocityKmS: [number, number, number];
  latitudeDeg: number;
  longitudeDeg: number;
  altitudeKm: number;
}

export function sampleRow(table: StateTable, index: number): SampleRow {
  const v = table.values;
  const o = index * SAMPLE_WIDTH;
  return {
    timeMs: sampleTime(table, index),
    positionKm: [v[o]!, v[o + 1]!, v[o + 2]!],
    velocityKmS: [v[o + 3]!, v[o + 4]!, v[o + 5]!],
    latitudeDeg: v[o + 6]!,
    longitudeDeg: v[o + 7]!,
    altitudeKm: v[o + 8]!,
  };
}

export const CSV_HEADER = 'time,latitude_deg,longitude_deg,altitude_km,x_km,y_km,z_km,vx_km_s,vy_km_s,vz_km_s';

/** The states as CSV text, a header line first, in pieces of `rowsPerPiece` lines for a stream. */
export function* csvPieces(table: StateTable, rowsPerPiece = 2000): Generator<string> {
  yield `${CSV_HEADER}\n`;
  for (let first = 0; first < table.count; first += rowsPerPiece) {
    let piece = '';
    for (let i = first; i < Math.min(table.count, first + rowsPerPiece); i++) {
      const r = sampleRow(table, i);
      piece += `${new Date(r.timeMs).toISOString()},${r.latitudeDeg},${r.longitudeDeg},${r.altitudeKm},${r.positionKm.join(',')},${r.velocityKmS.join(',')}\n`;
    }
    yield piece;
  }
}
