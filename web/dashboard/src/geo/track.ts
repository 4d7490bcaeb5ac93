/** Ground tracks as drawn: cut into past and next at the present, and at the anti-meridian. */
import { wrapLongitude, type LonLat } from './projection.ts';

export interface TrackSample extends LonLat {
  /** Epoch ms. */
  time: number;
}

/**
 * Pieces of a track that never jump across the map: where consecutive points are more
 * than 180° of longitude apart the track went round the back, so it is cut there, each
 * side ending on the edge (±180) at the latitude where it crosses.
 */
export function splitAtAntimeridian(points: readonly LonLat[]): LonLat[][] {
  const pieces: LonLat[][] = [];
  let piece: LonLat[] = [];
  for (const point of points) {
    const previous = piece.at(-1);
    if (previous && Math.abs(point.lon - previous.lon) > 180) {
      const eastward = point.lon < previous.lon;
      const edge = eastward ? 180 : -180;
      // Unwrap the step, then interpolate the latitude at the edge.
      const unwrapped = point.lon + (eastward ? 360 : -360);
      const f = (edge - previous.lon) / (unwrapped - previous.lon);
      const lat = previous.lat + f * (point.lat - previous.lat);
      piece.push({ lon: edge, lat });
      pieces.push(piece);
      piece = [{ lon: -edge, lat }];
    }
    piece.push({ lon: wrapLongitude(point.lon), lat: point.lat });
  }
  if (piece.length > 1) pieces.push(piece);
  return pieces;
}

/** The samples up to `now` and from it, each sharing the point nearest the present so the two join. */
export function splitAtTime<T extends TrackSample>(samples: readonly T[], now: number): { past: T[]; next: T[] } {
  const index = samples.findIndex((s) => s.time > now);
  if (index === -1) return { past: [...samples], next: [] };
  if (index === 0) return { past: [], next: [...samples] };
  return { past: samples.slice(0, index + 1), next: samples.slice(index) };
}
