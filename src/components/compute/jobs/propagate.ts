/**
 * orbit.propagate: SGP4/SDP4 states of a spacecraft's TLE over a time range. The range is
 * cut into chunks of samples (plan.ts), one chunk's states per result part.
 */
import { Type, type Static } from 'typebox';
import { TimeInput, TimeOutput } from '../../../core/schemas.ts';
import { HttpProblem } from '../../../platform/problem.ts';
import type { ResultPart } from '../../../stores/jobs/store.ts';
import { checkTimeRange } from '../check-params.ts';
import { kind } from '../kind.ts';
import { SAMPLE_WIDTH, chunksOf, type PropagationChunk } from '../plan.ts';
import { propagateChunk, sampleOf, type StateTable } from '../propagate.ts';
import { decodeValues, encodeValues } from '../result-codec.ts';

export const PropagateParams = Type.Object(
  {
    spacecraft: Type.String({ minLength: 1, maxLength: 128, description: 'Id of a spacecraft that has a TLE' }),
    from: TimeInput,
    to: TimeInput,
    stepSeconds: Type.Number({ minimum: 0.001, description: 'Seconds between samples; (to - from) / stepSeconds + 1 samples, at most ORBIT_COMPUTE_MAX_SAMPLES per job' }),
  },
  { additionalProperties: false, description: 'Samples at from, from + step, ... up to to' },
);
export type PropagateParams = Static<typeof PropagateParams>;

/** Parameters as stored with the job: times normalised, and the TLE the job flies. */
export const StoredPropagateParams = Type.Object({
  spacecraft: Type.String(),
  from: TimeOutput,
  to: TimeOutput,
  stepSeconds: Type.Number(),
  tle: Type.Array(Type.String(), { minItems: 2, maxItems: 2, description: 'The element set at the time the job was created' }),
});
export type StoredPropagateParams = Static<typeof StoredPropagateParams>;

const Vector = (unit: string) => Type.Array(Type.Number(), { minItems: 3, maxItems: 3, description: `x, y, z in ${unit} (TEME)` });

export const Sample = Type.Object({
  time: TimeOutput,
  positionKm: Vector('km'),
  velocityKmS: Vector('km/s'),
  latitudeDeg: Type.Number(),
  longitudeDeg: Type.Number(),
  altitudeKm: Type.Number({ description: 'Above the WGS-84 ellipsoid' }),
}, { title: 'PropagationSample' });

export const PropagationSummary = Type.Object({
  frame: Type.Literal('TEME'),
  rows: Type.Integer({ description: 'Samples in the result' }),
}, { title: 'PropagationSummary' });

const gridOf = (p: StoredPropagateParams) => ({ fromMs: Date.parse(p.from), stepMs: p.stepSeconds * 1000 });

/** The states of a propagation's parts (all of them, in order), for pages that draw or stream the whole result. */
export function statesOf(parts: readonly ResultPart[], params: StoredPropagateParams): StateTable {
  const count = parts.reduce((n, p) => n + p.count, 0);
  const values = new Float64Array(count * SAMPLE_WIDTH);
  for (const part of parts) values.set(decodeValues(part.data, part.count * SAMPLE_WIDTH), part.first * SAMPLE_WIDTH);
  return { ...gridOf(params), count, values };
}

export const propagateJob = kind({
  type: 'orbit.propagate',
  description: "SGP4/SDP4 states of a spacecraft's TLE from `from` to `to` every `stepSeconds` (at most ORBIT_COMPUTE_MAX_SAMPLES samples, else 400 naming them). A row of the result is one sample.",
  params: PropagateParams,
  storedParams: StoredPropagateParams,
  summary: PropagationSummary,
  row: Sample,

  async resolve(params: PropagateParams, ctx, errors): Promise<StoredPropagateParams | undefined> {
    const range = checkTimeRange(params, errors, ctx.maxSamples);
    const tle = await ctx.catalog.tle(params.spacecraft);
    if (tle === undefined) {
      const unknown = { pointer: '/params/spacecraft', detail: `no spacecraft "${params.spacecraft}"` };
      if (!errors.length) throw new HttpProblem(404, `no spacecraft "${params.spacecraft}"`, { errors: [unknown] });
      errors.push(unknown);
    } else if (tle === null) {
      errors.push({ pointer: '/params/spacecraft', detail: `spacecraft "${params.spacecraft}" has no TLE to propagate` });
    }
    if (errors.length || !range || !tle) return undefined;
    return { spacecraft: params.spacecraft, from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), stepSeconds: params.stepSeconds, tle };
  },

  async plan(p: StoredPropagateParams) {
    const chunks = chunksOf({ line1: p.tle[0]!, line2: p.tle[1]!, fromMs: Date.parse(p.from), toMs: Date.parse(p.to), stepMs: p.stepSeconds * 1000 });
    return { chunks, context: undefined };
  },

  weight: (chunk: PropagationChunk) => chunk.count,

  run: propagateChunk,

  assemble(_p: StoredPropagateParams, outputs: Float64Array[]) {
    const parts: ResultPart[] = [];
    let first = 0;
    for (const values of outputs) {
      const count = values.length / SAMPLE_WIDTH;
      parts.push({ first, count, data: encodeValues(values) });
      first += count;
    }
    return { summary: { frame: 'TEME', rows: first }, parts };
  },

  rows(part: ResultPart, p: StoredPropagateParams) {
    const table: StateTable = { ...gridOf(p), count: part.count, values: decodeValues(part.data, part.count * SAMPLE_WIDTH) };
    return Array.from({ length: part.count }, (_, i) => sampleOf(table, i, part.first));
  },
});
