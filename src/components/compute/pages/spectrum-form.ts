/**
 * The spectrum page: a form that submits a telemetry.spectrum job, as POST /v1/jobs does,
 * to the same action as the propagation form. Fields are named after the request body's
 * paths, so the API's errors land beside them.
 */
import type { Spacecraft } from '../../../core/schemas.ts';
import { field, problemNotice, select, type FormErrors } from '../../../platform/html/form.ts';
import { html } from '../../../platform/html/html.ts';
import { page } from '../../../platform/html/layout.ts';

export const SPECTRUM_FIELDS = ['params.spacecraft', 'params.channels', 'params.from', 'params.to', 'params.segmentLength', 'params.window', 'params.detrend'] as const;

/** The form's values as typed; channels separated by commas. */
export interface SpectrumForm {
  spacecraft: string;
  channels: string;
  from: string;
  to: string;
  segmentLength: string;
  window: string;
  detrend: string;
}

export interface SpectrumView {
  spacecraft: Spacecraft[];
  form: SpectrumForm;
  errors: FormErrors;
}

export function spectrumPage(v: SpectrumView) {
  const { form, errors } = v;
  const options = v.spacecraft.map((s) => ({ value: s.id, label: s.name === s.id ? s.id : `${s.name} (${s.id})` }));
  return page({
    title: 'Spectrum of telemetry',
    section: 'jobs',
    body: html`<p><a href="/console/jobs">← Jobs</a></p>
<h1>Spectrum of telemetry</h1>
<p>Power spectral density (Welch) of number channels over a time range of the archive and, for two or more, their cross-correlation. Readings are interpolated onto a uniform grid at the smallest median interval between them.</p>
<form method="post" action="/console/jobs" class="stack panel" aria-label="Spectrum job">
${problemNotice(errors)}
<input type="hidden" name="type" value="telemetry.spectrum">
${select({ label: 'Spacecraft', name: 'params.spacecraft', value: form.spacecraft, errors, options })}
${field({ label: 'Channels', name: 'params.channels', value: form.channels, required: true, errors, hint: 'Number channels, separated by commas' })}
${field({ label: 'From (UTC)', name: 'params.from', type: 'datetime-local', value: form.from, required: true, errors, attrs: html` step="1"` })}
${field({ label: 'To (UTC)', name: 'params.to', type: 'datetime-local', value: form.to, required: true, errors, attrs: html` step="1"` })}
${field({ label: 'Segment length (samples)', name: 'params.segmentLength', type: 'number', value: form.segmentLength, required: true, errors, attrs: html` min="16" max="65536"`, hint: 'A power of two; the frequency resolution is the sample rate divided by it' })}
${select({ label: 'Window', name: 'params.window', value: form.window, errors, options: ['hann', 'hamming', 'rectangular'] })}
${select({ label: 'Detrend', name: 'params.detrend', value: form.detrend, errors, options: ['mean', 'linear', 'none'] })}
<div><button type="submit" class="primary">Compute spectrum</button></div>
</form>`,
  });
}
