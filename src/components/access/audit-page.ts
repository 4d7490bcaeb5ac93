/**
 * The audit log in the console: newest first, filtered by actor, a page at a time.
 */
import { html, type Html } from '../../platform/html/html.ts';
import { page } from '../../platform/html/layout.ts';
import type { AuditEntry } from '../../stores/audit/store.ts';

export function auditPage(options: { actor: string; entries: AuditEntry[]; next?: number }): Html {
  const more = options.next === undefined ? '' : html`<p><a href="/console/audit?${new URLSearchParams({ ...(options.actor && { actor: options.actor }), cursor: String(options.next) }).toString()}">Older entries</a></p>`;
  return page({
    title: 'Audit log',
    section: 'audit',
    body: html`<h1>Audit log</h1>
<p>Every change, newest first: who (the key, or <code>cli</code>), what, and the answer. Telemetry ingest is data and is not listed.</p>
<form method="get" action="/console/audit" class="inline filters" role="search" aria-label="Filter the audit log">
  <div class="field"><label for="f-audit-actor">Actor (key id or name)</label><input id="f-audit-actor" name="actor" type="search" value="${options.actor}"></div>
  <button type="submit">Filter</button>
</form>
<table class="audit">
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Targets</th><th scope="col">Answer</th></tr></thead>
<tbody>
${options.entries.length ? options.entries.map((e) => html`<tr data-audit-seq="${e.seq}">
<td><time datetime="${e.at.toISOString()}">${e.at.toISOString().replace('T', ' ').slice(0, 19)}</time></td>
<td>${e.actor ? html`${e.actor.name} <small>${e.actor.id}</small>` : html`<em>unknown</em>`}</td>
<td><code>${e.action}</code></td>
<td>${e.targets.join(', ')}</td>
<td class="${e.status < 400 ? 'ok' : 'refused'}">${e.status}</td>
</tr>`) : html`<tr><td colspan="5">No entries</td></tr>`}
</tbody>
</table>
${more}`,
  });
}
