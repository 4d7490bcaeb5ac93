/** A change history as a table: when, who, what, and each field's old and new value. */
import type { ChangeEntry } from '../../../core/schemas.ts';
import { html, type Html } from '../../../platform/html/html.ts';

/** How a stored value reads in a history: text as it is, other values as JSON, unset as a dash. */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function subject(e: ChangeEntry): Html {
  if (e.entity === 'channel') return html`channel <a href="/console/spacecraft/${e.spacecraft}?channel=${encodeURIComponent(e.channel ?? '')}">${e.spacecraft}/${e.channel}</a>`;
  if (e.entity === 'ground-station') return html`ground station ${e.groundStation} of <a href="/console/missions/${e.mission}">${e.mission}</a>`;
  if (e.entity === 'spacecraft') return html`spacecraft <a href="/console/spacecraft/${e.spacecraft}">${e.spacecraft}</a>`;
  return html`mission <a href="/console/missions/${e.mission}">${e.mission}</a>`;
}

export function changeHistory(entries: readonly ChangeEntry[], label: string): Html {
  return html`<table class="history" aria-label="${label}">
<thead><tr><th>When</th><th>Who</th><th>Action</th><th>What</th><th>Changes</th></tr></thead>
<tbody>${entries.length
    ? entries.map((e) => html`<tr><td><time datetime="${e.at}">${e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time></td><td>${e.by}</td><td>${e.action}</td><td>${subject(e)}</td>
<td><ul class="changes">${e.changes.map((c) => html`<li><code>${c.field}</code>: <span class="old">${shownValue(c.old)}</span> → <span class="new">${shownValue(c.new)}</span></li>`)}</ul></td></tr>`)
    : html`<tr><td colspan="5" class="empty">No changes recorded</td></tr>`}</tbody></table>`;
}
