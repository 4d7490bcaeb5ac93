/**
 * telemetry.spectrum: power spectral density (Welch) of number channels over a time range
 * of the archive and, for two or more, their normalised cross-correlation, so operators can
 * find vibrations and periodic faults.
 *
 * Readings come at irregular times. They are interpolated linearly onto one uniform grid
 * shared by every channel (a cross-correlation needs the same instants): at `sampleRateHz`
 * when given, else at the smallest of the channels' median reading intervals, so no channel
 * is sampled coarser than it was read. The grid spans the time all channels have readings.
 *
 * One chunk per channel (its Welch PSD) and one per pair of channels (their correlation)
 * run on the worker threads.
 */
import { Type, type Static } from 'typebox';
import { ChannelName, TimeInput, TimeOutput } from '../../../core/schemas.ts';
import { checkWindow } from '../check-params.ts';
import { medianInterval, resample } from '../../../core/signal/resample.ts';
import { DETRENDS, WINDOWS, crossCorrelation, isPowerOfTwo, peakBin, powerOfTwoBelow, welch, type Detrend, type WindowName } from '../../../core/signal/spectrum.ts';
import { HttpProblem } from '../../../platform/problem.ts';
import type { ResultPart } from '../../../stores/jobs/store.ts';
import { JobFailure, kind, type RunContext } from '../kind.ts';

const MAX_CHANNELS = 8;
const MIN_SEGMENT = 16;
const MAX_SEGMENT = 65_536;
const DEFAULTS: { segmentLength: number; overlap: number; window: WindowName; detrend: Detrend } = { segmentLength: 1024, overlap: 0.5, window: 'hann', detrend: 'mean' };
/** Rows per stored part: a few hundred kilobytes of JSON at most. */
const PART_ROWS = 2000;

const WindowSchema = (o: { default?: string; description?: string } = {}) => Type.Union([Type.Literal('hann'), Type.Literal('hamming'), Type.Literal('rectangular')], o);
const DetrendSchema = (o: { default?: string; description?: string } = {}) => Type.Union([Type.Literal('none'), Type.Literal('mean'), Type.Literal('linear')], o);

export const SpectrumParams = Type.Object(
  {
    spacecraft: Type.String({ minLength: 1, maxLength: 128, description: 'Id of the spacecraft' }),
    channels: Type.Array(ChannelName, { minItems: 1, maxItems: MAX_CHANNELS, description: 'Number channels; with two or more, each pair is cross-correlated' }),
    from: TimeInput,
    to: TimeInput,
    segmentLength: Type.Optional(Type.Integer({ minimum: MIN_SEGMENT, maximum: MAX_SEGMENT, default: DEFAULTS.segmentLength, description: 'Samples per Welch segment, a power of two; frequency resolution is sampleRateHz / segmentLength. Shortened to the samples there are when fewer' })),
    overlap: Type.Optional(Type.Number({ minimum: 0, maximum: 0.95, default: DEFAULTS.overlap, description: 'Fraction of a segment shared with the next' })),
    window: Type.Optional(WindowSchema({ default: DEFAULTS.window, description: `Window applied to each segment: ${WINDOWS.join(', ')}` })),
    detrend: Type.Optional(DetrendSchema({ default: DEFAULTS.detrend, description: `Removed from each segment before its transform: ${DETRENDS.join(', ')}` })),
    sampleRateHz: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Rate of the uniform grid the readings are interpolated onto; default: that of the smallest median interval between readings of the channels' })),
    maxLagSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Correlation lags computed, each way; default: half a segment' })),
  },
  { additionalProperties: false, description: 'Spectra of channels from `from` to `to`' },
);
export type SpectrumParams = Static<typeof SpectrumParams>;

export const StoredSpectrumParams = Type.Object({
  spacecraft: Type.String(),
  channels: Type.Array(Type.String()),
  units: Type.Array(Type.Union([Type.String(), Type.Null()]), { description: 'Unit of each channel at submission' }),
  from: TimeOutput,
  to: TimeOutput,
  segmentLength: Type.Integer(),
  overlap: Type.Number(),
  window: WindowSchema(),
  detrend: DetrendSchema(),
  sampleRateHz: Type.Optional(Type.Number()),
  maxLagSeconds: Type.Optional(Type.Number()),
});
export type StoredSpectrumParams = Static<typeof StoredSpectrumParams>;

