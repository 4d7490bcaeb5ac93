/**
 * One job: its parameters, its progress, and once done its result or its error. While
 * the job is queued or running, htmx asks for the live part every 500 ms; the answer for
 * a finished job carries status 286, which stops the polling. The state and percent are
 * also written into a polite live region that stays in place, so it is announced.
 */
import { html, type Html } from '../../../platform/html/html.ts';
import { page } from '../../../platform/html/layout.ts';
import { timeText } from '../../../platform/html/times.ts';
import type { JobSummary } from '../desk.ts';
import type { StoredPropagateParams } from '../jobs/propagate.ts';
import type { StateTable } from '../propagate.ts';
import { spectrumResult } from './spectrum-result.ts';
import { passesResult } from './passes-result.ts';
import type { PassRow } from '../../../core/orbit/passes.ts';
import type { LonLat } from '../../../core/geo/equirectangular.ts';
import { groundTrackSvg } from './ground-track.ts';
import { percent } from './jobs-list.ts';
import { sampleRow } from './samples.ts';

const RESULT_PAGE_ROWS = 100;

export interface JobView {
  job: JobSummary;
  states?: StateTable;
  /** First row of the result table shown. */
  offset: number;
  land?: readonly (readonly LonLat[])[];
  /** The first passes of an orbit.passes result. */
  passes?: readonly PassRow[];
}

export const isFinished = (job: JobSummary) => job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
const canCancel = (job: JobSummary) => job.state === 'queued' || job.state === 'running';

const statusText = (job: JobSummary) => `${job.state}, ${percent(job.progress)}`;
const fixed = (value: number, digits: number) => value.toFixed(digits);
const jobHref = (job: JobSummary) => `/console/jobs/${encodeURIComponent(job.id)}`;

function resultTable(v: JobView, states: StateTable): Html {
  const last = Math.min(states.count, v.offset + RESULT_PAGE_ROWS);
  const rows: Html[] = [];
  for (let i = v.offset; i < last; i++) {
    const r = sampleRow(states, i);
    const speed = Math.hypot(...r.velocityKmS);
    rows.push(html`<tr><td>${timeText(new Date(r.timeMs).toISOString())}</td><td class="num">${fixed(r.latitudeDeg, 4)}</td><td class="num">${fixed(r.longitudeDeg, 4)}</td><td class="num">${fixed(r.altitudeKm, 3)}</td><td class="num">${r.positionKm.map((c) => fixed(c, 3)).join(', ')}</td><td class="num">${fixed(speed, 4)}</td></tr>`);
  }
  const pageAt = (offset: number) => `${jobHref(v.job)}?offset=${offset}#h-samples`;
  return html`<table class="samples">
<caption class="muted">Samples ${v.offset + 1}–${last} of ${states.count}</caption>
<thead><tr><th scope="col">Time</th><th scope="col" class="num">Latitude °</th><th scope="col" class="num">Longitude °</th><th scope="col" class="num">Altitude km</th><th scope="col" class="num">Position x, y, z km (TEME)</th><th scope="col" class="num">Speed km/s</th></tr></thead>
<tbody>${rows}</tbody></table>
${v.offset > 0 || last < states.count ? html`<nav class="pager" aria-label="Sample pages">
${v.offset > 0 ? html`<a href="${pageAt(Math.max(0, v.offset - RESULT_PAGE_ROWS))}" rel="prev">← Earlier samples</a>` : ''}
${last < states.count ? html`<a href="${pageAt(last)}" rel="next">Later samples →</a>` : ''}
</nav>` : ''}`;
}

function result(v: JobView): Html {
  const { job, states } = v;
  if (job.state === 'failed') return html`<div class="problem" role="alert"><strong>The job failed</strong><p>${job.error}</p></div>`;
  if (job.state === 'cancelled') return html`<p class="muted">The job was cancelled; it has no result.</p>`;
  if (job.state === 'succeeded' && job.type === 'telemetry.spectrum') return spectrumResult(job);
  if (job.state === 'succeeded' && job.type === 'orbit.passes') return passesResult(job, v.passes ?? []);
  if (job.state !== 'succeeded' || !states) return html``;
  const params = job.params as unknown as StoredPropagateParams;
  const track: LonLat[] = Array.from({ length: states.count }, (_, i) => {
    const r = sampleRow(states, i);
    return { lat: r.latitudeDeg, lon: r.longitudeDeg };
  });
  return html`<section aria-labelledby="h-track"><h2 id="h-track">Ground track</h2>
${groundTrackSvg(track, {
    title: `Ground track of ${params.spacecraft}`,
    description: `${states.count} samples from ${params.from} to ${params.to}; the dot marks the first`,
    ...(v.land && { land: v.land }),
  })}
</section>
<section aria-labelledby="h-samples"><h2 id="h-samples">Samples</h2>
<p><a class="button" href="${jobHref(job)}/result.csv" download>Download CSV</a></p>
${resultTable(v, states)}
</section>`;
}

