/**
 * A mission's ground stations on its page: a table with a delete button per station, and
 * one form that adds a station or, given an existing id, replaces it.
 */
import type { GroundStation } from '../../../core/schemas.ts';
import { field, problemNotice, textArea, NO_ERRORS } from '../../../platform/html/form.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { nestedBody, numberOrText, text, type FormValues } from '../../../platform/html/form-values.ts';
import { actorField } from './actor.ts';
import type { Posted } from './missions.ts';

export const GROUND_STATION_FIELDS = ['id', 'name', 'latitudeDeg', 'longitudeDeg', 'altitudeM', 'elevationMaskDeg', 'horizonMask'] as const;

/**
 * A horizon typed as `azimuth:elevation` pairs separated by commas or lines; undefined when
 * empty. A pair that is not one stays text, so the schema names it.
 */
export function horizonFromText(value: string): unknown[] | undefined {
  const entries = value.split(/[\n,;]+/).map((e) => e.trim()).filter((e) => e !== '');
  if (!entries.length) return undefined;
  return entries.map((entry) => {
    const parts = entry.split(':');
    return parts.length === 2 ? { azimuthDeg: numberOrText(parts[0]!) ?? '', elevationDeg: numberOrText(parts[1]!) ?? '' } : entry;
  });
}

export const horizonText = (points: GroundStation['horizonMask']): string => (points ?? []).map((p) => `${p.azimuthDeg}:${p.elevationDeg}`).join(', ');

/** The API's body from the form; numbers that are not stay text, so the schema names the field. */
export function groundStationBody(form: FormValues): Record<string, unknown> {
  return nestedBody([
    ['name', text(form, 'name')],
    ['latitudeDeg', numberOrText(text(form, 'latitudeDeg')) ?? ''],
    ['longitudeDeg', numberOrText(text(form, 'longitudeDeg')) ?? ''],
    ['altitudeM', numberOrText(text(form, 'altitudeM'))],
    ['elevationMaskDeg', numberOrText(text(form, 'elevationMaskDeg'))],
    ['horizonMask', horizonFromText(text(form, 'horizonMask'))],
  ]);
}

const ANY_NUMBER = html` step="any" inputmode="decimal"`;

export function groundStationsSection(missionId: string, stations: readonly GroundStation[], actor: string, posted?: Posted): Html {
  const errors = posted?.errors ?? NO_ERRORS;
  const values = posted?.form ?? {};
  const input = (label: string, name: (typeof GROUND_STATION_FIELDS)[number], hint?: string, required = false) =>
    field({ label, name, id: `f-gs-${name}`, value: text(values, name), hint, required, errors, ...(name !== 'id' && name !== 'name' && { type: 'number' as const, attrs: ANY_NUMBER }) });
  return html`<section aria-labelledby="h-ground-stations"><h2 id="h-ground-stations">Ground stations</h2>
<table aria-label="Ground stations of ${missionId}"><thead><tr><th>Id</th><th>Name</th><th class="num">Latitude (°)</th><th class="num">Longitude (°)</th><th class="num">Altitude (m)</th><th class="num">Mask (°)</th><th>Horizon (azimuth:elevation)</th><th></th></tr></thead>
<tbody>${stations.length
    ? stations.map((g) => html`<tr><td>${g.id}</td><td>${g.name}</td><td class="num">${g.latitudeDeg}</td><td class="num">${g.longitudeDeg}</td><td class="num">${g.altitudeM}</td><td class="num">${g.elevationMaskDeg}</td><td>${g.horizonMask ? html`<code>${horizonText(g.horizonMask)}</code>` : '—'}</td>
<td><form method="post" action="/console/missions/${missionId}/ground-stations/${g.id}/delete"><input type="hidden" name="actor" value="${actor}"><button type="submit" aria-label="Delete ground station ${g.id}">Delete</button></form></td></tr>`)
    : html`<tr><td colspan="8" class="empty">No ground stations yet</td></tr>`}</tbody></table>
<div class="panel"><h3 id="h-ground-station-form">Add or replace a ground station</h3>
${problemNotice(errors)}
<form method="post" action="/console/missions/${missionId}/ground-stations" class="stack" aria-labelledby="h-ground-station-form">
${input('Id', 'id', 'Letters, digits, . _ : -; an existing id replaces that station', true)}
${input('Name', 'name', undefined, true)}
${input('Latitude (°)', 'latitudeDeg', 'Geodetic, WGS-84: -90 to 90, north positive', true)}
${input('Longitude (°)', 'longitudeDeg', '-180 to 180, east positive', true)}
${input('Altitude (m)', 'altitudeM', 'Above the WGS-84 ellipsoid; empty: 0')}
${input('Elevation mask (°)', 'elevationMaskDeg', 'No pass below it; empty: 0')}
${textArea({ label: 'Horizon by azimuth', name: 'horizonMask', id: 'f-gs-horizonMask', rows: 2, value: text(values, 'horizonMask'), errors, hint: 'Optional: azimuth:elevation pairs in degrees by increasing azimuth, e.g. 0:12, 90:3, 200:8; joined linearly around through north, never below the mask above', attrs: html` class="mono" spellcheck="false"` })}
${actorField(actor, 'ground-station')}
<div><button type="submit" class="primary">Save ground station</button></div>
</form></div></section>`;
}