export const SpectrumSummary = Type.Object({
  rows: Type.Integer({ description: 'psdRows frequency rows, then correlationRows lag rows' }),
  psdRows: Type.Integer(),
  correlationRows: Type.Integer(),
  sampleRateHz: Type.Number({ description: 'Rate of the uniform grid the readings were interpolated onto' }),
  sampleRateFrom: Type.Union([Type.Literal('median interval'), Type.Literal('sampleRateHz')]),
  gridStart: TimeOutput,
  samples: Type.Integer({ description: 'Grid points per channel' }),
  segmentLength: Type.Integer(),
  segments: Type.Integer({ description: 'Welch segments averaged' }),
  frequencyResolutionHz: Type.Number(),
  channels: Type.Array(Type.Object({
    channel: Type.String(),
    unit: Type.Optional(Type.String()),
    readings: Type.Integer({ description: 'Readings in the range' }),
    variance: Type.Number({ description: 'Of the grid values, in unit^2: the integral of the PSD with the mean removed' }),
    peakFrequencyHz: Type.Number({ description: 'Frequency of the largest PSD value above 0 Hz' }),
    peakDensity: Type.Number({ description: 'unit^2/Hz' }),
  })),
  pairs: Type.Array(Type.Object({
    channels: Type.Array(Type.String(), { minItems: 2, maxItems: 2 }),
    peakLagSeconds: Type.Number({ description: 'Lag of the largest correlation: positive when the second channel follows the first' }),
    peakCorrelation: Type.Number(),
  })),
}, { title: 'SpectrumSummary' });
type SpectrumSummary = Static<typeof SpectrumSummary>;

export const SpectrumRow = Type.Union([
  Type.Object({ frequencyHz: Type.Number(), psd: Type.Array(Type.Number(), { description: 'unit^2/Hz per channel, in the order of summary.channels' }) }),
  Type.Object({ lagSeconds: Type.Number(), correlation: Type.Array(Type.Number(), { description: 'Normalised correlation per pair, in the order of summary.pairs' }) }),
], { title: 'SpectrumRow' });

type WelchChunk = { op: 'psd'; values: Float64Array; sampleRateHz: number; segmentLength: number; overlap: number; window: WindowName; detrend: Detrend };
type CorrelationChunk = { op: 'correlation'; x: Float64Array; y: Float64Array; maxLag: number };
type SpectrumChunk = WelchChunk | CorrelationChunk;
type SpectrumOutput = { density: Float64Array; segments: number } | { correlation: Float64Array };

interface Grid {
  start: number;
  intervalMs: number;
  samples: number;
  segmentLength: number;
  maxLag: number;
  readings: number[];
  variances: number[];
}

/** Readings read per channel, as a multiple of the grid's cap: a range holding more would not fit the grid anyway, unless resampled far coarser. */
const READINGS_PER_GRID_POINT = 10;

async function readChannel(ctx: RunContext, p: StoredSpectrumParams, channel: string): Promise<{ times: Float64Array; values: Float64Array }> {
  const times: number[] = [];
  const values: number[] = [];
  const most = READINGS_PER_GRID_POINT * ctx.maxSamples;
  for await (const s of ctx.telemetry.columns({ spacecraft: p.spacecraft, channel, from: Date.parse(p.from), to: Date.parse(p.to) }, 'number')) {
    // Bounded before the grid is known, so a range of years cannot fill the compute process's memory.
    if (times.length + s.times.length > most) throw new JobFailure(`channel "${channel}" has more than ${most} readings from ${p.from} to ${p.to} (${READINGS_PER_GRID_POINT} × ORBIT_COMPUTE_MAX_SAMPLES): ask for a shorter range`);
    for (let i = 0; i < s.times.length; i++) {
      const v = s.values[i];
      if (typeof v === 'number' && Number.isFinite(v)) {
        times.push(s.times[i]!);
        values.push(v);
      }
    }
  }
  return { times: Float64Array.from(times), values: Float64Array.from(values) };
}

const varianceOf = (v: Float64Array) => {
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  let sum = 0;
  for (const x of v) sum += (x - mean) ** 2;
  return sum / v.length;
};

function partsOf(rows: unknown[]): ResultPart[] {
  const parts: ResultPart[] = [];
  for (let first = 0; first < rows.length; first += PART_ROWS) {
    const slice = rows.slice(first, first + PART_ROWS);
    parts.push({ first, count: slice.length, data: JSON.stringify(slice) });
  }
  return parts;
}

