/**
 * orbit.passes: every pass of spacecraft over ground stations in a window (AOS, highest
 * point, LOS, with azimuths; src/core/orbit/passes.ts). What a request names (a mission or
 * spacecraft, stations, a window) is resolved against the mission database at submission,
 * and the TLEs and stations are copied into the job, so it predicts what was on record when
 * it was asked for, wherever and whenever a worker runs it. One chunk is one spacecraft
 * over every station.
 */
import { Type, type Static } from 'typebox';
import { HorizonPoint, Id, TimeInput, TimeOutput } from '../../../core/schemas.ts';
import type { GroundStation, Mission, Spacecraft } from '../../../core/schemas.ts';
import { toIso } from '../../../core/time.ts';
import { checkWindow } from '../check-params.ts';
import { byAos, predictPasses, type PassPrediction, type PassRow } from '../../../core/orbit/passes.ts';
import { HttpProblem, type FieldError } from '../../../platform/problem.ts';
import type { ResultPart } from '../../../stores/jobs/store.ts';
import { kind } from '../kind.ts';

/** The longest window one job may cover: passes grow with it, and TLEs are stale long before. */
export const MAX_PASS_WINDOW_DAYS = 31;

export const PassesParams = Type.Object(
  {
    mission: Type.Optional({ ...Id, description: "The mission whose spacecraft (those with a TLE) and stations are used; needed unless `spacecraft` is given" }),
    spacecraft: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true, description: 'Spacecraft ids (each with a TLE, all of one mission); default: every spacecraft of `mission` that has a TLE' })),
    stations: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true, description: "Ground-station ids of the mission; default: all of the mission's" })),
    from: TimeInput,
    to: TimeInput,
  },
  { additionalProperties: false, description: `Every pass of each spacecraft over each station from \`from\` to \`to\` (at most ${MAX_PASS_WINDOW_DAYS} days)` },
);
export type PassesParams = Static<typeof PassesParams>;

export const StoredPassesParams = Type.Object({
  mission: Type.String(),
  from: TimeOutput,
  to: TimeOutput,
  spacecraft: Type.Array(Type.Object({ id: Type.String(), tle: Type.Array(Type.String(), { minItems: 2, maxItems: 2 }) }), { description: 'The element sets at the time the job was created' }),
  stations: Type.Array(Type.Object({
    id: Type.String(), name: Type.String(), latitudeDeg: Type.Number(), longitudeDeg: Type.Number(), altitudeM: Type.Number(), elevationMaskDeg: Type.Number(),
    horizonMask: Type.Optional(Type.Array(HorizonPoint)),
  }), { description: 'The stations as they were when the job was created' }),
});
export type StoredPassesParams = Static<typeof StoredPassesParams>;

const PassPoint = (what: string) => Type.Object({
  time: TimeOutput,
  azimuthDeg: Type.Number({ description: 'From north, clockwise, [0, 360)' }),
  elevationDeg: Type.Number(),
}, { description: what });

/** One row of the result: a pass of one spacecraft over one station. Rows come in AOS order. */
export const PassRowSchema = Type.Object({
  spacecraft: Type.String(),
  station: Type.String(),
  aos: PassPoint('Acquisition: elevation rising through the mask (the window start when startsBeforeWindow)'),
  max: PassPoint('The highest point within the window'),
  los: PassPoint('Loss: elevation setting through the mask (the window end when endsAfterWindow)'),
  durationSeconds: Type.Number(),
  startsBeforeWindow: Type.Boolean(),
  endsAfterWindow: Type.Boolean(),
}, { title: 'PassRow', description: 'Times to the millisecond, solved to within 1 s of the geometry SGP4 gives' });

export const PassesSummary = Type.Object({
  rows: Type.Integer({ description: 'Passes in the result' }),
  spacecraft: Type.Integer(),
  stations: Type.Integer(),
  failures: Type.Array(Type.Object({ spacecraft: Type.String(), detail: Type.String() }), { description: 'Spacecraft SGP4 gave up on (bad elements, decay): no passes for them' }),
}, { title: 'PassesSummary' });
export type PassesSummary = Static<typeof PassesSummary>;

/** What resolving reads from the mission database. */
export interface PassCatalog {
  getMission(id: string): Promise<Mission | undefined>;
  getSpacecraft(id: string): Promise<Spacecraft | undefined>;
  listSpacecraft(missionId?: string): Promise<Spacecraft[]>;
  groundStations(missionId: string): Promise<GroundStation[] | undefined>;
}

/**
 * The stored parameters, or every problem found (pointers under /params): unknown
 * mission, spacecraft or stations, spacecraft without a TLE or of another mission, times
 * out of order, a window over MAX_PASS_WINDOW_DAYS, nothing to predict for.
 */
