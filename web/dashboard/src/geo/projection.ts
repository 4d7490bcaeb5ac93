/** Equirectangular (plate carrée) projection: longitude and latitude map linearly onto x and y. */

export interface LonLat {
  lon: number;
  lat: number;
}

/** Pixel position of a point on a map `width` × `height` spanning -180..180 and 90..-90. */
export function project(point: LonLat, width: number, height: number): [number, number] {
  return [((point.lon + 180) / 360) * width, ((90 - point.lat) / 180) * height];
}

/** Longitude brought into [-180, 180). */
export function wrapLongitude(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}
