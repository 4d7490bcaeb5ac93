/**
 * The mission database's pages for missions: the list with a form for a new mission, and
 * a mission's page (its settings, its spacecraft with a form for a new one, its ground
 * stations, its definition
 * to export and import, its change history).
 */
import type { ChangeEntry, DefinitionImport, GroundStation, Mission, Spacecraft } from '../../../core/schemas.ts';
import { field, problemNotice, textArea, NO_ERRORS, type FormErrors } from '../../../platform/html/form.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { page } from '../../../platform/html/layout.ts';
import { actorField } from './actor.ts';
import { changeHistory } from './change-history.ts';
import { definitionSection } from './definition-import.ts';
import { groundStationsSection } from './ground-stations.ts';
import { text, type FormValues } from '../../../platform/html/form-values.ts';

/** A form as it was posted, with the problem it met; absent: the form shows the record as it is. */
export interface Posted {
  form: FormValues;
  errors: FormErrors;
}

export const MISSION_FIELDS = ['id', 'name', 'description', 'retentionDays', 'autoRegisterChannels'] as const;
export const SPACECRAFT_FIELDS = ['id', 'name', 'tle', 'missionId'] as const;

export function missionFormValues(m: Mission): FormValues {
  return { name: m.name, description: m.description ?? '', retentionDays: m.retentionDays === undefined ? '' : String(m.retentionDays), autoRegisterChannels: m.autoRegisterChannels ? 'true' : '' };
}

function missionFields(values: FormValues, errors: FormErrors, withId: boolean): Html {
  return html`${withId ? field({ label: 'Id', name: 'id', value: text(values, 'id'), required: true, hint: 'Letters, digits, . _ : -', errors }) : ''}
${field({ label: 'Name', name: 'name', value: text(values, 'name'), required: true, errors })}
${textArea({ label: 'Description', name: 'description', value: text(values, 'description'), errors })}
${field({ label: 'Retention (days)', name: 'retentionDays', type: 'number', value: text(values, 'retentionDays'), hint: 'Empty: telemetry is kept for good', errors })}
<div class="field check"><label><input type="checkbox" name="autoRegisterChannels" value="true"${text(values, 'autoRegisterChannels') === 'true' ? html` checked` : ''}> Register unknown channels automatically</label>
${errors.byField.get('autoRegisterChannels') ? html`<small class="field-error">${errors.byField.get('autoRegisterChannels')}</small>` : ''}</div>`;
}

export interface MissionsView {
  missions: Mission[];
  actor: string;
  posted?: Posted;
}

export function missionsPage(view: MissionsView): Html {
  const errors = view.posted?.errors ?? NO_ERRORS;
  return page({
    title: 'Missions',
    section: 'missions',
    body: html`<h1>Missions</h1>
<table aria-label="Missions"><thead><tr><th>Id</th><th>Name</th><th>Description</th><th class="num">Retention (days)</th><th>Created</th></tr></thead>
<tbody>${view.missions.length
    ? view.missions.map((m) => html`<tr><td><a href="/console/missions/${m.id}">${m.id}</a></td><td>${m.name}</td><td>${m.description}</td><td class="num">${m.retentionDays ?? '∞'}</td><td>${m.createdAt}</td></tr>`)
    : html`<tr><td colspan="5" class="empty">No missions yet</td></tr>`}</tbody></table>
<section aria-labelledby="h-new-mission" class="panel"><h2 id="h-new-mission">New mission</h2>
${problemNotice(errors)}
<form method="post" action="/console/missions" class="stack">
${missionFields(view.posted?.form ?? {}, errors, true)}
${actorField(view.actor, 'new-mission')}
<div><button type="submit" class="primary">Create mission</button></div>
</form></section>`,
  });
}

export interface MissionView {
  mission: Mission;
  spacecraft: Spacecraft[];
  groundStations?: GroundStation[];
  history: ChangeEntry[];
  actor: string;
  edit?: Posted;
  newSpacecraft?: Posted;
  groundStation?: Posted;
  importing?: Posted & { result?: DefinitionImport; dryRun: boolean };
}

export function missionPage(view: MissionView): Html {
  const m = view.mission;
  const editErrors = view.edit?.errors ?? NO_ERRORS;
  const scErrors = view.newSpacecraft?.errors ?? NO_ERRORS;
  return page({
    title: `Mission ${m.name}`,
    section: 'missions',
    body: html`<p class="crumbs"><a href="/console/missions">Missions</a> / ${m.id}</p>
<h1>Mission ${m.name}</h1>
<div class="grid-2">
<section aria-labelledby="h-mission" class="panel"><h2 id="h-mission">Settings</h2>
${problemNotice(editErrors)}
<form method="post" action="/console/missions/${m.id}" class="stack">
${missionFields(view.edit?.form ?? missionFormValues(m), editErrors, false)}
${actorField(view.actor, 'mission')}
<div><button type="submit" class="primary">Save mission</button></div>
</form></section>
<section aria-labelledby="h-new-spacecraft" class="panel"><h2 id="h-new-spacecraft">New spacecraft</h2>
${problemNotice(scErrors)}
<form method="post" action="/console/missions/${m.id}/spacecraft" enctype="multipart/form-data" class="stack">
${field({ label: 'Id', name: 'id', id: 'f-sc-id', value: text(view.newSpacecraft?.form ?? {}, 'id'), required: true, hint: 'Letters, digits, . _ : -', errors: scErrors })}
${field({ label: 'Name', name: 'name', id: 'f-sc-name', value: text(view.newSpacecraft?.form ?? {}, 'name'), required: true, errors: scErrors })}
${textArea({ label: 'TLE', name: 'tle', id: 'f-sc-tle', rows: 2, value: text(view.newSpacecraft?.form ?? {}, 'tle'), hint: 'Optional: the two lines of a two-line element set', errors: scErrors, attrs: html` class="mono" spellcheck="false"` })}
<div class="field"><label for="f-tle-file">Or a TLE file</label><input id="f-tle-file" type="file" name="tleFile" accept=".tle,.txt,text/plain"></div>
${actorField(view.actor, 'spacecraft')}
<div><button type="submit" class="primary">Add spacecraft</button></div>
</form></section>
</div>
<section aria-labelledby="h-spacecraft"><h2 id="h-spacecraft">Spacecraft</h2>
<table aria-label="Spacecraft of ${m.id}"><thead><tr><th>Id</th><th>Name</th><th>TLE epoch line</th><th>Created</th></tr></thead>
<tbody>${view.spacecraft.length
    ? view.spacecraft.map((s) => html`<tr><td><a href="/console/spacecraft/${s.id}">${s.id}</a></td><td>${s.name}</td><td><code class="tle">${s.tle?.[0] ?? '—'}</code></td><td>${s.createdAt}</td></tr>`)
    : html`<tr><td colspan="4" class="empty">No spacecraft yet</td></tr>`}</tbody></table></section>
${groundStationsSection(m.id, view.groundStations ?? [], view.actor, view.groundStation)}
${definitionSection(m.id, view.actor, view.importing)}
<section aria-labelledby="h-history"><h2 id="h-history">Change history</h2>
<p class="muted">The mission's changes and those of its spacecraft, channels and ground stations, newest first.</p>
${changeHistory(view.history, `Change history of ${m.id}`)}</section>`,
  });
}

export function notFoundPage(detail: string): Html {
  return page({ title: 'Not found', section: 'missions', body: html`<h1>Not found</h1><p>${detail}</p><p><a href="/console/missions">All missions</a></p>` });
}
