/**
 * The jobs page: a form that submits an orbit propagation, as POST /v1/jobs does, and the
 * latest jobs. Form fields are named after the request body's paths (`params.from`), so
 * the API's errors land beside them.
 */
import type { Spacecraft } from '../../../core/schemas.ts';
import { field, problemNotice, select, type FormErrors } from '../../../platform/html/form.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { page } from '../../../platform/html/layout.ts';
import { timeText } from '../../../platform/html/times.ts';
import type { JobSummary } from '../desk.ts';

/** The fields that show their own errors; any other (the hidden type) is named above the form. */
export const JOB_FIELDS = ['params.spacecraft', 'params.from', 'params.to', 'params.stepSeconds'] as const;

/** The form's values as typed (datetime-local text for the times). */
export interface PropagationForm {
  spacecraft: string;
  from: string;
  to: string;
  stepSeconds: string;
}

export interface JobsView {
  jobs: JobSummary[];
  spacecraft: Spacecraft[];
  form: PropagationForm;
  errors: FormErrors;
}

/** The spacecraft a job is about: one id, or (orbit.passes) several. */
function spacecraftOf(params: unknown): string {
  const named = (params as { spacecraft?: unknown }).spacecraft;
  if (Array.isArray(named)) return named.map((s: { id?: string } | string) => (typeof s === 'string' ? s : s.id ?? '')).join(', ');
  return typeof named === 'string' ? named : '';
}

export const percent = (progress: number) => `${Math.floor(progress * 100)} %`;

function jobsTable(jobs: JobSummary[]): Html {
  return html`<table class="jobs-table">
<thead><tr><th scope="col">Job</th><th scope="col">Type</th><th scope="col">Spacecraft</th><th scope="col">State</th><th scope="col" class="num">Progress</th><th scope="col">Created</th></tr></thead>
<tbody>${jobs.length
    ? jobs.map((j) => html`<tr data-job-id="${j.id}"><td><a href="/console/jobs/${encodeURIComponent(j.id)}"><code>${j.id.slice(0, 8)}</code></a></td><td>${j.type}</td><td>${spacecraftOf(j.params)}</td><td><span class="job-state job-${j.state}">${j.state}</span></td><td class="num">${percent(j.progress)}</td><td>${timeText(j.createdAt)}</td></tr>`)
    : html`<tr><td colspan="6" class="empty">No jobs yet</td></tr>`}</tbody>
</table>`;
}

function propagationForm(v: JobsView): Html {
  const options = v.spacecraft.map((s) => ({ value: s.id, label: s.name === s.id ? s.id : `${s.name} (${s.id})` }));
  return html`<form method="post" action="/console/jobs" class="stack" aria-labelledby="h-submit">
${problemNotice(v.errors)}
<input type="hidden" name="type" value="orbit.propagate">
${options.length
    ? select({ label: 'Spacecraft', name: 'params.spacecraft', value: v.form.spacecraft, errors: v.errors, options })
    : field({ label: 'Spacecraft', name: 'params.spacecraft', value: v.form.spacecraft, errors: v.errors, hint: 'No spacecraft has an element set yet: give one in the mission database' })}
${field({ label: 'From (UTC)', name: 'params.from', type: 'datetime-local', value: v.form.from, required: true, errors: v.errors, attrs: html` step="1"` })}
${field({ label: 'To (UTC)', name: 'params.to', type: 'datetime-local', value: v.form.to, required: true, errors: v.errors, attrs: html` step="1"` })}
${field({ label: 'Step (seconds)', name: 'params.stepSeconds', type: 'number', value: v.form.stepSeconds, required: true, errors: v.errors, attrs: html` min="0.001" step="any"`, hint: 'At most 100,000 samples per job' })}
<div><button type="submit" class="primary">Propagate</button></div>
</form>`;
}

export function jobsPage(v: JobsView): Html {
  return page({
    title: 'Jobs',
    section: 'jobs',
    body: html`<h1>Jobs</h1>
<section aria-labelledby="h-submit" class="panel"><h2 id="h-submit">Propagate an orbit</h2>${propagationForm(v)}</section>
<p><a href="/console/jobs/spectrum">Spectrum of telemetry →</a></p>
<section aria-labelledby="h-recent"><h2 id="h-recent">Recent jobs</h2>${jobsTable(v.jobs)}</section>`,
  });
}
