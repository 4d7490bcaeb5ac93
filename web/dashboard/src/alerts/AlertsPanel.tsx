/**
 * The alerts beside every view: open ones first, then acknowledged, then the latest
 * resolved. A new critical alert flashes a banner and sounds until silenced, dismissed or
 * acknowledged. The page's keyboard shortcuts live here, since most act on this list.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import type { Alert, StreamAlert } from '../api.ts';
import { useAlertEvents } from '../live/hooks.ts';
import { useNow } from '../live/useNow.ts';
import { AlertRow } from './AlertRow.tsx';
import { ACKNOWLEDGEABLE, displayOrder, groupAlerts, isNewCritical, type GroupedAlerts } from './model.ts';
import { ShortcutHelp } from './ShortcutHelp.tsx';
import { useAlerts } from './store.ts';
import { useAlarmBeep } from './useAlarmBeep.ts';
import { useShortcuts } from './useShortcuts.ts';
import { useStoredState } from './useStoredState.ts';

const SECTIONS: { key: keyof GroupedAlerts; title: string; empty: string }[] = [
  { key: 'open', title: 'Open', empty: 'No open alerts.' },
  { key: 'acknowledged', title: 'Acknowledged', empty: 'None acknowledged or shelved.' },
  { key: 'recent', title: 'Recent', empty: 'Nothing resolved lately.' },
];

function CriticalBanner({ cued, onDismiss }: { cued: StreamAlert[]; onDismiss: () => void }) {
  const latest = cued.at(-1)!;
  return (
    <div className="critical-banner" role="alert">
      <div>
        <strong>New critical alert{cued.length > 1 ? `s (${cued.length})` : ''}</strong>
        <div>{latest.spacecraft}: {latest.message}</div>
      </div>
      <button type="button" onClick={onDismiss}>Dismiss</button>
    </div>
  );
}

export function AlertsPanel() {
  const { alerts, loaded, error } = useAlerts();
  const grouped = useMemo(() => groupAlerts(alerts.values()), [alerts]);
  const order = useMemo(() => displayOrder(grouped), [grouped]);
  const now = useNow();
  const [, navigate] = useLocation();
  const list = useRef<HTMLDivElement>(null);

  const [selectedId, setSelectedId] = useState<string>();
  const [acknowledgingId, setAcknowledgingId] = useState<string>();
  const [helpOpen, setHelpOpen] = useState(false);
  const [silenced, setSilenced] = useStoredState('orbit.dashboard.silenced', false);
  const [cued, setCued] = useState<StreamAlert[]>([]);

  useAlertEvents((event) => {
    if (isNewCritical(event)) setCued((c) => [...c.filter((a) => a.id !== event.id), event]);
  });
  // The alarm sounds while a cued alert still waits for someone to acknowledge it.
  const waiting = cued.some((c) => ACKNOWLEDGEABLE.has(alerts.get(c.id)?.state ?? 'resolved'));
  useAlarmBeep(waiting && !silenced);

  const focusRow = useCallback((id: string) => {
    list.current?.querySelector<HTMLElement>(`[data-alert-id="${CSS.escape(id)}"]`)?.focus();
  }, []);

  const move = (step: 1 | -1) => {
    if (!order.length) return;
    const index = order.findIndex((a) => a.id === selectedId);
    const next = order[index === -1 ? (step === 1 ? 0 : order.length - 1) : Math.min(order.length - 1, Math.max(0, index + step))]!;
    setSelectedId(next.id);
    focusRow(next.id);
  };

  const acknowledge = (alert: Alert | undefined) => {
    if (alert && ACKNOWLEDGEABLE.has(alert.state)) setAcknowledgingId(alert.id);
  };

  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    a: () => acknowledge(selectedId === undefined ? undefined : alerts.get(selectedId)),
    s: () => setSilenced(!silenced),
    '?': () => setHelpOpen(true),
    Escape: () => setAcknowledgingId(undefined),
    'g f': () => navigate('/'),
    'g m': () => navigate('/map'),
  });

  // After acknowledging, the row moves to another section: keep the keyboard on it.
  const finishAcknowledging = (id: string) => {
    setAcknowledgingId(undefined);
    requestAnimationFrame(() => focusRow(id));
  };

  return (
    <aside className="alerts-panel" aria-labelledby="alerts-heading">
      <div className="alerts-head">
        <h2 id="alerts-heading">Alerts</h2>
        <button type="button" className={`silence${silenced ? ' on' : ''}`} aria-pressed={silenced} onClick={() => setSilenced(!silenced)}>
          {silenced && <span aria-hidden="true">● </span>}Silence
        </button>
        <button type="button" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => setHelpOpen(true)}>?</button>
      </div>
      {cued.length > 0 && <CriticalBanner cued={cued} onDismiss={() => setCued([])} />}
      {error && <p role="alert" className="sev-critical">Could not load alerts: {error}</p>}
      {!loaded && !error && <p className="muted">Loading…</p>}
      <div ref={list}>
        {SECTIONS.map(({ key, title, empty }) => (
          <section key={key} aria-labelledby={`alerts-${key}`} className="alerts-section">
            <h3 id={`alerts-${key}`}>{title} <span className="count">{grouped[key].length}</span></h3>
            {grouped[key].length === 0 ? (
              <p className="muted empty">{empty}</p>
            ) : (
              <ul className="alert-list">
                {grouped[key].map((alert) => (
                  <AlertRow
                    key={alert.id}
                    alert={alert}
                    now={now}
                    selected={alert.id === selectedId}
                    acknowledging={alert.id === acknowledgingId}
                    onSelect={() => setSelectedId(alert.id)}
                    onAcknowledge={() => setAcknowledgingId(alert.id)}
                    onAcknowledgeDone={() => finishAcknowledging(alert.id)}
                  />
                ))}
              </ul>
            )}
          </section>
        ))}
      </div>
      <ShortcutHelp open={helpOpen} onClose={() => setHelpOpen(false)} />
    </aside>
  );
}
