/** Painting the ground-track map on a canvas, layer by layer, back to front. */
import type { Severity } from '../../api.ts';
import type { Ring } from '../../../../../src/core/geo/land.ts';
import { project, splitAtAntimeridian, type LonLat } from '../../../../../src/core/geo/equirectangular.ts';
import { splitAtTime, type TrackSample } from '../../geo/track.ts';

export interface Marker extends LonLat {
  id: string;
  label: string;
  health?: Severity;
}

export interface MapScene {
  land: Ring[] | undefined;
  night: LonLat[];
  sun: LonLat;
  tracks: ReadonlyMap<string, TrackSample[]>;
  markers: Marker[];
  now: number;
}

const COLOURS = {
  ocean: '#0a1828',
  grid: 'rgba(157, 167, 179, 0.18)',
  land: '#33475e',
  coast: '#4d6784',
  night: 'rgba(0, 0, 0, 0.45)',
  sun: '#f2cc60',
  past: 'rgba(88, 166, 255, 0.45)',
  next: '#58a6ff',
  marker: '#e6edf3',
  critical: '#f85149',
  warning: '#d29922',
  label: '#e6edf3',
  halo: '#0d1117',
};

const GRATICULE_STEP = 30;
const MARKER_RADIUS = 5;

function path(ctx: CanvasRenderingContext2D, points: readonly LonLat[], width: number, height: number): void {
  points.forEach((p, i) => {
    const [x, y] = project(p, width, height);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
}

function drawGraticule(ctx: CanvasRenderingContext2D, width: number, height: number): void {
  ctx.beginPath();
  for (let lon = -180; lon <= 180; lon += GRATICULE_STEP) path(ctx, [{ lon, lat: -90 }, { lon, lat: 90 }], width, height);
  for (let lat = -90; lat <= 90; lat += GRATICULE_STEP) path(ctx, [{ lon: -180, lat }, { lon: 180, lat }], width, height);
  ctx.strokeStyle = COLOURS.grid;
  ctx.lineWidth = 1;
  ctx.stroke();
}

function drawLand(ctx: CanvasRenderingContext2D, land: Ring[], width: number, height: number): void {
  ctx.beginPath();
  for (const ring of land) {
    path(ctx, ring.map(([lon, lat]) => ({ lon, lat })), width, height);
    ctx.closePath();
  }
  ctx.fillStyle = COLOURS.land;
  ctx.fill('evenodd');
  ctx.strokeStyle = COLOURS.coast;
  ctx.lineWidth = 0.6;
  ctx.stroke();
}

function drawTrack(ctx: CanvasRenderingContext2D, samples: readonly LonLat[], colour: string, lineWidth: number, width: number, height: number): void {
  ctx.beginPath();
  for (const piece of splitAtAntimeridian(samples)) path(ctx, piece, width, height);
  ctx.strokeStyle = colour;
  ctx.lineWidth = lineWidth;
  ctx.stroke();
}

function drawMarker(ctx: CanvasRenderingContext2D, marker: Marker, width: number, height: number): void {
  const [x, y] = project(marker, width, height);
  ctx.beginPath();
  ctx.arc(x, y, MARKER_RADIUS, 0, 2 * Math.PI);
  ctx.fillStyle = marker.health ? COLOURS[marker.health] : COLOURS.marker;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = COLOURS.halo;
  ctx.stroke();
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const LABEL_HEIGHT = 14;
const overlaps = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** Labels beside their markers, moved down a line while they would cover one already placed. */
function drawLabels(ctx: CanvasRenderingContext2D, markers: readonly Marker[], width: number, height: number): void {
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 3;
  const placed: Box[] = [];
  for (const marker of markers) {
    const [x, y] = project(marker, width, height);
    const textWidth = ctx.measureText(marker.label).width;
    // Near the right edge the label goes to the left of its marker, to stay on the map.
    const right = x + MARKER_RADIUS + 4 + textWidth < width;
    const left = right ? x + MARKER_RADIUS + 4 : x - MARKER_RADIUS - 4 - textWidth;
    let top = y - LABEL_HEIGHT / 2;
    let box: Box = { left, top, right: left + textWidth, bottom: top + LABEL_HEIGHT };
    while (placed.some((p) => overlaps(p, box))) {
      top += LABEL_HEIGHT;
      box = { ...box, top, bottom: top + LABEL_HEIGHT };
    }
    placed.push(box);
    ctx.textAlign = 'left';
    ctx.strokeStyle = COLOURS.halo;
    ctx.strokeText(marker.label, left, top + LABEL_HEIGHT / 2);
    ctx.fillStyle = COLOURS.label;
    ctx.fillText(marker.label, left, top + LABEL_HEIGHT / 2);
  }
}

export function drawMap(ctx: CanvasRenderingContext2D, scene: MapScene, width: number, height: number): void {
  ctx.fillStyle = COLOURS.ocean;
  ctx.fillRect(0, 0, width, height);
  if (scene.land) drawLand(ctx, scene.land, width, height);
  drawGraticule(ctx, width, height);

  ctx.beginPath();
  path(ctx, scene.night, width, height);
  ctx.closePath();
  ctx.fillStyle = COLOURS.night;
  ctx.fill();

  const [sx, sy] = project(scene.sun, width, height);
  ctx.beginPath();
  ctx.arc(sx, sy, 6, 0, 2 * Math.PI);
  ctx.fillStyle = COLOURS.sun;
  ctx.fill();

  for (const samples of scene.tracks.values()) {
    const { past, next } = splitAtTime(samples, scene.now);
    drawTrack(ctx, past, COLOURS.past, 1.5, width, height);
    drawTrack(ctx, next, COLOURS.next, 2, width, height);
  }
  for (const marker of scene.markers) drawMarker(ctx, marker, width, height);
  drawLabels(ctx, scene.markers, width, height);
}

/** The marker under a point of the canvas, if any. */
export function markerAt(markers: readonly Marker[], x: number, y: number, width: number, height: number): Marker | undefined {
  let best: Marker | undefined;
  let bestDistance = (MARKER_RADIUS + 6) ** 2;
  for (const m of markers) {
    const [mx, my] = project(m, width, height);
    const d = (mx - x) ** 2 + (my - y) ** 2;
    if (d <= bestDistance) {
      best = m;
      bestDistance = d;
    }
  }
  return best;
}
