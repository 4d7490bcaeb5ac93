/**
 * The history explorer: a GET form (spacecraft, channels, UTC range or a preset), so every
 * view is a bookmarkable URL; the plots; the buckets behind an aggregated plot; a paged
 * table of one channel's readings; and the streaming exports of each channel picked.
 * Without JavaScript it is plain links and forms; with it, htmx swaps the page's region in place.
 */
import type { Bucket, Point } from '../../../../core/schemas.ts';
import { field, problemNotice, select, type FormErrors } from '../../../../platform/html/form.ts';
import { html, type Html } from '../../../../platform/html/html.ts';
import { page } from '../../../../platform/html/layout.ts';
import { swapRegion } from '../../../../platform/html/swap-region.ts';
import { toInputValue } from '../../../../platform/html/times.ts';
import { channelChart, type ChannelPlot } from './plot.ts';
import { PRESETS, stepLabel } from './range.ts';

/** The query as the URL carries it: what the form sent, the table's channel and its paging. */
export interface HistoryQuery {
  spacecraft?: string;
  channels: string[];
  from?: string;
  to?: string;
  last?: string;
  /** The channel whose readings are tabled. */
  table?: string;
  /** The cursor of the table's page, and those of the pages before it (from the second on), oldest first. */
  cursor?: string;
  prev: string[];
}

export interface HistoryView {
  spacecraft: readonly { id: string; name: string }[];
  channels: readonly { name: string; type: string; unit?: string }[];
  query: HistoryQuery;
  range: { from: number; to: number };
  errors: FormErrors;
  plots: ChannelPlot[];
  buckets?: { channel: string; stepSeconds: number; buckets: Bucket[] };
  readings?: { channel: string; points: Point[]; next?: string };
}

export const READINGS_PAGE = 100;

/** The explorer's URL for a query; empty values are left out. */
export function historyHref(q: HistoryQuery): string {
  const params = new URLSearchParams();
  const add = (name: string, value: string | undefined) => value && params.append(name, value);
  add('spacecraft', q.spacecraft);
  for (const c of q.channels) add('channel', c);
  add('from', q.from);
  add('to', q.to);
  add('last', q.last);
  add('table', q.table);
  add('cursor', q.cursor);
  for (const c of q.prev) add('prev', c);
  const search = params.toString();
  return `/console/history${search ? `?${search}` : ''}`;
}

function exportHref(spacecraft: string, channel: string, range: { from: number; to: number }, format: 'csv' | 'ndjson'): string {
  const params = new URLSearchParams({ spacecraft, channel, from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), format });
  return `/v1/telemetry/export?${params}`;
}

function historyForm(v: HistoryView): Html {
  const q = v.query;
  const picked = new Set(q.channels);
  return html`<form class="history-form" method="get" action="/console/history">
<div class="form-row">
${select({
    label: 'Spacecraft', name: 'spacecraft', value: q.spacecraft, errors: v.errors,
    options: v.spacecraft.map((s) => ({ value: s.id, label: s.name === s.id ? s.id : `${s.id} (${s.name})` })),
    // With JavaScript, a new spacecraft brings its own channels at once.
    attrs: html` hx-get="/console/history" hx-trigger="change" hx-push-url="true"`,
  })}
${field({ label: 'From (UTC)', name: 'from', type: 'datetime-local', value: q.from ?? toInputValue(new Date(v.range.from).toISOString()), errors: v.errors, attrs: html` step="1"` })}
${field({ label: 'To (UTC)', name: 'to', type: 'datetime-local', value: q.to ?? toInputValue(new Date(v.range.to).toISOString()), errors: v.errors, attrs: html` step="1"` })}
<button class="primary" type="submit">Show</button>
</div>
<fieldset class="channels${v.errors.byField.has('channel') ? ' has-error' : ''}">
<legend>Channels</legend>
${v.channels.length
    ? v.channels.map((c) => html`<label class="check"><input type="checkbox" name="channel" value="${c.name}"${picked.has(c.name) ? html` checked` : ''}> ${c.name}${c.unit ? html` <span class="muted">(${c.unit})</span>` : ''}</label>`)
    : html`<span class="muted">This spacecraft has no channels yet.</span>`}
${v.errors.byField.has('channel') ? html`<small class="field-error">${v.errors.byField.get('channel')}</small>` : ''}
</fieldset>
</form>
<nav class="presets" aria-label="Quick ranges">
${PRESETS.map((p) => html`<a class="button" href="${historyHref({ spacecraft: q.spacecraft, channels: q.channels, last: p.id, prev: [] })}"${q.last === p.id && !q.from && !q.to ? html` aria-current="true"` : ''}>${p.label}</a>`)}
</nav>`;
}

