/**
 * The history explorer's plots as server-rendered SVG, one small chart per channel on a
 * shared UTC time axis: numeric channels as a line (the mean, with the min–max band, when
 * aggregated), string and boolean channels as bands of equal state. Each chart is an image
 * with a title and a description; the tables below carry the same data.
 */
import { html, type Html } from '../../../../platform/html/html.ts';
import { stepLabel } from './range.ts';
import { bandPath, linePath, linearScale, timeTicks, valueTicks, type Scale } from './svg.ts';

export interface NumericPlot {
  kind: 'numeric';
  channel: string;
  unit?: string;
  /** Raw readings, or buckets (then `stepMs` is their width). */
  points: readonly { time: number; mean: number; min: number; max: number }[];
  stepMs?: number;
}

export interface StatePlot {
  kind: 'state';
  channel: string;
  /** Runs of equal value: from the run's first reading to the next run's first (or its own last). */
  runs: readonly { from: number; to: number; value: string }[];
  /** Whether there were more readings than were read. */
  truncated: boolean;
}

export type ChannelPlot = NumericPlot | StatePlot;

const WIDTH = 960;
const LEFT = 64;
const RIGHT = 16;
const NUMERIC_HEIGHT = 160;
const STATE_HEIGHT = 64;
const AXIS = 20;
const PALETTE_SIZE = 8;

const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

function timeAxis(x: Scale, from: number, to: number, top: number, bottom: number): Html {
  return html`<g class="axis time-axis">${timeTicks(from, to).map((t) => html`<line class="grid" x1="${x(t.time).toFixed(1)}" x2="${x(t.time).toFixed(1)}" y1="${top}" y2="${bottom}"></line><text x="${x(t.time).toFixed(1)}" y="${bottom + 14}" text-anchor="middle">${t.label}</text>`)}</g>`;
}

/** Consecutive buckets without a missing one between them: the band and line break where data is missing. */
function runsOf<T extends { time: number }>(points: readonly T[], stepMs: number | undefined): T[][] {
  const runs: T[][] = [];
  for (const p of points) {
    const run = runs.at(-1);
    const prev = run?.at(-1);
    if (run && prev && (stepMs === undefined || p.time - prev.time <= stepMs)) run.push(p);
    else runs.push([p]);
  }
  return runs;
}

export function numericChart(plot: NumericPlot, from: number, to: number): Html {
  const height = NUMERIC_HEIGHT;
  const top = 8;
  const bottom = height - AXIS;
  const lows = plot.points.map((p) => p.min);
  const highs = plot.points.map((p) => p.max);
  const min = Math.min(...lows);
  const max = Math.max(...highs);
  const ticks = valueTicks(min, max);
  const domain: [number, number] = ticks.length > 1 ? [Math.min(min, ticks[0]!), Math.max(max, ticks.at(-1)!)] : [min - 1, max + 1];
  const x = linearScale([from, to], [LEFT, WIDTH - RIGHT]);
  const y = linearScale(domain, [bottom, top]);
  const unit = plot.unit ? ` ${plot.unit}` : '';
  const what = plot.stepMs ? `mean per ${stepLabel(plot.stepMs / 1000)} bucket with its min–max band` : 'readings';
  const summary = plot.points.length
    ? `${plot.points.length} ${plot.stepMs ? 'buckets' : 'readings'}, from ${min}${unit} to ${max}${unit}, ${utc(from)} to ${utc(to)}`
    : `no readings from ${utc(from)} to ${utc(to)}`;
  const id = `plot-${plot.channel.replace(/[^\w-]/g, '-')}`;
  return html`<figure class="plot">
<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" data-channel="${plot.channel}" data-points="${plot.points.length}">
<title id="${id}-title">${plot.channel}${unit}: ${what}</title>
<desc id="${id}-desc">${summary}</desc>
${timeAxis(x, from, to, top, bottom)}
<g class="axis value-axis">${ticks.map((v) => html`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"></line><text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`)}</g>
${runsOf(plot.points, plot.stepMs).map((run) => html`${plot.stepMs ? html`<path class="band" d="${bandPath(run.map((p) => ({ x: x(p.time + plot.stepMs! / 2), high: y(p.max), low: y(p.min) })))}"></path>` : ''}
<path class="line" d="${linePath(run.map((p) => ({ x: x(plot.stepMs ? p.time + plot.stepMs / 2 : p.time), y: y(p.mean) })))}"></path>`)}
${plot.points.length === 1 ? html`<circle class="dot" cx="${x(plot.points[0]!.time).toFixed(1)}" cy="${y(plot.points[0]!.mean).toFixed(1)}" r="3"></circle>` : ''}
</svg>
<figcaption>${plot.channel}${unit}</figcaption>
</figure>`;
}

export function stateChart(plot: StatePlot, from: number, to: number): Html {
  const height = STATE_HEIGHT;
  const top = 8;
  const bottom = height - AXIS;
  const x = linearScale([from, to], [LEFT, WIDTH - RIGHT]);
  const values = [...new Set(plot.runs.map((r) => r.value))];
  const shade = (value: string) => `state-${values.indexOf(value) % PALETTE_SIZE}`;
  const id = `plot-${plot.channel.replace(/[^\w-]/g, '-')}`;
  const summary = plot.runs.length
    ? `${plot.runs.length} periods of equal state (${values.join(', ')}), ${utc(from)} to ${utc(to)}${plot.truncated ? '; only the first readings of the range are shown' : ''}`
    : `no readings from ${utc(from)} to ${utc(to)}`;
  return html`<figure class="plot">
<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" data-channel="${plot.channel}" data-points="${plot.runs.length}">
<title id="${id}-title">${plot.channel}: state over time</title>
<desc id="${id}-desc">${summary}</desc>
${timeAxis(x, from, to, top, bottom)}
${plot.runs.map((r) => {
    const x0 = x(Math.max(r.from, from));
    const w = Math.max(1, x(Math.min(r.to, to)) - x0);
    return html`<rect class="${shade(r.value)}" x="${x0.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${bottom - top}"><title>${r.value}: ${utc(r.from)} to ${utc(r.to)}</title></rect>${w > 48 ? html`<text class="state-label" x="${(x0 + 4).toFixed(1)}" y="${(top + bottom) / 2 + 4}">${r.value.slice(0, Math.floor(w / 7))}</text>` : ''}`;
  })}
</svg>
<figcaption>${plot.channel} ${values.length ? html`<span class="legend">${values.map((v) => html`<span class="swatch ${shade(v)}"></span>${v} `)}</span>` : ''}${plot.truncated ? html` <em>(first readings of the range only)</em>` : ''}</figcaption>
</figure>`;
}

export const channelChart = (plot: ChannelPlot, from: number, to: number): Html => (plot.kind === 'numeric' ? numericChart(plot, from, to) : stateChart(plot, from, to));
