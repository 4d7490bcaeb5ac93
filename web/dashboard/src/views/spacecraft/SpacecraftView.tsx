/**
 * A spacecraft's telemetry as a flight controller works it: chosen channels plotted live
 * over a time range (from the URL, so a link restores the view), string and boolean
 * channels as state timelines on the same axis, and a table of every channel's latest
 * reading.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { api, type Channel } from '../../api.ts';
import { formatViewQuery, parseViewQuery, type ViewQuery } from '../../data/view-query.ts';
import { useConnected, useTelemetry } from '../../live/hooks.ts';
import { StateTimeline } from './StateTimeline.tsx';
import { TelemetryModel } from './telemetry-model.ts';
import { TimePlot } from './TimePlot.tsx';
import { ChannelPicker, PlotControls, RangePicker } from './Toolbar.tsx';
import { ValueTable } from './ValueTable.tsx';

/** Without a choice in the URL: the first few numeric channels that have limits, and every state channel. */
const DEFAULT_PLOTS = 4;

function defaultChannels(channels: Channel[]): string[] {
  const numeric = channels.filter((c) => c.type === 'number' && c.limits && Object.keys(c.limits).length).slice(0, DEFAULT_PLOTS);
  return [...numeric, ...channels.filter((c) => c.type !== 'number')].map((c) => c.name);
}

export function SpacecraftView({ id }: { id: string }) {
  const [model] = useState(() => new TelemetryModel(id));
  const [channels, setChannels] = useState<Channel[]>();
  const [error, setError] = useState<string>();
  const search = useSearch();
  const [location, navigate] = useLocation();
  const query = useMemo(() => parseViewQuery(search), [search]);
  const plotsRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    api.channels(id, abort.signal).then(setChannels, (e: Error) => abort.signal.aborted || setError(e.message));
    api.latest(id, abort.signal).then((r) => model.setLatest(r), () => undefined);
    return () => abort.abort();
  }, [id, model]);

  useEffect(() => {
    model.start();
    return () => model.dispose();
  }, [model]);

  useTelemetry((batch) => model.ingest(batch));
  useConnected((connected) => {
    model.catchUp(connected.reconnect);
    if (connected.reconnect) api.latest(id).then((r) => model.setLatest(r), () => undefined);
  });

  const names = useMemo(() => {
    if (!channels) return [];
    const known = new Set(channels.map((c) => c.name));
    return query.channels?.filter((n) => known.has(n)) ?? defaultChannels(channels);
  }, [channels, query.channels]);
  const selected = useMemo(() => (channels ?? []).filter((c) => names.includes(c.name)), [channels, names]);
  const rangeKey = JSON.stringify(query.range);

  useEffect(() => {
    if (!channels) return;
    model.show(selected, JSON.parse(rangeKey), plotsRef.current?.clientWidth);
  }, [model, channels, selected, rangeKey]);

  const setQuery = (change: Partial<ViewQuery>) => navigate(`${location}?${formatViewQuery({ ...query, ...change })}`);

  if (error) {
    return (
      <>
        <h1>{id}</h1>
        <p role="alert">Cannot load this spacecraft: {error}</p>
      </>
    );
  }
  const numeric = selected.filter((c) => c.type === 'number');
  const states = selected.filter((c) => c.type !== 'number');
  return (
    <div className="sc-view">
      <h1>{id}</h1>
      <div className="sc-toolbar">
        {channels && <ChannelPicker channels={channels} selected={names} onChange={(n) => setQuery({ channels: n })} />}
        <RangePicker key={rangeKey} range={query.range} model={model} onChange={(range) => setQuery({ range })} />
        <PlotControls model={model} />
      </div>
      <div ref={plotsRef} className="sc-plots">
        <h2 className="visually-hidden">Plots</h2>
        {!channels && <p className="muted">Loading channels…</p>}
        {channels && !numeric.length && !states.length && <p className="muted">No channel chosen: pick some under Channels.</p>}
        {numeric.map((c) => <TimePlot key={c.name} model={model} channel={c} />)}
        {states.length > 0 && (
          <div className="sc-timelines">
            {states.map((c) => <StateTimeline key={c.name} model={model} channel={c} />)}
          </div>
        )}
      </div>
      <h2>Channels</h2>
      {channels && <ValueTable model={model} channels={channels} />}
    </div>
  );
}
