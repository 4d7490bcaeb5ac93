/**
 * A spacecraft's page: its name and TLE, its channels, the channel form (a new channel, or
 * the one picked from the table), and the change history of the spacecraft or of that channel.
 */
import type { ChangeEntry, Channel, Spacecraft } from '../../../core/schemas.ts';
import { field, problemNotice, textArea, NO_ERRORS } from '../../../platform/html/form.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { page } from '../../../platform/html/layout.ts';
import { actorField } from './actor.ts';
import { changeHistory } from './change-history.ts';
import { channelForm, channelFormValues } from './channel-form.ts';
import { text, type FormValues } from '../../../platform/html/form-values.ts';
import type { Posted } from './missions.ts';

export function spacecraftFormValues(s: Spacecraft): FormValues {
  return { name: s.name, tle: s.tle?.join('\n') ?? '' };
}

function limitsText(c: Channel): string {
  const l = c.limits;
  if (!l) return '';
  return [l.redLow, l.yellowLow, l.yellowHigh, l.redHigh].map((v) => (v === undefined ? '·' : String(v))).join(' / ');
}

export interface SpacecraftView {
  spacecraft: Spacecraft;
  channels: Channel[];
  /** The channel picked for editing, with its history. */
  channel?: { channel: Channel; history: ChangeEntry[] };
  history: ChangeEntry[];
  actor: string;
  edit?: Posted;
  channelPost?: Posted;
}

export function spacecraftPage(view: SpacecraftView): Html {
  const s = view.spacecraft;
  const editErrors = view.edit?.errors ?? NO_ERRORS;
  const editing = view.channel?.channel;
  const channelValues = view.channelPost?.form ?? (editing ? channelFormValues(editing) : {});
  return page({
    title: `Spacecraft ${s.name}`,
    section: 'missions',
    body: html`<p class="crumbs"><a href="/console/missions">Missions</a> / <a href="/console/missions/${s.missionId}">${s.missionId}</a> / ${s.id}</p>
<h1>Spacecraft ${s.name}</h1>
<div class="grid-2">
<section aria-labelledby="h-spacecraft" class="panel"><h2 id="h-spacecraft">Settings</h2>
${problemNotice(editErrors)}
<form method="post" action="/console/spacecraft/${s.id}" enctype="multipart/form-data" class="stack">
${field({ label: 'Name', name: 'name', id: 'f-sc-name', value: text(view.edit?.form ?? spacecraftFormValues(s), 'name'), required: true, errors: editErrors })}
${textArea({ label: 'TLE', name: 'tle', id: 'f-sc-tle', rows: 2, value: text(view.edit?.form ?? spacecraftFormValues(s), 'tle'), hint: 'The two lines of a two-line element set; empty removes it', errors: editErrors, attrs: html` class="mono" spellcheck="false"` })}
<div class="field"><label for="f-tle-file">Or a TLE file</label><input id="f-tle-file" type="file" name="tleFile" accept=".tle,.txt,text/plain"></div>
${actorField(view.actor, 'spacecraft')}
<div><button type="submit" class="primary">Save spacecraft</button></div>
</form></section>
<section aria-labelledby="h-channel-form" class="panel"><h2 id="h-channel-form">${editing ? html`Channel ${editing.name}` : 'New channel'}</h2>
${channelForm({ spacecraft: s.id, values: channelValues, errors: view.channelPost?.errors ?? NO_ERRORS, actor: view.actor, editing: editing !== undefined })}
</section>
</div>
<section aria-labelledby="h-channels"><h2 id="h-channels">Channels</h2>
<table aria-label="Channels of ${s.id}"><thead><tr><th>Name</th><th>Type</th><th>Unit</th><th>Limits (red low / yellow low / yellow high / red high)</th><th class="num">Stale after (s)</th><th>Description</th></tr></thead>
<tbody>${view.channels.length
    ? view.channels.map((c) => html`<tr${c.name === editing?.name ? html` aria-current="true" class="selected"` : ''}><td><a href="/console/spacecraft/${s.id}?channel=${encodeURIComponent(c.name)}">${c.name}</a></td><td>${c.type}</td><td>${c.unit}</td><td>${limitsText(c)}</td><td class="num">${c.staleAfterSeconds}</td><td>${c.description}</td></tr>`)
    : html`<tr><td colspan="6" class="empty">No channels yet</td></tr>`}</tbody></table></section>
${editing && view.channel ? html`<section aria-labelledby="h-channel-history"><h2 id="h-channel-history">Change history of ${editing.name}</h2>
${changeHistory(view.channel.history, `Change history of channel ${editing.name}`)}</section>` : ''}
<section aria-labelledby="h-history"><h2 id="h-history">Change history of ${s.id}</h2>
<p class="muted">The spacecraft's changes and those of its channels, newest first.</p>
${changeHistory(view.history, `Change history of spacecraft ${s.id}`)}</section>`,
  });
}
