/**
 * A string or boolean channel as a band of coloured segments, one per run of equal
 * readings, on the same time axis as the plots; a legend names the colours.
 */
import { useEffect, useRef, useState } from 'react';
import type { Channel } from '../../api.ts';
import { stateColour, stateSegments, type StateValue } from '../../data/states.ts';
import type { TelemetryModel } from './telemetry-model.ts';

const HEIGHT = 28;

export function StateTimeline({ model, channel }: { model: TelemetryModel; channel: Channel }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [legend, setLegend] = useState<{ value: StateValue; colour: string }[]>([]);
  const [current, setCurrent] = useState<string>('no data');

  useEffect(() => {
    const canvas = canvasRef.current!;
    let legendKey = '';
    return model.onFrame((span, now) => {
      const p = model.plotted.get(channel.name);
      if (!p?.states) return;
      const dpr = devicePixelRatio;
      const width = canvas.clientWidth;
      if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
      canvas.height = HEIGHT * dpr;
      const ctx = canvas.getContext('2d')!;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, width, HEIGHT);
      const area = model.plotArea.width ? model.plotArea : { left: 0, width };
      const x = (t: number) => area.left + ((t - span.from) / (span.to - span.from)) * area.width;
      const segments = stateSegments(p.buffer.times, p.buffer.values, span.from, span.to, now);
      ctx.font = '12px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      for (const s of segments) {
        const value = p.states.value(s.code);
        const x0 = Math.max(area.left, x(s.start));
        const x1 = Math.min(area.left + area.width, x(s.end));
        if (x1 <= x0) continue;
        const colour = stateColour(value, s.code);
        ctx.fillStyle = colour.fill;
        ctx.fillRect(x0, 2, x1 - x0, HEIGHT - 4);
        const label = String(value);
        if (ctx.measureText(label).width + 8 < x1 - x0) {
          ctx.fillStyle = colour.text;
          ctx.fillText(label, x0 + 4, HEIGHT / 2);
        }
      }
      const seen = [...new Set(segments.map((s) => s.code))];
      const key = seen.join(',');
      if (key !== legendKey) {
        legendKey = key;
        setLegend(seen.map((code) => ({ value: p.states!.value(code)!, colour: stateColour(p.states!.value(code), code).fill })));
      }
      const last = segments.at(-1);
      setCurrent(last ? String(p.states.value(last.code)) : 'no data');
    });
  }, [model, channel]);

  return (
    <section className="sc-timeline" aria-labelledby={`timeline-${channel.name}`}>
      <h3 id={`timeline-${channel.name}`} title={channel.description}>{channel.name}</h3>
      <canvas ref={canvasRef} data-channel={channel.name} height={HEIGHT} role="img" aria-label={`${channel.name} over time; latest shown: ${current}`} />
      <ul className="sc-legend" aria-label={`${channel.name} states`}>
        {legend.map((l) => (
          <li key={String(l.value)}><span className="swatch" style={{ background: l.colour }} aria-hidden="true" />{String(l.value)}</li>
        ))}
      </ul>
    </section>
  );
}
