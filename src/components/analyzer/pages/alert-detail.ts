/**
 * One alert at the alarm desk: every field, what the operator can do to it, and its
 * history. The actions share one form (who, a comment), each button posting to its own
 * verb; only those the alert's state allows are offered, and a refused one (the state
 * changed meanwhile) comes back with the problem above the form.
 */
import type { Alert } from '../../../core/schemas.ts';
import { field, problemNotice, select, type FormErrors } from '../../../platform/html/form.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { page } from '../../../platform/html/layout.ts';
import { timeText, toInputValue } from '../../../platform/html/times.ts';
import type { AlertVerb } from '../alert-desk.ts';

export interface AlertDetailView {
  alert: Alert;
  /** Who acts: from the form posted, or the cookie. */
  actor: string;
  /** The form's values as posted, when a post failed. */
  posted?: Record<string, string>;
  errors: FormErrors;
}

/** The form's field names: the actions' body properties. */
export const ACTION_FIELDS = ['by', 'comment', 'forSeconds', 'until', 'to'] as const;

const SHELVE_DURATIONS = [
  { value: '', label: 'Until the time below' },
  { value: '900', label: '15 minutes' },
  { value: '1800', label: '30 minutes' },
  { value: '3600', label: '1 hour' },
  { value: '7200', label: '2 hours' },
  { value: '28800', label: '8 hours' },
  { value: '86400', label: '24 hours' },
];

/** The actions an alert's state allows (acknowledging anything but an open alert or one back to normal changes nothing). */
export function offeredActions(state: Alert['state']): AlertVerb[] {
  if (state === 'resolved') return ['comment'];
  const acknowledge: AlertVerb[] = state === 'open' || state === 'rtn-unacknowledged' ? ['acknowledge'] : [];
  const shelf: AlertVerb[] = state === 'shelved' ? ['unshelve', 'shelve'] : ['shelve'];
  return [...acknowledge, ...shelf, 'assign', 'comment', 'clear'];
}

/** A shelved alert's form shows its current end, to be moved; otherwise an hour is offered. */
const shelfDefault = (a: Alert) => (a.shelvedUntil ? '' : '3600');

const LABELS: Record<AlertVerb, string> = {
  acknowledge: 'Acknowledge', shelve: 'Shelve', unshelve: 'Unshelve', comment: 'Add comment', assign: 'Assign', clear: 'Clear',
};

