/**
 * Form fields that show the API's validation errors beside the field they name. A field's
 * name is the path of its value in the API's JSON body (`limits.redHigh`), so the pointer
 * of a problem's error (`/limits/redHigh`) finds its field.
 */
import type { FieldError, HttpProblem } from '../problem.ts';
import { html, type Html } from './html.ts';

/** The errors of a failed action by field name, and those that name no field. */
export interface FormErrors {
  byField: Map<string, string>;
  other: string[];
  /** The problem's own sentence (detail), when there was a problem. */
  summary?: string;
}

export const NO_ERRORS: FormErrors = { byField: new Map(), other: [] };

/** `/limits/redHigh` -> `limits.redHigh`; querystring/params pointers keep their last part. */
export function fieldName(pointer: string): string {
  return pointer.replace(/^(querystring|params)\//, '').replace(/^\//, '').replaceAll('/', '.');
}

export function formErrors(problem: HttpProblem | undefined, fields: readonly string[]): FormErrors {
  if (!problem) return NO_ERRORS;
  const byField = new Map<string, string>();
  const other: string[] = [];
  for (const e of problem.errors ?? ([] as FieldError[])) {
    const name = fieldName(e.pointer);
    // An error inside a field's value (limits.redHigh under limits) belongs to the nearest field named.
    const owner = fields.find((f) => name === f) ?? fields.find((f) => name.startsWith(`${f}.`));
    if (owner && !byField.has(owner)) byField.set(owner, e.detail);
    else other.push(`${name || 'request'}: ${e.detail}`);
  }
  return { byField, other, summary: problem.message };
}

const idOf = (name: string) => `f-${name.replace(/[^\w-]/g, '-')}`;

export interface FieldOptions {
  label: string;
  name: string;
  value?: string | number | null;
  type?: 'text' | 'number' | 'datetime-local' | 'url' | 'search' | 'password';
  hint?: string;
  required?: boolean;
  errors?: FormErrors;
  /** Extra attributes (step, min, placeholder...), as markup. */
  attrs?: Html;
  /** The control's id, when two forms of a page have a field of the same name (default: from the name). */
  id?: string;
}

function described(name: string, hint: string | undefined, error: string | undefined, givenId?: string) {
  const id = givenId ?? idOf(name);
  const ids = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  return {
    id,
    aria: html`${ids ? html` aria-describedby="${ids}"` : ''}${error ? html` aria-invalid="true"` : ''}`,
    after: html`${hint ? html`<small id="${id}-hint" class="hint">${hint}</small>` : ''}${error ? html`<small id="${id}-error" class="field-error">${error}</small>` : ''}`,
  };
}

export function field(o: FieldOptions): Html {
  const error = o.errors?.byField.get(o.name);
  const d = described(o.name, o.hint, error, o.id);
  return html`<div class="field${error ? ' has-error' : ''}">
  <label for="${d.id}">${o.label}</label>
  <input id="${d.id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.required ? html` required` : ''}${d.aria}${o.attrs ?? ''}>
  ${d.after}
</div>`;
}

export function textArea(o: Omit<FieldOptions, 'type'> & { rows?: number }): Html {
  const error = o.errors?.byField.get(o.name);
  const d = described(o.name, o.hint, error, o.id);
  return html`<div class="field${error ? ' has-error' : ''}">
  <label for="${d.id}">${o.label}</label>
  <textarea id="${d.id}" name="${o.name}" rows="${o.rows ?? 3}"${o.required ? html` required` : ''}${d.aria}${o.attrs ?? ''}>${o.value ?? ''}</textarea>
  ${d.after}
</div>`;
}

export function select(o: Omit<FieldOptions, 'type'> & { options: readonly (string | { value: string; label: string })[] }): Html {
  const error = o.errors?.byField.get(o.name);
  const d = described(o.name, o.hint, error, o.id);
  return html`<div class="field${error ? ' has-error' : ''}">
  <label for="${d.id}">${o.label}</label>
  <select id="${d.id}" name="${o.name}"${d.aria}${o.attrs ?? ''}>
    ${o.options.map((opt) => {
      const { value, label } = typeof opt === 'string' ? { value: opt, label: opt } : opt;
      return html`<option value="${value}"${String(o.value ?? '') === value ? html` selected` : ''}>${label}</option>`;
    })}
  </select>
  ${d.after}
</div>`;
}

/** What went wrong, above the form: the problem's detail and the errors no field shows. */
export function problemNotice(errors: FormErrors): Html {
  if (!errors.summary && !errors.other.length) return html``;
  return html`<div class="problem" role="alert">
  <strong>${errors.summary ?? 'The request was refused'}</strong>
  ${errors.other.length ? html`<ul>${errors.other.map((e) => html`<li>${e}</li>`)}</ul>` : ''}
</div>`;
}
