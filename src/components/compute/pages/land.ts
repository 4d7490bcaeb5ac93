/**
 * The land outline under a ground track: Natural Earth's 1:110m land from the
 * `world-atlas` package, read once. Rings that cross the anti-meridian are unwrapped to
 * run on past ±180° (the map draws them again one map-width left and right, clipped by
 * its frame); a ring that circles a pole (Antarctica) is closed along the pole.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Topology } from 'topojson-specification';
import type { LonLat } from '../../../core/geo/equirectangular.ts';
import { landRings as ringsOf, type Ring } from '../../../core/geo/land.ts';

/** A ring with continuous longitudes; closed over the pole when it goes all the way round. */
export function unwrapRing(ring: Ring): LonLat[] {
  const out: LonLat[] = [];
  let shift = 0;
  for (const [i, [lon, lat]] of ring.entries()) {
    const prev = ring[i - 1];
    if (prev && Math.abs(lon - prev[0]) > 180) shift += lon > prev[0] ? -360 : 360;
    out.push({ lon: lon + shift, lat });
  }
  if (shift !== 0 && out.length) {
    const pole = out.reduce((sum, p) => sum + p.lat, 0) > 0 ? 90 : -90;
    out.push({ lon: out.at(-1)!.lon, lat: pole }, { lon: out[0]!.lon, lat: pole });
  }
  return out;
}

let land: LonLat[][] | undefined;

export function landRings(): LonLat[][] {
  if (land) return land;
  const file = createRequire(import.meta.url).resolve('world-atlas/land-110m.json');
  land = ringsOf(JSON.parse(readFileSync(file, 'utf8')) as Topology).map(unwrapRing);
  return land;
}