function facts(a: Alert): Html {
  const rows: [string, Html | string | number | undefined][] = [
    ['Id', html`<code>${a.id}</code>`],
    ['State', html`<span class="state state-${a.state}">${a.state}</span>`],
    ['Severity', html`<span class="sev-${a.severity}">${a.severity}</span>`],
    ['Spacecraft', a.spacecraft],
    ['Channel', a.channel],
    ['Rule', a.rule],
    ['Message', a.message],
    ['Value', a.value ?? '–'],
    ['Threshold', a.threshold ?? '–'],
    ['Anomaly score', a.score],
    ['Opened', timeText(a.openedAt)],
    ['Updated', timeText(a.updatedAt)],
    ['Back to normal', a.returnedAt && timeText(a.returnedAt)],
    ['Resolved', a.resolvedAt && timeText(a.resolvedAt)],
    ['Acknowledged by', a.acknowledgedBy],
    ['Shelved by', a.shelvedBy],
    ['Shelved until', a.shelvedUntil && timeText(a.shelvedUntil)],
    ['Assigned to', a.assignedTo ?? html`<span class="muted">nobody</span>`],
  ];
  return html`<dl class="facts">${rows.filter(([, value]) => value !== undefined && value !== '').map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;
}

function actionForm(v: AlertDetailView): Html {
  const offered = offeredActions(v.alert.state);
  const value = (name: string) => v.posted?.[name] ?? '';
  const action = (verb: AlertVerb) => `/console/alerts/${encodeURIComponent(v.alert.id)}/${verb}`;
  const button = (verb: AlertVerb) => (offered.includes(verb) ? html`<button type="submit" formaction="${action(verb)}"${verb === 'acknowledge' ? html` class="primary"` : ''}>${LABELS[verb]}</button>` : '');
  // The first button is the one Enter submits: adding a comment is the action that changes least.
  return html`<form method="post" action="${action('comment')}" class="stack alert-actions" aria-labelledby="h-actions">
${problemNotice(v.errors)}
${field({ label: 'Your name', name: 'by', value: v.posted?.by ?? v.actor, required: true, errors: v.errors, attrs: html` autocomplete="name" maxlength="200"` })}
${field({ label: 'Comment', name: 'comment', value: value('comment'), errors: v.errors, hint: 'Needed to add a comment; optional with the other actions', attrs: html` maxlength="4000"` })}
<div class="action-row">${button('comment')}${button('acknowledge')}${button('unshelve')}${button('clear')}</div>
${offered.includes('shelve') ? html`<fieldset><legend>Shelve</legend>
${select({ label: 'For', name: 'forSeconds', value: v.posted ? value('forSeconds') : shelfDefault(v.alert), errors: v.errors, options: SHELVE_DURATIONS })}
${field({ label: 'Until (UTC)', name: 'until', type: 'datetime-local', value: value('until') || toInputValue(v.alert.shelvedUntil), errors: v.errors, attrs: html` step="1"`, hint: 'Used when no duration is chosen' })}
${button('shelve')}
</fieldset>` : ''}
${offered.includes('assign') ? html`<fieldset><legend>Assign</legend>
${field({ label: 'Assign to', name: 'to', value: v.posted ? value('to') : (v.alert.assignedTo ?? ''), errors: v.errors, hint: 'Empty: nobody', attrs: html` maxlength="200"` })}
${button('assign')}
</fieldset>` : ''}
</form>`;
}

function history(a: Alert): Html {
  const transitions = a.history ?? [];
  return html`<table class="history">
<thead><tr><th scope="col">Time</th><th scope="col">From → to</th><th scope="col">Action</th><th scope="col">By</th><th scope="col" class="num">Value</th><th scope="col">Comment</th></tr></thead>
<tbody>${transitions.map((t) => html`<tr><td>${timeText(t.at)}</td><td>${t.from ?? '–'} → ${t.to}</td><td>${t.action}</td><td>${t.by ?? html`<span class="muted">Orbit</span>`}</td><td class="num">${t.value ?? '–'}</td><td>${t.comment}</td></tr>`)}</tbody>
</table>`;
}

export function alertDetailPage(v: AlertDetailView): Html {
  const a = v.alert;
  return page({
    title: `Alert ${a.channel} on ${a.spacecraft}`,
    section: 'alerts',
    // Live: on each alert event of its spacecraft (the stream of the dashboard target), the
    // facts and the history are read again; the action form is left as typed.
    body: html`<p><a href="/console/alerts">← Alarm desk</a></p>
<h1><span class="sev-${a.severity}">${a.severity}</span> ${a.channel} on ${a.spacecraft}</h1>
<div hx-ext="sse" sse-connect="/v1/stream?spacecraft=${a.spacecraft}">
<div class="grid-2">
<section aria-labelledby="h-facts" class="panel"><h2 id="h-facts">Alert</h2>
<div id="alert-facts" aria-live="polite" hx-get="/console/alerts/${a.id}/live" hx-trigger="sse:alert throttle:1s" hx-swap="innerHTML">${facts(a)}</div></section>
<section aria-labelledby="h-actions" class="panel"><h2 id="h-actions">Actions</h2>${actionForm(v)}</section>
</div>
<section aria-labelledby="h-history"><h2 id="h-history">History</h2>${historyRegion(a)}</section>
</div>`,
  });
}

const historyRegion = (a: Alert, outOfBand = false) =>
  html`<div id="alert-history"${outOfBand ? html` hx-swap-oob="true"` : ''}>${history(a)}</div>`;

/** What the page reads again when its alert may have changed: the facts, and the history swapped in beside them. */
export function alertLive(a: Alert): Html {
  return html`${facts(a)}${historyRegion(a, true)}`;
}

export function alertNotFoundPage(id: string): Html {
  return page({
    title: 'No such alert',
    section: 'alerts',
    body: html`<h1>No such alert</h1><div class="problem" role="alert"><strong>There is no alert "${id}".</strong></div><p><a href="/console/alerts">← Alarm desk</a></p>`,
  });
}
