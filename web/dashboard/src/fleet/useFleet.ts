/** Missions, spacecraft and their channel definitions: what the fleet is, as opposed to what it reports. */
import { useEffect, useState } from 'react';
import { api, type Channel, type Mission, type Spacecraft } from '../api.ts';
import { useConnected } from '../live/hooks.ts';

export interface Fleet {
  missions: Mission[];
  spacecraft: Spacecraft[];
  /** Spacecraft id → its channels. */
  channels: ReadonlyMap<string, Channel[]>;
}

export function useFleet(): { fleet?: Fleet; error?: string } {
  const [state, setState] = useState<{ fleet?: Fleet; error?: string }>({});
  const [generation, setGeneration] = useState(0);
  useConnected(({ reconnect }) => {
    if (reconnect) setGeneration((g) => g + 1);
  });

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    (async () => {
      const [missions, spacecraft] = await Promise.all([api.missions(signal), api.spacecraft(undefined, signal)]);
      const channels = await Promise.all(spacecraft.map((s) => api.channels(s.id, signal).catch((): Channel[] => [])));
      setState({ fleet: { missions, spacecraft, channels: new Map(spacecraft.map((s, i) => [s.id, channels[i]!])) } });
    })().catch((error: unknown) => {
      if (!signal.aborted) setState((s) => ({ ...s, error: error instanceof Error ? error.message : String(error) }));
    });
    return () => controller.abort();
  }, [generation]);

  return state;
}
