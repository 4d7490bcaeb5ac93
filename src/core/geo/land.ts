/** The land outline of a world-atlas (Natural Earth) TopoJSON topology, as rings of [lon, lat]. */
import { feature } from 'topojson-client';
import type { Topology, GeometryObject } from 'topojson-specification';

export type Ring = [number, number][];

export function landRings(topology: Topology, object = 'land'): Ring[] {
  const land = feature(topology, topology.objects[object] as GeometryObject);
  const geometries = 'features' in land ? land.features.map((f) => f.geometry) : [land.geometry];
  const rings: Ring[] = [];
  for (const geometry of geometries) {
    if (geometry.type === 'Polygon') rings.push(...(geometry.coordinates as Ring[]));
    else if (geometry.type === 'MultiPolygon') for (const polygon of geometry.coordinates) rings.push(...(polygon as Ring[]));
  }
  return rings;
}
