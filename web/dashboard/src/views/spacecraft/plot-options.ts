/** uPlot settings for a channel's plot: the dark palette, units on the axis, limit bands behind the data. */
import type uPlot from 'uplot';
import type { Channel } from '../../api.ts';
import { limitBands, valueRange, type LimitBand } from '../../data/limits.ts';
import { timeTickLabels } from '../../data/time-ticks.ts';

/** Room for the value axis; state timelines leave the same gutter so times line up. */
export const AXIS_GUTTER_PX = 72;

const COLOURS = {
  text: '#9da7b3',
  grid: 'rgba(157, 167, 179, 0.12)',
  line: '#58a6ff',
  envelope: 'rgba(88, 166, 255, 0.22)',
  critical: 'rgba(248, 81, 73, 0.20)',
  warning: 'rgba(210, 153, 34, 0.18)',
  criticalEdge: 'rgba(248, 81, 73, 0.7)',
  warningEdge: 'rgba(210, 153, 34, 0.7)',
};

export interface PlotSettings {
  channel: Channel;
  width: number;
  height: number;
  /** Draw the min–max envelope of buckets under the average. */
  envelope: boolean;
  /** A span picked by dragging across the plot, in epoch ms. */
  onSelect(from: number, to: number): void;
}

export function plotOptions(s: PlotSettings): uPlot.Options {
  const bands = limitBands(s.channel.limits);
  const axis = { stroke: COLOURS.text, grid: { stroke: COLOURS.grid, width: 1 }, ticks: { stroke: COLOURS.grid, width: 1 } };
  const hidden = { stroke: 'transparent', points: { show: false } };
  return {
    width: s.width,
    height: s.height,
    ms: 1,
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
    scales: {
      // The window comes from the view (shared by every plot), not from the data.
      x: { time: true, auto: false },
      y: { range: (_u, min, max) => valueRange(min ?? Infinity, max ?? -Infinity, s.channel.limits) },
    },
    axes: [
      { ...axis, space: 90, values: (_u, ticks) => timeTickLabels(ticks) },
      { ...axis, size: AXIS_GUTTER_PX, label: s.channel.unit, labelSize: 18, labelGap: 0 },
    ],
    series: [
      {},
      { label: s.channel.name, stroke: COLOURS.line, width: 1.5, points: { show: false } },
      ...(s.envelope ? [{ label: 'min', ...hidden }, { label: 'max', ...hidden }] : []),
    ],
    bands: s.envelope ? [{ series: [3, 2], fill: COLOURS.envelope }] : [],
    hooks: {
      drawClear: [(u) => drawLimitBands(u, bands)],
      setSelect: [
        (u) => {
          const { left, width } = u.select;
          if (width > 4) s.onSelect(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'));
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        },
      ],
    },
  };
}

/** Shades the red and yellow regions of the value axis inside the plotting area. */
function drawLimitBands(u: uPlot, bands: LimitBand[]): void {
  const { ctx } = u;
  const { left, width } = u.bbox;
  const yMin = u.scales.y!.min;
  const yMax = u.scales.y!.max;
  if (yMin == null || yMax == null) return;
  ctx.save();
  for (const band of bands) {
    const low = Math.max(band.low, yMin);
    const high = Math.min(band.high, yMax);
    if (high <= low) continue;
    const y0 = u.valToPos(high, 'y', true);
    const y1 = u.valToPos(low, 'y', true);
    ctx.fillStyle = band.state === 'critical' ? COLOURS.critical : COLOURS.warning;
    ctx.fillRect(left, y0, width, y1 - y0);
    // The limits themselves, as lines, where they are in view.
    ctx.fillStyle = band.state === 'critical' ? COLOURS.criticalEdge : COLOURS.warningEdge;
    for (const limit of [band.low, band.high]) {
      if (!Number.isFinite(limit) || limit < yMin || limit > yMax) continue;
      ctx.fillRect(left, Math.round(u.valToPos(limit, 'y', true)), width, Math.max(1, devicePixelRatio));
    }
  }
  ctx.restore();
}