/** Stops the job; shown while it can be. */
function cancelForm(job: JobSummary): Html {
  if (!canCancel(job)) return html``;
  return html`<form method="post" action="${jobHref(job)}/cancel" class="cancel-job"><button type="submit">Cancel job</button></form>`;
}

/** What changes while the job runs: the bar, the cancel button and, once finished, the result; with `oob`, the status line too. */
export function jobLive(v: JobView, oob = false): Html {
  const { job } = v;
  return html`<progress id="job-progress" max="100" value="${Math.floor(job.progress * 100)}" aria-label="Progress">${percent(job.progress)}</progress>
${cancelForm(job)}
${result(v)}
${oob ? html`<span id="job-status" hx-swap-oob="innerHTML">${statusText(job)}</span>` : ''}`;
}

/** A list parameter: values joined, records by their ids, and records without one (a conjunction screening's element sets, thousands of them) counted. */
function listText(values: unknown[]): string {
  if (values.every((x) => typeof x !== 'object' || x === null)) return values.join(', ');
  if (values.every((x) => typeof (x as { id?: unknown }).id === 'string')) return values.map((x) => (x as { id: string }).id).join(', ');
  return String(values.length);
}

/** The job's parameters as facts: times as times, lists joined, the TLE left out (it is long and shown on the spacecraft). */
function paramFacts(params: Record<string, unknown>): Html[] {
  // camelCase names as words, units in brackets: stepSeconds -> "Step (s)", sampleRateHz -> "Sample rate (Hz)".
  const label = (key: string) =>
    key.replace(/([a-z])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`).replace(/ seconds$/, ' (s)').replace(/ hz$/, ' (Hz)').replace(/ km$/, ' (km)').replace(/^./, (c) => c.toUpperCase());
  return Object.entries(params)
    .filter(([key, value]) => key !== 'tle' && key !== 'units' && value !== undefined)
    .map(([key, value]) => {
      const shown = (key === 'from' || key === 'to') && typeof value === 'string' ? timeText(value) : Array.isArray(value) ? listText(value) : String(value);
      return html`<dt>${label(key)}</dt><dd>${shown}</dd>`;
    });
}

export function jobPage(v: JobView): Html {
  const { job } = v;
  const polling = isFinished(job) ? html`` : html` hx-get="${jobHref(job)}/live" hx-trigger="every 500ms" hx-swap="innerHTML"`;
  return page({
    title: `Job ${job.id.slice(0, 8)}`,
    section: 'jobs',
    body: html`<p><a href="/console/jobs">← Jobs</a></p>
<h1>Job <code>${job.id}</code></h1>
<dl class="facts">
<dt>Type</dt><dd>${job.type}</dd>
${paramFacts(job.params)}
<dt>Created</dt><dd>${timeText(job.createdAt)}</dd>
${job.startedAt ? html`<dt>Started</dt><dd>${timeText(job.startedAt)}</dd>` : ''}
${job.finishedAt ? html`<dt>Finished</dt><dd>${timeText(job.finishedAt)}</dd>` : ''}
</dl>
<p>State: <strong id="job-status" role="status" aria-live="polite">${statusText(job)}</strong></p>
<div id="job-live"${polling}>
${jobLive(v)}
</div>
<noscript>${isFinished(job) ? '' : html`<p class="muted">Reload the page to follow the job.</p>`}</noscript>`,
  });
}

export function jobNotFoundPage(id: string): Html {
  return page({
    title: 'No such job',
    section: 'jobs',
    body: html`<h1>No such job</h1><div class="problem" role="alert"><strong>There is no job "${id}".</strong></div><p><a href="/console/jobs">← Jobs</a></p>`,
  });
}
