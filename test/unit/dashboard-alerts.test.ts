import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert, StreamAlert } from '../../src/core/schemas.ts';
import {
  alertOf, applyAlert, displayOrder, groupAlerts, isNewCritical, pruneResolved, RECENT_LIMIT, worstSeverityBySpacecraft,
} from '../../web/dashboard/src/alerts/model.ts';

const T = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

function alert(id: string, over: Partial<Alert> = {}): Alert {
  return {
    id, spacecraft: 'sim-1', channel: 'power.bus_voltage', rule: 'limit', severity: 'warning', state: 'open',
    value: 36, threshold: 35, message: 'bus voltage high', openedAt: T(0), updatedAt: T(0), ...over,
  };
}

function event(a: Alert, transition: Partial<StreamAlert['transition']>): StreamAlert {
  return { ...a, transition: { from: null, to: a.state, action: 'raise', severity: a.severity, at: a.updatedAt, ...transition }, batchId: 'b1' };
}

test('alerts fall into sections by state: open with rtn-unacknowledged, acknowledged with shelved, resolved as recent', () => {
  const grouped = groupAlerts([
    alert('a', { state: 'open' }), alert('b', { state: 'rtn-unacknowledged' }), alert('c', { state: 'acknowledged' }),
    alert('d', { state: 'shelved' }), alert('e', { state: 'resolved' }),
  ]);
  assert.deepEqual(grouped.open.map((a) => a.id).sort(), ['a', 'b']);
  assert.deepEqual(grouped.acknowledged.map((a) => a.id).sort(), ['c', 'd']);
  assert.deepEqual(grouped.recent.map((a) => a.id), ['e']);
});

test('within a section critical comes first, then the newest; recent is the latest resolved, limited', () => {
  const grouped = groupAlerts([
    alert('old-warning', { openedAt: T(1) }), alert('new-warning', { openedAt: T(5) }),
    alert('old-critical', { severity: 'critical', openedAt: T(0) }),
    ...Array.from({ length: RECENT_LIMIT + 5 }, (_, i) => alert(`r${i}`, { state: 'resolved', resolvedAt: T(10 + i) })),
  ]);
  assert.deepEqual(grouped.open.map((a) => a.id), ['old-critical', 'new-warning', 'old-warning']);
  assert.equal(grouped.recent.length, RECENT_LIMIT);
  assert.equal(grouped.recent[0]!.id, `r${RECENT_LIMIT + 4}`);
  assert.deepEqual(displayOrder(grouped).slice(0, 3).map((a) => a.id), ['old-critical', 'new-warning', 'old-warning']);
});

test('an event replaces the alert with its id, moving it between sections, and adds an unknown one', () => {
  let list = applyAlert(new Map(), alertOf(event(alert('a'), {})));
  assert.equal(list.size, 1);
  assert.equal('transition' in list.get('a')!, false);
  list = applyAlert(list, alertOf(event(alert('a', { state: 'acknowledged', updatedAt: T(2) }), { action: 'acknowledge' })));
  assert.equal(list.size, 1);
  assert.deepEqual(groupAlerts(list.values()).acknowledged.map((a) => a.id), ['a']);
});

test('an older version of an alert does not undo a newer one', () => {
  const list = applyAlert(new Map(), alert('a', { state: 'acknowledged', updatedAt: T(5) }));
  assert.equal(applyAlert(list, alert('a', { state: 'open', updatedAt: T(1) })), list);
});

test('resolved alerts beyond the recent section are dropped from the list', () => {
  let list: ReadonlyMap<string, Alert> = new Map([['open', alert('open')]]);
  for (let i = 0; i < RECENT_LIMIT + 3; i++) list = applyAlert(list, alert(`r${i}`, { state: 'resolved', resolvedAt: T(i) }));
  const pruned = pruneResolved(list);
  assert.equal(pruned.size, RECENT_LIMIT + 1);
  assert.ok(pruned.has('open') && !pruned.has('r0') && pruned.has(`r${RECENT_LIMIT + 2}`));
});

test('a new critical cue is a critical raise or an escalation to critical, nothing else', () => {
  assert.equal(isNewCritical(event(alert('a', { severity: 'critical' }), { action: 'raise' })), true);
  assert.equal(isNewCritical(event(alert('a', { severity: 'critical' }), { action: 'severity', from: 'open' })), true);
  assert.equal(isNewCritical(event(alert('a', { severity: 'warning' }), { action: 'raise' })), false);
  assert.equal(isNewCritical(event(alert('a', { severity: 'critical', state: 'acknowledged' }), { action: 'acknowledge' })), false);
  assert.equal(isNewCritical(event(alert('a', { severity: 'warning' }), { action: 'severity' })), false);
});

test("a spacecraft's health is its worst active alert; shelved and resolved ones do not count", () => {
  const worst = worstSeverityBySpacecraft([
    alert('a', { spacecraft: 'sim-1', severity: 'warning' }), alert('b', { spacecraft: 'sim-1', severity: 'critical', state: 'acknowledged' }),
    alert('c', { spacecraft: 'sim-2', severity: 'warning', state: 'rtn-unacknowledged' }),
    alert('d', { spacecraft: 'sim-3', severity: 'critical', state: 'shelved' }), alert('e', { spacecraft: 'sim-3', severity: 'critical', state: 'resolved' }),
  ]);
  assert.deepEqual(Object.fromEntries(worst), { 'sim-1': 'critical', 'sim-2': 'warning' });
});
