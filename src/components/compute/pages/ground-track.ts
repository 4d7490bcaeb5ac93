/**
 * A ground track as server-rendered SVG: longitude and latitude drawn straight onto a
 * rectangle (equirectangular), with a graticule every 30°. Where the track crosses the
 * anti-meridian the line is cut, each half running to the map's edge at the latitude it
 * crosses at, instead of a stroke across the whole map.
 */
import { project as projectOnto, splitAtAntimeridian, type LonLat } from '../../../core/geo/equirectangular.ts';
import { html, type Html } from '../../../platform/html/html.ts';

export const MAP = { width: 720, height: 360 } as const;

/** Map coordinates of a point on the SVG's rectangle. */
export const project = (p: LonLat): [number, number] => projectOnto(p, MAP.width, MAP.height);

/** At most `max` points, evenly spaced, keeping the first and the last: an SVG of 100,000 points would be megabytes. */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}

const coords = (run: readonly LonLat[]) => run.map((p) => project(p).map((v) => v.toFixed(1)).join(',')).join(' ');

function graticule(): Html {
  const lines: Html[] = [];
  for (let lon = -150; lon <= 150; lon += 30) {
    const [x] = project({ lat: 0, lon });
    lines.push(html`<line x1="${x}" y1="0" x2="${x}" y2="${MAP.height}"${lon === 0 ? html` class="prime"` : ''}/>`);
  }
  for (let lat = -60; lat <= 60; lat += 30) {
    const [, y] = project({ lat, lon: 0 });
    lines.push(html`<line x1="0" y1="${y}" x2="${MAP.width}" y2="${y}"${lat === 0 ? html` class="prime"` : ''}/>`);
  }
  return html`<g class="graticule">${lines}</g>`;
}

export interface GroundTrackOptions {
  /** Read by assistive technology as the figure's name. */
  title: string;
  description: string;
  /** Land as rings of points, drawn under the track; a ring may run past ±180° (it is drawn a map-width left and right as well). */
  land?: readonly (readonly LonLat[])[];
  maxPoints?: number;
}

export function groundTrackSvg(points: readonly LonLat[], o: GroundTrackOptions): Html {
  const runs = splitAtAntimeridian(thin(points, o.maxPoints ?? 2000));
  const start = points[0];
  const [sx, sy] = start ? project(start) : [0, 0];
  return html`<svg class="ground-track" viewBox="0 0 ${MAP.width} ${MAP.height}" role="img" aria-labelledby="track-title track-desc" xmlns="http://www.w3.org/2000/svg">
<title id="track-title">${o.title}</title>
<desc id="track-desc">${o.description}</desc>
<rect class="ocean" width="${MAP.width}" height="${MAP.height}"/>
${o.land ? html`<g id="land" class="land">${o.land.map((ring) => html`<polygon points="${coords(ring)}"/>`)}</g><use href="#land" x="${-MAP.width}"/><use href="#land" x="${MAP.width}"/>` : ''}
${graticule()}
<g class="track">${runs.map((run) => html`<polyline points="${coords(run)}"/>`)}</g>
${start ? html`<circle class="track-start" cx="${sx.toFixed(1)}" cy="${sy.toFixed(1)}" r="4"/>` : ''}
</svg>`;
}
