/** The spacecraft view's controls: channels to plot, the time range, pause, pan and zoom. */
import { useState, useSyncExternalStore, type FormEvent } from 'react';
import type { Channel } from '../../api.ts';
import { RANGE_PRESETS, type TimeRange } from '../../data/view-query.ts';
import type { TelemetryModel } from './telemetry-model.ts';

export function ChannelPicker({ channels, selected, onChange }: { channels: Channel[]; selected: string[]; onChange(names: string[]): void }) {
  const toggle = (name: string, on: boolean) => {
    const set = new Set(selected);
    if (on) set.add(name);
    else set.delete(name);
    // Keep the catalogue's order, so the URL and the page read the same way.
    onChange(channels.map((c) => c.name).filter((n) => set.has(n)));
  };
  return (
    <details className="sc-picker">
      <summary>Channels ({selected.length} of {channels.length})</summary>
      <fieldset>
        <legend className="visually-hidden">Channels to plot</legend>
        {channels.map((c) => (
          <label key={c.name} title={c.description}>
            <input type="checkbox" checked={selected.includes(c.name)} onChange={(e) => toggle(c.name, e.target.checked)} />
            {c.name}
            <span className="muted"> {c.type === 'number' ? (c.unit ?? '') : c.type}</span>
          </label>
        ))}
      </fieldset>
    </details>
  );
}

/** `datetime-local` values read and written as UTC: flight operations run on UTC. */
const toInput = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const fromInput = (text: string) => Date.parse(`${text}Z`);

export function RangePicker({ range, onChange, model }: { range: TimeRange; onChange(range: TimeRange): void; model: TelemetryModel }) {
  const [custom, setCustom] = useState(range.kind === 'fixed');
  const [from, setFrom] = useState(range.kind === 'fixed' ? toInput(range.from) : '');
  const [to, setTo] = useState(range.kind === 'fixed' ? toInput(range.to) : '');
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const f = fromInput(from);
    const t = fromInput(to);
    if (Number.isFinite(f) && Number.isFinite(t) && f < t) onChange({ kind: 'fixed', from: f, to: t });
  };
  return (
    <form className="sc-range" onSubmit={apply}>
      <label>
        Range{' '}
        <select
          value={custom ? 'custom' : range.kind === 'preset' ? range.preset : 'custom'}
          onChange={(e) => {
            const value = e.target.value;
            if (value === 'custom') {
              // Start from what is on screen.
              const shown = model.shownSpan();
              setFrom(toInput(shown.from));
              setTo(toInput(shown.to));
              setCustom(true);
            } else {
              setCustom(false);
              onChange({ kind: 'preset', preset: value as (typeof RANGE_PRESETS)[number] });
            }
          }}
        >
          {RANGE_PRESETS.map((p) => <option key={p} value={p}>last {p}</option>)}
          <option value="custom">custom…</option>
        </select>
      </label>
      {custom && (
        <>
          <label>From (UTC) <input type="datetime-local" step="1" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
          <label>To (UTC) <input type="datetime-local" step="1" value={to} onChange={(e) => setTo(e.target.value)} /></label>
          <button type="submit">Show</button>
        </>
      )}
    </form>
  );
}

export function PlotControls({ model }: { model: TelemetryModel }) {
  const controls = useSyncExternalStore(model.subscribeControls, () => model.controls);
  return (
    <div className="sc-controls" role="group" aria-label="Plot controls">
      <button type="button" aria-pressed={controls.paused} onClick={() => model.setPaused(!controls.paused)}>
        {controls.paused ? 'Resume' : 'Pause'}
      </button>
      <button type="button" onClick={() => model.pan(-0.25)} aria-label="Pan back in time">◀</button>
      <button type="button" onClick={() => model.pan(0.25)} aria-label="Pan forward in time">▶</button>
      <button type="button" onClick={() => model.zoomBy(0.5)} aria-label="Zoom in">+</button>
      <button type="button" onClick={() => model.zoomBy(2)} aria-label="Zoom out">−</button>
      <button type="button" onClick={() => model.zoomTo(undefined)} disabled={!controls.zoom}>Reset zoom</button>
      <span className="muted" role="status">
        {[controls.loading ? 'loading history…' : '', controls.paused ? 'paused' : '', controls.zoom ? 'zoomed' : ''].filter(Boolean).join(' · ')}
      </span>
    </div>
  );
}
