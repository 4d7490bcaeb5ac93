/**
 * The channel form (create and edit, `PUT /v1/spacecraft/{id}/channels/{name}` semantics:
 * what the form leaves empty is not set) and its translation to the API's body. Limit
 * sets, rare and nested, are edited as JSON.
 */
import { DETECTOR_NAMES } from '../../../core/anomaly/registry.ts';
import type { Channel } from '../../../core/schemas.ts';
import { badRequest } from '../../../platform/problem.ts';
import { field, problemNotice, select, textArea, type FormErrors } from '../../../platform/html/form.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { actorField } from './actor.ts';
import { nestedBody, numberOrText, optionalText, text, type FormValues } from '../../../platform/html/form-values.ts';

const LIMITS = [['redLow', 'Red low'], ['yellowLow', 'Yellow low'], ['yellowHigh', 'Yellow high'], ['redHigh', 'Red high']] as const;

export const CHANNEL_FIELDS = [
  'name', 'type', 'unit', 'description', 'expression', 'calibration.polynomial', ...LIMITS.map(([k]) => `limits.${k}`), 'limitSets',
  'staleAfterSeconds', 'returnToNormal', 'debounce.samples', 'debounce.seconds', 'detector.name', 'detector.sensitivity',
] as const;

const str = (v: number | undefined) => (v === undefined ? '' : String(v));

export function channelFormValues(c: Channel): FormValues {
  return {
    name: c.name, type: c.type, unit: c.unit ?? '', description: c.description ?? '', expression: c.expression ?? '',
    'calibration.polynomial': c.calibration?.polynomial.join(', ') ?? '',
    ...Object.fromEntries(LIMITS.map(([k]) => [`limits.${k}`, str(c.limits?.[k])])),
    limitSets: c.limitSets ? JSON.stringify(c.limitSets, null, 2) : '',
    staleAfterSeconds: str(c.staleAfterSeconds), returnToNormal: c.returnToNormal ?? '',
    'debounce.samples': str(c.debounce?.samples), 'debounce.seconds': str(c.debounce?.seconds),
    'detector.name': c.detector?.name ?? '', 'detector.sensitivity': str(c.detector?.sensitivity),
  };
}

function limitSetsOf(value: string): unknown {
  if (value.trim() === '') return undefined;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw badRequest('invalid channel definition', [{ pointer: '/limitSets', detail: `is not valid JSON: ${(error as Error).message}` }]);
  }
}

/** The channel's name and the JSON body the API's PUT would take. */
export function channelBody(form: FormValues): { name: string; body: Record<string, unknown> } {
  const polynomial = text(form, 'calibration.polynomial');
  return {
    name: text(form, 'name').trim(),
    body: nestedBody([
      ['type', text(form, 'type')],
      ['unit', optionalText(text(form, 'unit'))],
      ['description', optionalText(text(form, 'description'))],
      ['expression', optionalText(text(form, 'expression'))],
      ['calibration.polynomial', polynomial.trim() === '' ? undefined : polynomial.split(',').map((c) => numberOrText(c) ?? c)],
      ...LIMITS.map(([k]) => [`limits.${k}`, numberOrText(text(form, `limits.${k}`))] as const),
      ['limitSets', limitSetsOf(text(form, 'limitSets'))],
      ['staleAfterSeconds', numberOrText(text(form, 'staleAfterSeconds'))],
      ['returnToNormal', optionalText(text(form, 'returnToNormal'))],
      ['debounce.samples', numberOrText(text(form, 'debounce.samples'))],
      ['debounce.seconds', numberOrText(text(form, 'debounce.seconds'))],
      ['detector.name', optionalText(text(form, 'detector.name'))],
      ['detector.sensitivity', numberOrText(text(form, 'detector.sensitivity'))],
    ]),
  };
}

export function channelForm(o: { spacecraft: string; values: FormValues; errors: FormErrors; actor: string; editing: boolean }): Html {
  const { values: v, errors } = o;
  const num = (name: string, label: string, hint?: string) => field({ label, name, type: 'number', value: text(v, name), hint, errors, attrs: html` step="any"` });
  return html`${problemNotice(errors)}
<form method="post" action="/console/spacecraft/${o.spacecraft}/channels" class="stack channel-form">
${field({ label: 'Name', name: 'name', value: text(v, 'name'), required: true, hint: o.editing ? 'Saving under another name defines another channel' : 'Letters, digits, . _ : / -', errors })}
${select({ label: 'Type', name: 'type', value: text(v, 'type') || 'number', options: ['number', 'string', 'boolean'], errors })}
${field({ label: 'Unit', name: 'unit', value: text(v, 'unit'), errors })}
${textArea({ label: 'Description', name: 'description', value: text(v, 'description'), rows: 2, errors })}
${field({ label: 'Calibration polynomial', name: 'calibration.polynomial', value: text(v, 'calibration.polynomial'), hint: 'Coefficients c0, c1, c2 … separated by commas: c0 + c1·x + c2·x²', errors })}
<fieldset class="limits"><legend>Limits (engineering value)</legend>
${LIMITS.map(([k, label]) => num(`limits.${k}`, label))}
</fieldset>
<fieldset><legend>Alerting</legend>
${num('staleAfterSeconds', 'Stale after (seconds)', 'An alert when no reading came for this long')}
${select({ label: 'Return to normal', name: 'returnToNormal', value: text(v, 'returnToNormal'), options: [{ value: '', label: '(default: auto)' }, 'auto', 'acknowledge'], hint: 'acknowledge: the alert stays until acknowledged', errors })}
${num('debounce.samples', 'Debounce (samples)', 'Raise on the Nth consecutive reading past a limit')}
${num('debounce.seconds', 'Debounce (seconds)', 'Raise once readings past a limit span this long')}
${select({ label: 'Anomaly detector', name: 'detector.name', value: text(v, 'detector.name'), options: [{ value: '', label: '(none)' }, ...DETECTOR_NAMES], errors })}
${num('detector.sensitivity', 'Detector sensitivity', '0 to 1; 0.5 is the tuned default')}
</fieldset>
${field({ label: 'Expression (derived channel)', name: 'expression', value: text(v, 'expression'), hint: 'Computed from other number channels, e.g. sqrt(x^2 + y^2)', errors })}
${textArea({ label: 'Limit sets (JSON)', name: 'limitSets', value: text(v, 'limitSets'), rows: 3, hint: 'Limits that apply while another channel has a value: [{"when": {"channel": "mode", "equals": "safe"}, "limits": {…}}]', errors, attrs: html` class="mono" spellcheck="false"` })}
${actorField(o.actor, 'channel')}
<div><button type="submit" class="primary">${o.editing ? 'Save channel' : 'Create channel'}</button>${o.editing ? html` <a href="/console/spacecraft/${o.spacecraft}">New channel instead</a>` : ''}</div>
</form>`;
}
