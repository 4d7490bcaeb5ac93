/**
 * A telemetry.spectrum result on the job page: the peak of each channel and the best lag
 * of each pair, with the full spectrum a link away (NDJSON: one frequency or lag a line).
 */
import { html, type Html } from '../../../platform/html/html.ts';
import type { JobSummary } from '../desk.ts';

interface Summary {
  rows: number;
  sampleRateHz: number;
  sampleRateFrom: string;
  samples: number;
  segmentLength: number;
  segments: number;
  frequencyResolutionHz: number;
  channels: { channel: string; unit?: string; readings: number; variance: number; peakFrequencyHz: number; peakDensity: number }[];
  pairs: { channels: string[]; peakLagSeconds: number; peakCorrelation: number }[];
}

const num = (v: number) => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6) || v === 0 ? String(Number(v.toPrecision(6))) : v.toExponential(4);

export function spectrumResult(job: JobSummary): Html {
  const s = job.result as Summary | undefined;
  if (!s) return html``;
  const href = `/v1/jobs/${encodeURIComponent(job.id)}/result`;
  return html`<section aria-labelledby="h-spectrum"><h2 id="h-spectrum">Spectrum</h2>
<p>${s.samples} samples per channel at ${num(s.sampleRateHz)} Hz (${s.sampleRateFrom}); ${s.segments} segments of ${s.segmentLength}, resolution ${num(s.frequencyResolutionHz)} Hz.</p>
<table class="spectrum-peaks">
<thead><tr><th scope="col">Channel</th><th scope="col" class="num">Readings</th><th scope="col" class="num">Variance</th><th scope="col" class="num">Peak Hz</th><th scope="col" class="num">Peak density</th></tr></thead>
<tbody>${s.channels.map((c) => html`<tr><td>${c.channel}</td><td class="num">${c.readings}</td><td class="num">${num(c.variance)}${c.unit ? html` ${c.unit}²` : ''}</td><td class="num">${num(c.peakFrequencyHz)}</td><td class="num">${num(c.peakDensity)}${c.unit ? html` ${c.unit}²/Hz` : ''}</td></tr>`)}</tbody>
</table>
${s.pairs.length ? html`<table class="spectrum-pairs">
<thead><tr><th scope="col">Channels</th><th scope="col" class="num">Best lag s</th><th scope="col" class="num">Correlation</th></tr></thead>
<tbody>${s.pairs.map((p) => html`<tr><td>${p.channels.join(' → ')}</td><td class="num">${num(p.peakLagSeconds)}</td><td class="num">${p.peakCorrelation.toFixed(3)}</td></tr>`)}</tbody>
</table>` : ''}
<p><a class="button" href="${href}?format=ndjson" download>Download the ${s.rows} rows (NDJSON)</a></p>
</section>`;
}
