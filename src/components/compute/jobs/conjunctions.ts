/**
 * orbit.conjunctions: screens element sets (every spacecraft of a mission that has a TLE,
 * or an uploaded list) against each other for approaches under a threshold over a window
 * (src/core/orbit/conjunctions, docs/conjunctions.md). The window is cut into slices, one
 * chunk each; a worker thread initialises the element sets once for all the slices of a
 * job it takes. A row of the result is one conjunction.
 */
import { randomUUID } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { TimeInput, TimeOutput } from '../../../core/schemas.ts';
import { checkWindow } from '../check-params.ts';
import { assembleResult, planScreening, screenSliceOfSets, type ElementSet, type ScreeningOptions, type ScreeningPlan, type Slice, type SliceResult } from '../../../core/orbit/conjunctions/screen.ts';
import type { ScreenedObject, PropagationFailure } from '../../../core/orbit/conjunctions/objects.ts';
import { HttpProblem } from '../../../platform/problem.ts';
import type { ResultPart } from '../../../stores/jobs/store.ts';
import { kind } from '../kind.ts';

/** Longest window one job may screen: the work grows with it, and element sets age. */
export const MAX_WINDOW_DAYS = 7;
export const MAX_THRESHOLD_KM = 100;
export const MAX_ELEMENT_SETS = 100_000;
/** Slices of the window: enough to keep every worker thread busy on a busy machine. */
const SLICES = 12;
/** Rows per stored part. */
const PART_ROWS = 2000;
/** Failures listed in the summary; the summary says how many there were in all. */
const LISTED_FAILURES = 100;

const TleLine = (n: 1 | 2) => Type.String({ minLength: 1, maxLength: 80, description: `Line ${n} of the element set` });

export const ConjunctionsParams = Type.Object(
  {
    mission: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Screen every spacecraft of this mission that has a TLE (give this or elementSets)' })),
    elementSets: Type.Optional(
      Type.Array(
        Type.Object({ name: Type.Optional(Type.String({ maxLength: 128 })), line1: TleLine(1), line2: TleLine(2) }, { additionalProperties: false }),
        { minItems: 2, maxItems: MAX_ELEMENT_SETS, description: 'Screen these element sets (give this or mission)' },
      ),
    ),
    from: TimeInput,
    to: TimeInput,
    thresholdKm: Type.Number({ exclusiveMinimum: 0, maximum: MAX_THRESHOLD_KM, description: 'Report approaches closer than this (km)' }),
  },
  { additionalProperties: false, description: `Conjunctions between from and to (at most ${MAX_WINDOW_DAYS} days)` },
);
export type ConjunctionsParams = Static<typeof ConjunctionsParams>;

const StoredElementSet = Type.Object({ name: Type.Optional(Type.String()), line1: Type.String(), line2: Type.String() });

export const StoredConjunctionsParams = Type.Object({
  mission: Type.Optional(Type.String()),
  from: TimeOutput,
  to: TimeOutput,
  thresholdKm: Type.Number(),
  elementSets: Type.Array(StoredElementSet, { description: "The element sets screened, as they were when the job was created (a mission's spacecraft named by id)" }),
});
export type StoredConjunctionsParams = Static<typeof StoredConjunctionsParams>;

const ObjectId = Type.Object({ satnum: Type.Integer({ description: 'NORAD catalogue number' }), name: Type.Optional(Type.String()) });

export const ConjunctionRow = Type.Object(
  {
    primary: ObjectId,
    secondary: ObjectId,
    tca: Type.String({ format: 'date-time', description: 'Time of closest approach, to the millisecond' }),
    missDistanceKm: Type.Number(),
    relativeSpeedKmS: Type.Number(),
  },
  { title: 'Conjunction' },
);

export const ConjunctionsSummary = Type.Object(
  {
    rows: Type.Integer({ description: 'Conjunctions found' }),
    objects: Type.Integer({ description: 'Element sets given' }),
    screened: Type.Integer({ description: 'Objects screened over the whole window' }),
    failuresTotal: Type.Integer({ description: 'Element sets that did not parse and objects SGP4 failed for' }),
    failures: Type.Array(Type.Object({ satnum: Type.Integer(), name: Type.Optional(Type.String()), at: Type.Optional(TimeOutput), reason: Type.String() }), {
      description: `The first ${LISTED_FAILURES} failures; an object that fails inside the window is screened up to then`,
    }),
  },
  { title: 'ConjunctionsSummary' },
);

