/** React's view of the live stream. */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { StreamAlert, StreamTelemetry } from '../api.ts';
import { live, type Connected, type ConnectionState, type LiveEvents } from './stream.ts';

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore((onChange) => live.on('state', onChange), () => live.state);
}

/** Calls the newest `handler` for every event of the kind; the subscription lives as long as the component. */
function useLiveEvent<K extends keyof LiveEvents>(event: K, handler: (value: LiveEvents[K]) => void): void {
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => live.on(event, (value) => ref.current(value)), [event]);
}

export const useTelemetry = (handler: (batch: StreamTelemetry) => void) => useLiveEvent('telemetry', handler);
export const useAlertEvents = (handler: (alert: StreamAlert) => void) => useLiveEvent('alert', handler);
/** Told on every (re)connection: the moment to backfill from the history API. */
export const useConnected = (handler: (connected: Connected) => void) => useLiveEvent('connected', handler);
