/**
 * The latest reading of every channel of some spacecraft: fetched, then kept current from
 * the stream, fetched again after a reconnection. Stream events only update a ref; the
 * component re-renders at most RENDER_HZ times a second, however large the fleet.
 */
import { useEffect, useRef, useState } from 'react';
import { api, type LatestReading } from '../api.ts';
import { useConnected, useTelemetry } from '../live/hooks.ts';

/** Channel name → its latest reading. */
export type ChannelReadings = ReadonlyMap<string, LatestReading>;
/** Spacecraft id → its channels' latest readings. */
export type FleetReadings = ReadonlyMap<string, ChannelReadings>;

const RENDER_HZ = 4;

/**
 * Readings merged into `store`, newest wins. A spacecraft whose readings changed gets a new
 * map, so a row can tell by identity whether to render again.
 */
function merge(store: Map<string, ChannelReadings>, spacecraft: string, readings: readonly LatestReading[]): boolean {
  const known = store.get(spacecraft);
  let next: Map<string, LatestReading> | undefined;
  for (const r of readings) {
    const current = (next ?? known)?.get(r.channel);
    if (current && current.time > r.time) continue;
    next ??= new Map(known);
    next.set(r.channel, r);
  }
  if (next) store.set(spacecraft, next);
  return next !== undefined;
}

export function useLatestReadings(spacecraft: readonly string[]): FleetReadings {
  const store = useRef(new Map<string, ChannelReadings>());
  const dirty = useRef(false);
  const [snapshot, setSnapshot] = useState<FleetReadings>(() => new Map());
  const [generation, setGeneration] = useState(0);
  const key = spacecraft.join('\n');

  useEffect(() => {
    const ids = key ? key.split('\n') : [];
    const controller = new AbortController();
    for (const id of ids) {
      api.latest(id, controller.signal).then(
        (readings) => {
          if (merge(store.current, id, readings)) dirty.current = true;
        },
        () => {}, // The row shows no readings; the stream fills them in.
      );
    }
    return () => controller.abort();
  }, [key, generation]);

  useConnected(({ reconnect }) => {
    if (reconnect) setGeneration((g) => g + 1);
  });

  const wanted = useRef(new Set<string>());
  useEffect(() => {
    wanted.current = new Set(key ? key.split('\n') : []);
  }, [key]);

  useTelemetry((batch) => {
    if (wanted.current.has(batch.spacecraft) && merge(store.current, batch.spacecraft, batch.readings)) dirty.current = true;
  });

  useEffect(() => {
    const timer = setInterval(() => {
      if (!dirty.current) return;
      dirty.current = false;
      setSnapshot(new Map(store.current));
    }, 1000 / RENDER_HZ);
    return () => clearInterval(timer);
  }, []);

  return snapshot;
}