export async function resolvePassesParams(catalog: PassCatalog, params: PassesParams): Promise<{ params: StoredPassesParams } | { errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const window = checkWindow(params, errors, MAX_PASS_WINDOW_DAYS);

  let missionId = params.mission;
  if (missionId !== undefined && !(await catalog.getMission(missionId))) {
    errors.push({ pointer: '/params/mission', detail: `no mission "${missionId}"` });
    return { errors };
  }
  let spacecraft: Spacecraft[];
  if (params.spacecraft) {
    spacecraft = [];
    for (const [i, id] of params.spacecraft.entries()) {
      const s = await catalog.getSpacecraft(id);
      const at = `/params/spacecraft/${i}`;
      if (!s) errors.push({ pointer: at, detail: `no spacecraft "${id}"` });
      else if (!s.tle) errors.push({ pointer: at, detail: `spacecraft "${id}" has no TLE` });
      else if ((missionId ??= s.missionId) !== s.missionId) errors.push({ pointer: at, detail: `belongs to mission "${s.missionId}", not "${missionId}"` });
      else spacecraft.push(s);
    }
  } else if (missionId === undefined) {
    errors.push({ pointer: '/params/mission', detail: 'is needed when spacecraft is not given' });
    return { errors };
  } else {
    spacecraft = (await catalog.listSpacecraft(missionId)).filter((s) => s.tle);
    if (!spacecraft.length) errors.push({ pointer: '/params/mission', detail: `mission "${missionId}" has no spacecraft with a TLE` });
  }
  if (missionId === undefined) return { errors };

  const known = (await catalog.groundStations(missionId)) ?? [];
  let stations = known;
  if (params.stations) {
    const byId = new Map(known.map((g) => [g.id, g]));
    stations = [];
    for (const [i, id] of params.stations.entries()) {
      const g = byId.get(id);
      if (g) stations.push(g);
      else errors.push({ pointer: `/params/stations/${i}`, detail: `no ground station "${id}" in mission "${missionId}"` });
    }
  } else if (!known.length) {
    errors.push({ pointer: '/params/stations', detail: `mission "${missionId}" has no ground stations` });
  }
  if (errors.length) return { errors };
  return {
    params: {
      mission: missionId,
      from: toIso(window!.fromMs),
      to: toIso(window!.toMs),
      spacecraft: spacecraft.map((s) => ({ id: s.id, tle: [...s.tle!] })),
      stations: stations.map((g) => ({
        id: g.id, name: g.name, latitudeDeg: g.latitudeDeg, longitudeDeg: g.longitudeDeg, altitudeM: g.altitudeM, elevationMaskDeg: g.elevationMaskDeg,
        ...(g.horizonMask && { horizonMask: g.horizonMask }),
      })),
    },
  };
}

/** A job's share of work for one worker thread: one spacecraft over every station. */
export interface PassChunk {
  spacecraft: { id: string; tle: string[] };
  stations: StoredPassesParams['stations'];
  from: string;
  to: string;
}

export function passChunks(params: StoredPassesParams): PassChunk[] {
  return params.spacecraft.map((spacecraft) => ({ spacecraft, stations: params.stations, from: params.from, to: params.to }));
}

/** CPU-bound: runs on a worker thread. */
export function runPassChunk(chunk: PassChunk): PassPrediction {
  const { id, tle } = chunk.spacecraft;
  return predictPasses([{ id, tle: [tle[0]!, tle[1]!] }], chunk.stations, new Date(chunk.from), new Date(chunk.to));
}

/** The chunks' passes as one list in AOS order, and every failure. */
export function assemblePasses(outputs: readonly PassPrediction[]): PassPrediction {
  return { passes: outputs.flatMap((o) => o.passes).sort(byAos), failures: outputs.flatMap((o) => o.failures) };
}

/** Rows per stored part: a pass is about 400 bytes of JSON. */
const PART_ROWS = 2000;

export const passesJob = kind({
  type: 'orbit.passes',
  description: `Every pass of spacecraft over ground stations from \`from\` to \`to\` (at most ${MAX_PASS_WINDOW_DAYS} days): AOS and LOS (elevation crossing the station's mask) with their azimuths, and the time, elevation and azimuth of the highest point, to within 1 s. \`mission\` alone takes its spacecraft that have a TLE and all its stations. A row of the result is one pass, in AOS order.`,
  params: PassesParams,
  storedParams: StoredPassesParams,
  summary: PassesSummary,
  row: PassRowSchema,

  async resolve(params: PassesParams, ctx, errors): Promise<StoredPassesParams | undefined> {
    const resolved = await resolvePassesParams(ctx.catalog, params);
    if ('errors' in resolved) {
      const [only] = resolved.errors;
      // An unknown mission alone is a 404, as an unknown spacecraft is for orbit.propagate.
      if (resolved.errors.length === 1 && !errors.length && only!.pointer === '/params/mission' && only!.detail.startsWith('no mission')) {
        throw new HttpProblem(404, only!.detail, { errors: resolved.errors });
      }
      errors.push(...resolved.errors);
      return undefined;
    }
    return errors.length ? undefined : resolved.params;
  },

  async plan(p: StoredPassesParams) {
    return { chunks: passChunks(p), context: undefined };
  },

  run: runPassChunk,

  assemble(p: StoredPassesParams, outputs: PassPrediction[]) {
    const { passes, failures } = assemblePasses(outputs);
    const parts: ResultPart[] = [];
    for (let first = 0; first < passes.length; first += PART_ROWS) {
      const slice = passes.slice(first, first + PART_ROWS);
      parts.push({ first, count: slice.length, data: JSON.stringify(slice) });
    }
    return { summary: { rows: passes.length, spacecraft: p.spacecraft.length, stations: p.stations.length, failures } satisfies PassesSummary, parts };
  },

  rows: (part: ResultPart): PassRow[] => JSON.parse(part.data) as PassRow[],
});
