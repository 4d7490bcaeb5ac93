/**
 * One numeric channel plotted with uPlot. The plot redraws on the model's animation
 * frames only, from views of the channel's typed arrays (thinned to four points per pixel
 * column when denser); React renders the frame once.
 * Drag across it to zoom, shift+drag to pan; with focus, arrow keys pan, + and - zoom,
 * Escape resets.
 */
import { useEffect, useRef, type KeyboardEvent } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Channel } from '../../api.ts';
import { decimate, type Decimated } from '../../data/decimate.ts';
import { lowerBound } from '../../data/series.ts';
import { markFirstPoint } from './first-point.ts';
import { plotOptions } from './plot-options.ts';
import type { TelemetryModel } from './telemetry-model.ts';

const HEIGHT = 180;

export function TimePlot({ model, channel }: { model: TelemetryModel; channel: Channel }) {
  const frameRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const frame = frameRef.current!;
    const target = canvasRef.current!;
    let plot: uPlot | undefined;
    let envelope = false;
    const thinned: Decimated = { times: new Float64Array(0), values: new Float64Array(0), length: 0 };
    const create = (withEnvelope: boolean) => {
      plot?.destroy();
      envelope = withEnvelope;
      const options = plotOptions({ channel, width: target.clientWidth, height: HEIGHT, envelope, onSelect: (from, to) => model.zoomTo({ from, to }) });
      plot = new uPlot(options, envelope ? [[], [], [], []] : [[], []], target);
    };
    create(false);

    const offFrame = model.onFrame((span) => {
      const p = model.plotted.get(channel.name);
      if (!p || !plot) return;
      if (p.aggregated !== envelope) create(p.aggregated);
      const b = p.buffer;
      const u = plot!;
      const first = lowerBound(b.times, span.from);
      const end = lowerBound(b.times, span.to);
      // One point either side of the window, so lines run to its edges.
      const lo = Math.max(0, first - 1);
      const hi = Math.min(b.length, end + 1);
      const columns = Math.max(1, Math.round(u.bbox.width));
      let data: uPlot.AlignedData;
      if (envelope) data = [b.times.subarray(lo, hi), b.values.subarray(lo, hi), b.mins.subarray(lo, hi), b.maxs.subarray(lo, hi)];
      else if (hi - lo <= 4 * columns) data = [b.times.subarray(lo, hi), b.values.subarray(lo, hi)];
      else {
        decimate(b.times, b.values, lo, hi, span.from, span.to, columns, thinned);
        data = [thinned.times.subarray(0, thinned.length), thinned.values.subarray(0, thinned.length)];
      }
      u.batch(() => {
        u.setData(data, false);
        u.setScale('x', { min: span.from, max: span.to });
      });
      const count = end - first;
      frame.dataset.pointCount = String(count);
      model.setPlotArea(u.bbox.left / devicePixelRatio, u.bbox.width / devicePixelRatio);
      if (count) markFirstPoint();
    });

    const resize = new ResizeObserver(() => {
      if (plot && target.clientWidth !== plot.width) {
        plot.setSize({ width: target.clientWidth, height: HEIGHT });
        model.requestFrame();
      }
    });
    resize.observe(target);

    // Shift+drag pans; caught before uPlot's own drag, which selects a span to zoom to.
    const startPan = (down: MouseEvent) => {
      if (!down.shiftKey || down.button !== 0) return;
      down.stopPropagation();
      down.preventDefault();
      const start = model.shownSpan();
      const widthPx = target.clientWidth;
      const move = (e: MouseEvent) => {
        const shift = (-(e.clientX - down.clientX) / widthPx) * (start.to - start.from);
        model.zoomTo({ from: start.from + shift, to: start.to + shift });
      };
      const end = () => {
        window.removeEventListener('mousemove', move);
        window.removeEventListener('mouseup', end);
      };
      window.addEventListener('mousemove', move);
      window.addEventListener('mouseup', end);
    };
    frame.addEventListener('mousedown', startPan, true);

    return () => {
      offFrame();
      resize.disconnect();
      frame.removeEventListener('mousedown', startPan, true);
      plot?.destroy();
    };
  }, [model, channel]);

  const onKeyDown = (e: KeyboardEvent) => {
    const action = KEYS[e.key];
    if (!action) return;
    e.preventDefault();
    action(model);
  };

  const title = `${channel.name}${channel.unit ? ` (${channel.unit})` : ''}`;
  return (
    <section className="sc-plot" aria-labelledby={`plot-${channel.name}`}>
      <h3 id={`plot-${channel.name}`} title={channel.description}>{title}</h3>
      <div
        ref={frameRef}
        className="sc-plot-frame"
        data-channel={channel.name}
        data-point-count="0"
        role="group"
        tabIndex={0}
        aria-label={`${title} plot: drag to zoom, shift+drag or arrow keys to pan, + and - to zoom, Escape to reset`}
        onKeyDown={onKeyDown}
      >
        <div ref={canvasRef} />
      </div>
    </section>
  );
}

const KEYS: Record<string, (model: TelemetryModel) => void> = {
  ArrowLeft: (m) => m.pan(-0.25),
  ArrowRight: (m) => m.pan(0.25),
  '+': (m) => m.zoomBy(0.5),
  '=': (m) => m.zoomBy(0.5),
  '-': (m) => m.zoomBy(2),
  Escape: (m) => m.zoomTo(undefined),
};