export const spectrumJob = kind({
  type: 'telemetry.spectrum',
  description: 'Power spectral density (Welch) of number channels from `from` to `to` and, for two or more, their normalised cross-correlation. Readings are interpolated onto a uniform grid (at `sampleRateHz`, or the smallest median reading interval of the channels) of at most ORBIT_COMPUTE_MAX_SAMPLES points. A row of the result is a frequency with the PSD of each channel, then a lag with the correlation of each pair.',
  params: SpectrumParams,
  storedParams: StoredSpectrumParams,
  summary: SpectrumSummary,
  row: SpectrumRow,

  async resolve(params: SpectrumParams, ctx, errors): Promise<StoredSpectrumParams | undefined> {
    const range = checkWindow(params, errors);
    const segmentLength = params.segmentLength ?? DEFAULTS.segmentLength;
    if (!isPowerOfTwo(segmentLength)) errors.push({ pointer: '/params/segmentLength', detail: `must be a power of two (${powerOfTwoBelow(segmentLength)} or ${powerOfTwoBelow(segmentLength) * 2}), got ${segmentLength}` });
    if (range && params.sampleRateHz !== undefined) {
      const samples = Math.floor(((range.toMs - range.fromMs) / 1000) * params.sampleRateHz) + 1;
      if (samples > ctx.maxSamples) errors.push({ pointer: '/params/sampleRateHz', detail: `gives ${samples} samples per channel over the range; at most ${ctx.maxSamples} are allowed (ORBIT_COMPUTE_MAX_SAMPLES)` });
    }
    const seen = new Set<string>();
    params.channels.forEach((c, i) => {
      if (seen.has(c)) errors.push({ pointer: `/params/channels/${i}`, detail: `"${c}" is named twice` });
      seen.add(c);
    });
    const spacecraft = await ctx.catalog.getSpacecraft(params.spacecraft);
    if (!spacecraft) {
      const unknown = { pointer: '/params/spacecraft', detail: `no spacecraft "${params.spacecraft}"` };
      if (!errors.length) throw new HttpProblem(404, `no spacecraft "${params.spacecraft}"`, { errors: [unknown] });
      errors.push(unknown);
      return undefined;
    }
    const defined = new Map((await ctx.catalog.channelsOf(params.spacecraft, params.channels)).map((c) => [c.name, c]));
    params.channels.forEach((name, i) => {
      const c = defined.get(name);
      if (!c) errors.push({ pointer: `/params/channels/${i}`, detail: `spacecraft "${params.spacecraft}" has no channel "${name}"` });
      else if (c.type !== 'number') errors.push({ pointer: `/params/channels/${i}`, detail: `"${name}" is a ${c.type} channel; a spectrum needs number channels` });
    });
    if (errors.length || !range) return undefined;
    return {
      spacecraft: params.spacecraft,
      channels: params.channels,
      units: params.channels.map((name) => defined.get(name)?.unit ?? null),
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
      segmentLength,
      overlap: params.overlap ?? DEFAULTS.overlap,
      window: params.window ?? DEFAULTS.window,
      detrend: params.detrend ?? DEFAULTS.detrend,
      ...(params.sampleRateHz !== undefined && { sampleRateHz: params.sampleRateHz }),
      ...(params.maxLagSeconds !== undefined && { maxLagSeconds: params.maxLagSeconds }),
    };
  },

  async plan(p: StoredSpectrumParams, ctx) {
    const series = [];
    for (const channel of p.channels) {
      const s = await readChannel(ctx, p, channel);
      if (s.times.length < 2) throw new JobFailure(`channel "${channel}" has ${s.times.length} number reading(s) from ${p.from} to ${p.to}; a spectrum needs more`);
      series.push(s);
    }
    const intervalMs = p.sampleRateHz ? 1000 / p.sampleRateHz : Math.min(...series.map((s) => medianInterval(s.times)));
    const start = Math.max(...series.map((s) => s.times[0]!));
    const end = Math.min(...series.map((s) => s.times.at(-1)!));
    if (!(intervalMs > 0) || end <= start) throw new JobFailure('the channels have no stretch of time with readings in common');
    const samples = Math.floor((end - start) / intervalMs + 1e-9) + 1;
    if (samples > ctx.maxSamples) throw new JobFailure(`the grid would hold ${samples} samples per channel (${(1000 / intervalMs).toPrecision(6)} Hz); at most ${ctx.maxSamples} are allowed (ORBIT_COMPUTE_MAX_SAMPLES): give a lower sampleRateHz or a shorter range`);
    if (samples < MIN_SEGMENT) throw new JobFailure(`the grid holds ${samples} samples per channel; a spectrum needs at least ${MIN_SEGMENT}`);
    const grids = series.map((s) => resample(s.times, s.values, start, intervalMs, samples));
    const sampleRateHz = 1000 / intervalMs;
    const segmentLength = Math.min(p.segmentLength, powerOfTwoBelow(samples));
    const maxLag = Math.min(samples - 1, p.maxLagSeconds !== undefined ? Math.round(p.maxLagSeconds * sampleRateHz) : segmentLength / 2);
    const chunks: SpectrumChunk[] = grids.map((values) => ({ op: 'psd', values, sampleRateHz, segmentLength, overlap: p.overlap, window: p.window, detrend: p.detrend }));
    for (let a = 0; a < grids.length; a++) for (let b = a + 1; b < grids.length; b++) chunks.push({ op: 'correlation', x: grids[a]!, y: grids[b]!, maxLag });
    const context: Grid = { start, intervalMs, samples, segmentLength, maxLag, readings: series.map((s) => s.times.length), variances: grids.map(varianceOf) };
    return { chunks, context };
  },

  // A correlation transforms three series of twice the length; a PSD, about one of the length.
  weight: (chunk: SpectrumChunk) => (chunk.op === 'psd' ? chunk.values.length : 6 * chunk.x.length),

  run(chunk: SpectrumChunk): SpectrumOutput {
    if (chunk.op === 'psd') return welch(chunk.values, chunk);
    return { correlation: crossCorrelation(chunk.x, chunk.y, chunk.maxLag) };
  },

  assemble(p: StoredSpectrumParams, outputs: SpectrumOutput[], g: Grid) {
    const sampleRateHz = 1000 / g.intervalMs;
    const df = sampleRateHz / g.segmentLength;
    const psds = outputs.slice(0, p.channels.length) as { density: Float64Array; segments: number }[];
    const correlations = (outputs.slice(p.channels.length) as { correlation: Float64Array }[]).map((o) => o.correlation);
    const rows: unknown[] = [];
    for (let k = 0; k <= g.segmentLength / 2; k++) rows.push({ frequencyHz: k * df, psd: psds.map((o) => o.density[k]!) });
    const psdRows = rows.length;
    if (correlations.length) {
      for (let i = 0; i <= 2 * g.maxLag; i++) rows.push({ lagSeconds: (i - g.maxLag) / sampleRateHz, correlation: correlations.map((c) => c[i]!) });
    }
    const pairs: SpectrumSummary['pairs'] = [];
    let next = 0;
    for (let a = 0; a < p.channels.length; a++) {
      for (let b = a + 1; b < p.channels.length; b++) {
        const c = correlations[next++]!;
        let best = 0;
        for (let i = 1; i < c.length; i++) if (c[i]! > c[best]!) best = i;
        pairs.push({ channels: [p.channels[a]!, p.channels[b]!], peakLagSeconds: (best - g.maxLag) / sampleRateHz, peakCorrelation: c[best]! });
      }
    }
    const summary: SpectrumSummary = {
      rows: rows.length,
      psdRows,
      correlationRows: rows.length - psdRows,
      sampleRateHz,
      sampleRateFrom: p.sampleRateHz ? 'sampleRateHz' : 'median interval',
      gridStart: new Date(g.start).toISOString(),
      samples: g.samples,
      segmentLength: g.segmentLength,
      segments: psds[0]!.segments,
      frequencyResolutionHz: df,
      channels: p.channels.map((channel, i) => {
        const peak = peakBin(psds[i]!.density);
        const unit = p.units[i];
        return { channel, ...(unit && { unit }), readings: g.readings[i]!, variance: g.variances[i]!, peakFrequencyHz: peak * df, peakDensity: psds[i]!.density[peak]! };
      }),
      pairs,
    };
    return { summary, parts: partsOf(rows) };
  },

  rows: (part: ResultPart) => JSON.parse(part.data) as unknown[],
});
