/**
 * Maps in the equirectangular (plate carrée) projection: longitude and latitude drawn
 * straight onto a rectangle. Used by the dashboard's canvas and the console's SVG alike.
 */

export interface LonLat {
  lon: number;
  lat: number;
}

/** Position of a point on a map `width` × `height` spanning longitude −180..180 and latitude 90..−90. */
export function project(point: LonLat, width: number, height: number): [number, number] {
  return [((point.lon + 180) / 360) * width, ((90 - point.lat) / 180) * height];
}

/** Longitude brought into [-180, 180). */
export function wrapLongitude(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
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
    // Compared wrapped, so a point at +180 (that is, -180) is a crossing like any other.
    const lon = wrapLongitude(point.lon);
    const previous = piece.at(-1);
    if (previous && Math.abs(lon - previous.lon) > 180) {
      const eastward = lon < previous.lon;
      const edge = eastward ? 180 : -180;
      // Unwrap the step, then interpolate the latitude at the edge.
      const unwrapped = lon + (eastward ? 360 : -360);
      const f = (edge - previous.lon) / (unwrapped - previous.lon);
      const lat = previous.lat + f * (point.lat - previous.lat);
      piece.push({ lon: edge, lat });
      pieces.push(piece);
      piece = [{ lon: -edge, lat }];
    }
    piece.push({ lon, lat: point.lat });
  }
  if (piece.length > 1) pieces.push(piece);
  return pieces;
}
