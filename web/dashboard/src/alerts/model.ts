/**
 * The alert list as the panel shows it: which section an alert belongs in, in what order,
 * how a stream event changes the list, and which events call for the operator's attention.
 */
// From the schemas rather than api.ts: this module is also compiled with the server's (DOM-less) settings, for its tests.
import type { Alert, AlertState, Severity, StreamAlert } from '../../../../src/core/schemas.ts';

type Section = 'open' | 'acknowledged' | 'recent';

const SECTION_OF: Record<AlertState, Section> = {
  open: 'open',
  'rtn-unacknowledged': 'open',
  acknowledged: 'acknowledged',
  shelved: 'acknowledged',
  resolved: 'recent',
};

/** States that still count against a spacecraft's health. */
const ACTIVE: ReadonlySet<AlertState> = new Set(['open', 'acknowledged', 'rtn-unacknowledged']);

/** States the API lets an operator acknowledge. */
export const ACKNOWLEDGEABLE: ReadonlySet<AlertState> = new Set(['open', 'rtn-unacknowledged']);

export const RECENT_LIMIT = 20;

const SEVERITY_RANK: Record<Severity, number> = { warning: 1, critical: 2 };

const newestFirst = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/** Critical before warning, then the most recently opened first. */
function byUrgency(a: Alert, b: Alert): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || newestFirst(a.openedAt, b.openedAt) || newestFirst(a.id, b.id);
}

export interface GroupedAlerts {
  open: Alert[];
  acknowledged: Alert[];
  /** The latest resolved, at most RECENT_LIMIT. */
  recent: Alert[];
}

export function groupAlerts(alerts: Iterable<Alert>): GroupedAlerts {
  const grouped: GroupedAlerts = { open: [], acknowledged: [], recent: [] };
  for (const alert of alerts) grouped[SECTION_OF[alert.state]].push(alert);
  grouped.open.sort(byUrgency);
  grouped.acknowledged.sort(byUrgency);
  grouped.recent.sort((a, b) => newestFirst(a.resolvedAt ?? a.updatedAt, b.resolvedAt ?? b.updatedAt));
  grouped.recent.length = Math.min(grouped.recent.length, RECENT_LIMIT);
  return grouped;
}

/** The alerts in the order the panel lists them, top to bottom. */
export function displayOrder(grouped: GroupedAlerts): Alert[] {
  return [...grouped.open, ...grouped.acknowledged, ...grouped.recent];
}

/** The alert without the stream's extras. */
export function alertOf(event: StreamAlert): Alert {
  const { transition: _transition, batchId: _batchId, ...alert } = event;
  return alert;
}

/**
 * The list with `alert` in it: added, or replacing the one with its id unless that one is
 * newer (a late event, or a fetch that raced the stream, must not undo a later change).
 * Returns the same map when nothing changed.
 */
export function applyAlert(alerts: ReadonlyMap<string, Alert>, alert: Alert): ReadonlyMap<string, Alert> {
  const known = alerts.get(alert.id);
  if (known && known.updatedAt > alert.updatedAt) return alerts;
  const next = new Map(alerts);
  next.set(alert.id, alert);
  return next;
}

/** Resolved alerts beyond the ones shown are dropped, so a long session does not accumulate them. */
export function pruneResolved(alerts: ReadonlyMap<string, Alert>): ReadonlyMap<string, Alert> {
  const kept = new Set(groupAlerts(alerts.values()).recent.map((a) => a.id));
  const stale = [...alerts.values()].filter((a) => a.state === 'resolved' && !kept.has(a.id));
  if (!stale.length) return alerts;
  const next = new Map(alerts);
  for (const a of stale) next.delete(a.id);
  return next;
}

/** A critical alert was just raised, or an alert just escalated to critical. */
export function isNewCritical(event: StreamAlert): boolean {
  const { action, severity } = event.transition;
  return severity === 'critical' && (action === 'raise' || action === 'severity');
}

/** Each spacecraft's worst active alert; a spacecraft absent from the map is nominal. */
export function worstSeverityBySpacecraft(alerts: Iterable<Alert>): Map<string, Severity> {
  const worst = new Map<string, Severity>();
  for (const alert of alerts) {
    if (!ACTIVE.has(alert.state)) continue;
    const current = worst.get(alert.spacecraft);
    if (!current || SEVERITY_RANK[alert.severity] > SEVERITY_RANK[current]) worst.set(alert.spacecraft, alert.severity);
  }
  return worst;
}
