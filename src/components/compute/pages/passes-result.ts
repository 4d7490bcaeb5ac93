/**
 * An orbit.passes result on the job page: the first passes in AOS order, the spacecraft SGP4
 * gave up on, and every pass a link away (NDJSON: one pass a line).
 */
import { html, type Html } from '../../../platform/html/html.ts';
import { timeText } from '../../../platform/html/times.ts';
import type { PassRow } from '../../../core/orbit/passes.ts';
import type { JobSummary } from '../desk.ts';
import type { PassesSummary } from '../jobs/passes.ts';

/** Passes shown on the page; the rest are read through the API. */
export const SHOWN_PASSES = 500;

const deg = (v: number) => v.toFixed(1);
const duration = (s: number) => `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;

export function passesResult(job: JobSummary, passes: readonly PassRow[]): Html {
  const s = job.result as PassesSummary | undefined;
  if (!s) return html``;
  const href = `/v1/jobs/${encodeURIComponent(job.id)}/result`;
  return html`<section aria-labelledby="h-passes"><h2 id="h-passes">Passes</h2>
<p>${s.rows} passes of ${s.spacecraft} spacecraft over ${s.stations} stations${s.rows > passes.length ? html`; the first ${passes.length} are shown` : ''}.
<a class="button" href="${href}?format=ndjson" download>Download every pass (NDJSON)</a></p>
${s.failures.length ? html`<div class="problem" role="alert"><strong>No passes for ${s.failures.length} spacecraft</strong><ul>${s.failures.map((f) => html`<li>${f.spacecraft}: ${f.detail}</li>`)}</ul></div>` : ''}
<table class="passes">
<thead><tr><th scope="col">Spacecraft</th><th scope="col">Station</th><th scope="col">AOS</th><th scope="col" class="num">AOS az °</th><th scope="col">Highest</th><th scope="col" class="num">Elevation °</th><th scope="col" class="num">Az °</th><th scope="col">LOS</th><th scope="col" class="num">LOS az °</th><th scope="col" class="num">Duration</th></tr></thead>
<tbody>${passes.length
    ? passes.map((p) => html`<tr><td>${p.spacecraft}</td><td>${p.station}</td><td>${timeText(p.aos.time)}${p.startsBeforeWindow ? html` <small class="muted">(window start)</small>` : ''}</td><td class="num">${deg(p.aos.azimuthDeg)}</td><td>${timeText(p.max.time)}</td><td class="num">${deg(p.max.elevationDeg)}</td><td class="num">${deg(p.max.azimuthDeg)}</td><td>${timeText(p.los.time)}${p.endsAfterWindow ? html` <small class="muted">(window end)</small>` : ''}</td><td class="num">${deg(p.los.azimuthDeg)}</td><td class="num">${duration(p.durationSeconds)}</td></tr>`)
    : html`<tr><td colspan="10" class="empty">No passes in the window</td></tr>`}</tbody>
</table></section>`;
}
