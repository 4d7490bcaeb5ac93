/**
 * The page's one copy of the alerts, shared by the panel and the fleet view: fetched by
 * state, kept current from the stream, fetched afresh after every reconnection (alerts may
 * have been raised, resolved or acknowledged while the stream was down).
 */
import { useSyncExternalStore } from 'react';
import { api, type Alert } from '../api.ts';
import { live } from '../live/stream.ts';
import { alertOf, applyAlert, pruneResolved, RECENT_LIMIT } from './model.ts';

export interface AlertsSnapshot {
  alerts: ReadonlyMap<string, Alert>;
  loaded: boolean;
  /** Why the last fetch failed, until one succeeds. */
  error?: string;
}

const ACTIVE_LIMIT = 1000;

let snapshot: AlertsSnapshot = { alerts: new Map(), loaded: false };
const listeners = new Set<() => void>();
let detach: (() => void) | undefined;

function publish(next: AlertsSnapshot): void {
  if (next === snapshot) return;
  snapshot = next;
  for (const l of listeners) l();
}

/** Puts an alert the page learned of (a stream event, an API answer) into the list. */
export function putAlert(alert: Alert): void {
  const alerts = pruneResolved(applyAlert(snapshot.alerts, alert));
  if (alerts !== snapshot.alerts) publish({ ...snapshot, alerts });
}

async function fetchAll(): Promise<void> {
  const started = new Date().toISOString();
  try {
    const lists = await Promise.all([
      ...(['open', 'rtn-unacknowledged', 'acknowledged', 'shelved'] as const).map((state) => api.alerts({ state, limit: ACTIVE_LIMIT })),
      api.alerts({ state: 'resolved', limit: RECENT_LIMIT }),
    ]);
    let alerts: ReadonlyMap<string, Alert> = new Map(lists.flat().map((a) => [a.id, a]));
    // Stream events that arrived while fetching are newer than the answer: keep them.
    for (const known of snapshot.alerts.values()) if (known.updatedAt >= started) alerts = applyAlert(alerts, known);
    publish({ alerts: pruneResolved(alerts), loaded: true });
  } catch (error) {
    publish({ ...snapshot, error: error instanceof Error ? error.message : String(error) });
  }
}

function attach(): () => void {
  void fetchAll();
  const offAlert = live.on('alert', (event) => putAlert(alertOf(event)));
  const offConnected = live.on('connected', ({ reconnect }) => {
    if (reconnect) void fetchAll();
  });
  return () => {
    offAlert();
    offConnected();
  };
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  detach ??= attach();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      detach?.();
      detach = undefined;
    }
  };
}

export function useAlerts(): AlertsSnapshot {
  return useSyncExternalStore(subscribe, () => snapshot);
}