/** A mean to the precision readings have, not to the last bit of the division. */
const meanText = (mean: number) => String(Number(mean.toPrecision(7)));

function bucketTable(b: NonNullable<HistoryView['buckets']>): Html {
  return html`<section aria-labelledby="h-buckets"><h2 id="h-buckets">Buckets of ${b.channel}</h2>
<table class="buckets">
<caption class="muted">${b.buckets.length} buckets of ${stepLabel(b.stepSeconds)}: the data of the plot</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col" class="num">Min</th><th scope="col" class="num">Max</th><th scope="col" class="num">Mean</th><th scope="col" class="num">Count</th></tr></thead>
<tbody>${b.buckets.length
    ? b.buckets.map((x) => html`<tr><td><time datetime="${x.time}">${x.time}</time></td><td class="num">${x.min}</td><td class="num">${x.max}</td><td class="num">${meanText(x.avg)}</td><td class="num">${x.count}</td></tr>`)
    : html`<tr><td colspan="5" class="empty">No numeric readings in this range</td></tr>`}</tbody>
</table></section>`;
}

function readingsTable(v: HistoryView, r: NonNullable<HistoryView['readings']>): Html {
  // Paging keeps to the range shown, even when it was a preset counted back from now.
  const q = { ...v.query, from: v.query.from ?? toInputValue(new Date(v.range.from).toISOString()), to: v.query.to ?? toInputValue(new Date(v.range.to).toISOString()), last: undefined };
  const pageNumber = q.prev.length + (q.cursor ? 2 : 1);
  const previous = q.cursor ? historyHref({ ...q, cursor: q.prev.at(-1), prev: q.prev.slice(0, -1) }) : undefined;
  const next = r.next ? historyHref({ ...q, cursor: r.next, prev: q.cursor ? [...q.prev, q.cursor] : [] }) : undefined;
  return html`<section aria-labelledby="h-readings"><h2 id="h-readings">Readings of ${r.channel}</h2>
${q.channels.length > 1 ? html`<nav class="tabs" aria-label="Channel of the table">${q.channels.map((c) => html`<a href="${historyHref({ ...q, table: c, cursor: undefined, prev: [] })}"${c === r.channel ? html` aria-current="true"` : ''}>${c}</a>`)}</nav>` : ''}
<table class="readings">
<caption class="muted">Page ${pageNumber}: ${r.points.length} readings, oldest first</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col" class="num">Value</th><th scope="col" class="num">Raw</th></tr></thead>
<tbody>${r.points.length
    ? r.points.map((p) => html`<tr><td><time datetime="${p.time}">${p.time}</time></td><td class="num">${String(p.value)}</td><td class="num">${String(p.raw)}</td></tr>`)
    : html`<tr><td colspan="3" class="empty">No readings in this range</td></tr>`}</tbody>
</table>
<nav class="pager" aria-label="Pages of readings">
${previous !== undefined ? html`<a class="button" rel="prev" href="${previous}">Previous page</a>` : ''}
${next !== undefined ? html`<a class="button" rel="next" href="${next}">Next page</a>` : ''}
</nav></section>`;
}

function downloads(v: HistoryView): Html {
  const { spacecraft } = v.query;
  // Only for a range that was read: a refused one has no plots.
  if (!spacecraft || !v.plots.length) return html``;
  return html`<section aria-labelledby="h-downloads"><h2 id="h-downloads">Download</h2>
<p class="muted">Every reading of the range, streamed: CSV (time,value,raw) or one JSON object per line.</p>
<ul class="downloads" hx-boost="false">${v.query.channels.map((c) => html`<li>${c}: <a class="button" href="${exportHref(spacecraft, c, v.range, 'csv')}" download>CSV</a> <a class="button" href="${exportHref(spacecraft, c, v.range, 'ndjson')}" download>NDJSON</a></li>`)}</ul>
</section>`;
}

export function historyPage(v: HistoryView): Html {
  return page({
    title: 'History',
    section: 'history',
    body: html`<div${swapRegion('history-page')}>
<h1>History explorer</h1>
${problemNotice(v.errors)}
${historyForm(v)}
${v.plots.length ? html`<section aria-labelledby="h-plots"><h2 id="h-plots">Plots</h2>${v.plots.map((p) => channelChart(p, v.range.from, v.range.to))}</section>` : ''}
${v.buckets ? bucketTable(v.buckets) : ''}
${v.readings ? readingsTable(v, v.readings) : ''}
${downloads(v)}
</div>`,
  });
}
