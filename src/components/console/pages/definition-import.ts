/**
 * A mission's definition on its page: links that download it as JSON or YAML, and a form
 * that imports one (pasted or uploaded), as a dry run that lists what would change or for good.
 */
import type { DefinitionImport } from '../../../core/schemas.ts';
import { problemNotice, textArea, NO_ERRORS, type FormErrors } from '../../../platform/html/form.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { actorField } from './actor.ts';
import { shownValue } from './change-history.ts';
import { text, type FormValues } from '../../../platform/html/form-values.ts';

export interface Importing {
  form: FormValues;
  errors: FormErrors;
  result?: DefinitionImport;
  dryRun: boolean;
}

function changesTable(result: DefinitionImport, dryRun: boolean): Html {
  const rows = result.changes.flatMap((c) => c.fields.map((f, i) => html`<tr>${i === 0 ? html`<td rowspan="${c.fields.length}">${c.entity}</td><td rowspan="${c.fields.length}">${c.id}</td><td rowspan="${c.fields.length}">${c.action}</td>` : ''}<td><code>${f.field}</code></td><td>${shownValue(f.old)}</td><td>${shownValue(f.new)}</td></tr>`));
  return html`<div class="${result.applied ? 'notice' : 'panel'}" role="status" id="import-result">
<p><strong>${dryRun ? 'Dry run: nothing was written.' : result.applied ? 'Imported.' : 'Nothing to import: the definition on record is the same.'}</strong> ${result.changes.length} ${result.changes.length === 1 ? 'record' : 'records'} ${dryRun ? 'would change' : 'changed'}. ${result.note}</p>
${result.changes.length ? html`<table aria-label="Changes of the import"><thead><tr><th>Entity</th><th>Id</th><th>Action</th><th>Field</th><th>Old</th><th>New</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
</div>`;
}

export function definitionSection(missionId: string, actor: string, importing?: Importing): Html {
  const errors = importing?.errors ?? NO_ERRORS;
  return html`<section aria-labelledby="h-definition"><h2 id="h-definition">Definition</h2>
<p>The mission, its spacecraft with their TLEs and their channels with every setting, and its ground stations, as one document:
<a class="button" href="/v1/missions/${missionId}/definition?format=json" download>Export JSON</a>
<a class="button" href="/v1/missions/${missionId}/definition?format=yaml" download>Export YAML</a></p>
<div class="panel">
<h3>Import</h3>
<p class="muted">Creates what is new and updates what differs. Spacecraft, channels and ground stations the document leaves out are kept: an import never deletes.</p>
${problemNotice(errors)}
${importing?.result ? changesTable(importing.result, importing.dryRun) : ''}
<form method="post" action="/console/missions/${missionId}/import" enctype="multipart/form-data" class="stack">
${textArea({ label: 'Definition (JSON or YAML)', name: 'document', rows: 10, value: text(importing?.form ?? {}, 'document'), errors, attrs: html` class="mono" spellcheck="false"` })}
<div class="field"><label for="f-file">Or a file</label><input id="f-file" type="file" name="file" accept=".json,.yaml,.yml,application/json,application/yaml"></div>
${actorField(actor, 'import')}
<div class="buttons"><button type="submit" name="mode" value="dry-run">Dry run</button> <button type="submit" name="mode" value="apply" class="primary">Apply</button></div>
</form></div></section>`;
}