interface Chunk {
  key: string;
  sets: ElementSet[];
  plan: ScreeningPlan;
  slice: Slice;
}

interface Context {
  objects: ScreenedObject[];
  failures: PropagationFailure[];
  plan: ScreeningPlan;
  options: ScreeningOptions;
}

const optionsOf = (p: StoredConjunctionsParams): ScreeningOptions => ({ fromMs: Date.parse(p.from), toMs: Date.parse(p.to), thresholdKm: p.thresholdKm });

export const conjunctionsJob = kind({
  type: 'orbit.conjunctions',
  description: `Conjunction screening: every pair of the element sets (a mission's spacecraft, or a list given) whose distance has a local minimum under \`thresholdKm\` between \`from\` and \`to\` (at most ${MAX_WINDOW_DAYS} days), with the time of closest approach, the miss distance and the relative speed. A row of the result is one conjunction, in order of time of closest approach.`,
  params: ConjunctionsParams,
  storedParams: StoredConjunctionsParams,
  summary: ConjunctionsSummary,
  row: ConjunctionRow,

  async resolve(params: ConjunctionsParams, ctx, errors): Promise<StoredConjunctionsParams | undefined> {
    const window = checkWindow(params, errors, MAX_WINDOW_DAYS);
    if ((params.mission === undefined) === (params.elementSets === undefined)) {
      errors.push({ pointer: '/params', detail: 'give either mission or elementSets' });
      return undefined;
    }
    let elementSets: ElementSet[];
    if (params.mission !== undefined) {
      if (!(await ctx.catalog.getMission(params.mission))) {
        const unknown = { pointer: '/params/mission', detail: `no mission "${params.mission}"` };
        if (!errors.length) throw new HttpProblem(404, `no mission "${params.mission}"`, { errors: [unknown] });
        errors.push(unknown);
        return undefined;
      }
      const spacecraft = await ctx.catalog.listSpacecraft(params.mission);
      elementSets = spacecraft.flatMap((s) => (s.tle ? [{ name: s.id, line1: s.tle[0], line2: s.tle[1] }] : []));
      if (elementSets.length < 2) errors.push({ pointer: '/params/mission', detail: `mission "${params.mission}" has ${elementSets.length} spacecraft with a TLE; screening needs at least 2` });
    } else {
      elementSets = params.elementSets!.map((s) => ({ ...(s.name ? { name: s.name } : {}), line1: s.line1, line2: s.line2 }));
    }
    if (errors.length) return undefined;
    return {
      ...(params.mission !== undefined ? { mission: params.mission } : {}),
      from: new Date(window!.fromMs).toISOString(),
      to: new Date(window!.toMs).toISOString(),
      thresholdKm: params.thresholdKm,
      elementSets,
    };
  },

  async plan(p: StoredConjunctionsParams) {
    const options = optionsOf(p);
    const { objects, failures, plan, slices } = planScreening(p.elementSets, options, SLICES);
    // Names this job's slices, so that a worker prepares its element sets once for all of them.
    const key = randomUUID();
    const chunks: Chunk[] = slices.map((slice) => ({ key, sets: p.elementSets, plan, slice }));
    return { chunks, context: { objects, failures, plan, options } satisfies Context };
  },

  weight: (chunk: Chunk) => chunk.slice.toNode - chunk.slice.fromNode,

  run: (chunk: Chunk): SliceResult => screenSliceOfSets(chunk.key, chunk.sets, chunk.plan, chunk.slice),

  assemble(p: StoredConjunctionsParams, outputs: SliceResult[], context: Context) {
    const result = assembleResult(p.elementSets, context.objects, context.failures, context.plan, context.options, outputs);
    const rows = result.conjunctions.map((c) => ({ ...c, tca: c.tca.toISOString() }));
    const parts: ResultPart[] = [];
    for (let first = 0; first < rows.length; first += PART_ROWS) {
      const slice = rows.slice(first, first + PART_ROWS);
      parts.push({ first, count: slice.length, data: JSON.stringify(slice) });
    }
    const failures = result.failures.slice(0, LISTED_FAILURES).map((f) => ({ ...f, ...(f.at ? { at: f.at.toISOString() } : {}) }));
    return {
      summary: { rows: rows.length, objects: result.objects, screened: result.screened, failuresTotal: result.failures.length, failures },
      parts,
    };
  },

  rows: (part: ResultPart) => JSON.parse(part.data) as unknown[],
});
