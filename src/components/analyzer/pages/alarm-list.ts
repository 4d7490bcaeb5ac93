/**
 * The alarm desk's list: a GET form of filters (kept in the URL, so a view can be shared
 * and reloaded), and the table of matching alerts with paging. With JavaScript the table
 * is fetched again when the live stream announces an alert change: at once, then at most
 * every 2 s while changes keep coming, and once more when they stop, so the last change
 * is always shown; a status line (a polite live region) says when it was refreshed.
 */
import type { Alert, Mission, Spacecraft } from '../../../core/schemas.ts';
import { problemNotice, select, field, type FormErrors } from '../../../platform/html/form.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { page } from '../../../platform/html/layout.ts';
import { timeText } from '../../../platform/html/times.ts';

/** The filter as the form shows it: each field's text as typed. */
export interface FilterForm {
  mission: string;
  spacecraft: string;
  severity: string;
  state: string;
  from: string;
  to: string;
}

export const FILTER_FIELDS = ['mission', 'spacecraft', 'severity', 'state', 'from', 'to'] as const;

export interface AlarmTable {
  alerts: Alert[];
  /** The URL query of the filter, without the page. */
  query: string;
  offset: number;
  pageSize: number;
  /** More alerts match after this page. */
  hasMore: boolean;
  /** When the table was read (ISO). */
  readAt: string;
}

export interface AlarmListView {
  form: FilterForm;
  errors: FormErrors;
  missions: Mission[];
  spacecraft: Spacecraft[];
  table: AlarmTable;
}

const SEVERITIES = ['warning', 'critical'] as const;
const STATES = ['open', 'acknowledged', 'shelved', 'rtn-unacknowledged', 'resolved'] as const;

const withPage = (query: string, offset: number) => (offset > 0 ? `${query}${query ? '&' : ''}offset=${offset}` : query);
const pageHref = (query: string, offset: number) => {
  const q = withPage(query, offset);
  return `/console/alerts${q ? `?${q}` : ''}`;
};

function valueCell(a: Alert): Html {
  return html`<td class="num">${a.value ?? '–'}</td><td class="num">${a.threshold ?? '–'}</td>`;
}

function row(a: Alert): Html {
  return html`<tr data-alert-id="${a.id}">
<td class="sev-${a.severity}">${a.severity}</td>
<td><span class="state state-${a.state}">${a.state}</span></td>
<td>${a.spacecraft}</td><td>${a.channel}</td><td>${a.rule}</td>
<td><a href="/console/alerts/${encodeURIComponent(a.id)}">${a.message}</a></td>
${valueCell(a)}
<td>${timeText(a.openedAt)}</td>
<td>${a.assignedTo ?? html`<span class="muted">nobody</span>`}</td>
</tr>`;
}

function summary(t: AlarmTable): string {
  if (!t.alerts.length) return t.offset ? 'No more alerts match.' : 'No alert matches.';
  return `Alerts ${t.offset + 1}–${t.offset + t.alerts.length}${t.hasMore ? ' and more' : ''} match, read at ${t.readAt.slice(11, 19)} UTC.`;
}

function pager(t: AlarmTable): Html {
  if (!t.offset && !t.hasMore) return html``;
  return html`<nav class="pager" aria-label="Alert pages">
${t.offset > 0 ? html`<a href="${pageHref(t.query, Math.max(0, t.offset - t.pageSize))}" rel="prev">← Newer</a>` : ''}
${t.hasMore ? html`<a href="${pageHref(t.query, t.offset + t.pageSize)}" rel="next">Older →</a>` : ''}
</nav>`;
}

/** The table and its pager; `oob` adds the status line for htmx to put in its place. */
export function alarmTable(t: AlarmTable, oob = false): Html {
  return html`<table class="alarm-table">
<caption class="visually-hidden">Alerts matching the filter, newest first</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">State</th><th scope="col">Spacecraft</th><th scope="col">Channel</th><th scope="col">Rule</th><th scope="col">Message</th><th scope="col" class="num">Value</th><th scope="col" class="num">Threshold</th><th scope="col">Opened</th><th scope="col">Assignee</th></tr></thead>
<tbody>
${t.alerts.length ? t.alerts.map(row) : html`<tr><td colspan="10" class="empty">No alert matches the filter</td></tr>`}
</tbody></table>
${pager(t)}
${oob ? html`<p id="alarm-status" hx-swap-oob="innerHTML">${summary(t)}</p>` : ''}`;
}

function filterForm(v: AlarmListView): Html {
  const any = (label: string) => ({ value: '', label });
  return html`<form method="get" action="/console/alerts" class="inline filters" role="search" aria-label="Filter alerts">
${select({ label: 'Mission', name: 'mission', value: v.form.mission, errors: v.errors, options: [any('Any mission'), ...v.missions.map((m) => ({ value: m.id, label: m.name }))] })}
${select({ label: 'Spacecraft', name: 'spacecraft', value: v.form.spacecraft, errors: v.errors, options: [any('Any spacecraft'), ...v.spacecraft.map((s) => ({ value: s.id, label: s.name === s.id ? s.id : `${s.name} (${s.id})` }))] })}
${select({ label: 'Severity', name: 'severity', value: v.form.severity, errors: v.errors, options: [any('Any severity'), ...SEVERITIES] })}
${select({ label: 'State', name: 'state', value: v.form.state, errors: v.errors, options: [any('Any state'), ...STATES] })}
${field({ label: 'Opened from (UTC)', name: 'from', type: 'datetime-local', value: v.form.from, errors: v.errors, attrs: html` step="1"` })}
${field({ label: 'Opened before (UTC)', name: 'to', type: 'datetime-local', value: v.form.to, errors: v.errors, attrs: html` step="1"` })}
<button type="submit" class="primary">Filter</button>
<a class="button" href="/console/alerts">Clear filter</a>
</form>`;
}

export function alarmListPage(v: AlarmListView): Html {
  const t = v.table;
  const tableUrl = `/console/alerts/table${t.query || t.offset ? `?${withPage(t.query, t.offset)}` : ''}`;
  // The stream is narrowed to the spacecraft filtered on, if any: fewer events to ignore.
  const stream = `/v1/stream${v.form.spacecraft ? `?spacecraft=${encodeURIComponent(v.form.spacecraft)}` : ''}`;
  return page({
    title: 'Alarm desk',
    section: 'alerts',
    body: html`<h1>Alarm desk</h1>
${problemNotice(v.errors)}
${filterForm(v)}
<p id="alarm-status" class="muted" role="status" aria-live="polite">${summary(t)}</p>
<div hx-ext="sse" sse-connect="${stream}">
  <div id="alarm-table" hx-get="${tableUrl}" hx-trigger="sse:alert throttle:2s" hx-swap="innerHTML" hx-sync="this:replace">
${alarmTable(t)}
  </div>
  <span hidden hx-get="${tableUrl}" hx-target="#alarm-table" hx-trigger="sse:alert delay:500ms" hx-swap="innerHTML" hx-sync="#alarm-table:replace"></span>
</div>
<noscript><p class="muted">Reload the page to see changes.</p></noscript>`,
  });
}
