/**
 * Log search: a GET form (text, service, module, minimum level, UTC range, trace id), so a
 * search is a bookmarkable URL; the entries newest first, each trace id a link to the
 * search by it, and an "Older" link to the next page. htmx swaps the results in place.
 */
import { field, problemNotice, select, type FormErrors } from '../../../platform/html/form.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { page } from '../../../platform/html/layout.ts';
import { swapRegion } from '../../../platform/html/swap-region.ts';

/** The search as the form sent it (times as typed). */
export interface LogSearchForm {
  q?: string;
  service?: string;
  module?: string;
  level?: string;
  from?: string;
  to?: string;
  traceId?: string;
  /** Entries a page; no form field sets it, but a URL may, and the page's links keep it. */
  limit?: string;
  cursor?: string;
}

export interface LogLine {
  time: string;
  level: string;
  msg: string;
  service: string;
  module?: string;
  traceId?: string;
  fields?: Record<string, unknown>;
}

export interface LogsView {
  form: LogSearchForm;
  levels: readonly string[];
  errors: FormErrors;
  /** Absent when the search was refused. */
  entries?: LogLine[];
  next?: string;
}

const FORM_FIELDS = ['q', 'service', 'module', 'level', 'from', 'to', 'traceId'] as const;

export function logsHref(form: LogSearchForm): string {
  const params = new URLSearchParams();
  for (const name of [...FORM_FIELDS, 'limit', 'cursor'] as const) if (form[name]) params.set(name, form[name]);
  const search = params.toString();
  return `/console/logs${search ? `?${search}` : ''}`;
}

/** Fields on one line: strings as they are, anything else as JSON. */
const compactFields = (fields: Record<string, unknown> | undefined) =>
  Object.entries(fields ?? {}).map(([k, v]) => html`<span class="kv"><span class="k">${k}</span>=${typeof v === 'string' ? v : JSON.stringify(v)}</span> `);

function searchForm(v: LogsView): Html {
  const f = v.form;
  const e = v.errors;
  return html`<form class="log-search" method="get" action="/console/logs">
<div class="form-row">
${field({ label: 'Text', name: 'q', type: 'search', value: f.q, errors: e, hint: 'All the words, in the message or a field' })}
${field({ label: 'Service', name: 'service', value: f.service, errors: e })}
${field({ label: 'Module', name: 'module', value: f.module, errors: e })}
${select({ label: 'Minimum level', name: 'level', value: f.level ?? '', errors: e, options: [{ value: '', label: 'any' }, ...v.levels] })}
</div>
<div class="form-row">
${field({ label: 'From (UTC)', name: 'from', type: 'datetime-local', value: f.from, errors: e, attrs: html` step="1"` })}
${field({ label: 'To (UTC)', name: 'to', type: 'datetime-local', value: f.to, errors: e, attrs: html` step="1"` })}
${field({ label: 'Trace id', name: 'traceId', value: f.traceId, errors: e })}
${f.limit ? html`<input type="hidden" name="limit" value="${f.limit}">` : ''}
<button class="primary" type="submit">Search</button>
</div>
</form>`;
}

function results(v: LogsView, entries: LogLine[]): Html {
  const older = v.next ? logsHref({ ...v.form, cursor: v.next }) : undefined;
  return html`<section id="log-results" aria-labelledby="h-log-results"><h2 id="h-log-results">Entries</h2>
<p class="count" role="status">${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}${v.form.cursor ? ' (older page)' : ''}${v.next ? ', more are older' : ''}, newest first</p>
<table class="logs">
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Level</th><th scope="col">Service</th><th scope="col">Module</th><th scope="col">Message</th><th scope="col">Trace</th><th scope="col">Fields</th></tr></thead>
<tbody>${entries.length
    ? entries.map((l) => html`<tr class="level-${l.level}"><td><time datetime="${l.time}">${l.time}</time></td><td class="level">${l.level}</td><td>${l.service}</td><td>${l.module}</td><td class="msg">${l.msg}</td>
<td>${l.traceId ? html`<a href="${logsHref({ traceId: l.traceId })}" title="Every entry of this trace">${l.traceId}</a>` : ''}</td><td class="fields">${compactFields(l.fields)}</td></tr>`)
    : html`<tr><td colspan="7" class="empty">No entries match</td></tr>`}</tbody>
</table>
<nav class="pager" aria-label="Pages of entries">
${v.form.cursor ? html`<a class="button" href="${logsHref({ ...v.form, cursor: undefined })}">Newest</a>` : ''}
${older ? html`<a class="button" rel="next" href="${older}">Older</a>` : ''}
</nav></section>`;
}

export function logsPage(v: LogsView): Html {
  return page({
    title: 'Logs',
    section: 'logs',
    body: html`<div${swapRegion('log-page')}>
<h1>Logs</h1>
${problemNotice(v.errors)}
${searchForm(v)}
${v.entries ? results(v, v.entries) : ''}
</div>`,
  });
}
