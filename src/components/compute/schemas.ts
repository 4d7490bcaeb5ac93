/**
 * Request and response shapes of /v1/jobs, built from the job types (jobs/index.ts): the
 * body of POST /v1/jobs is a union discriminated by `type`, each member naming its type's
 * params exactly.
 */
import { Type, type TSchema } from 'typebox';
import { TimeOutput } from '../../core/schemas.ts';
import type { Job as StoredJob } from '../../stores/jobs/store.ts';
import { badRequest } from '../../platform/problem.ts';
import { checkBody } from '../../platform/validation.ts';
import { JOB_KINDS, JOB_TYPES } from './jobs/index.ts';

/** For the dashboard, which shares a component's schemas.ts only. */
export { Sample as PropagationSample } from './jobs/propagate.ts';

const bodies = new Map(JOB_KINDS.map((k) => [
  k.type,
  Type.Object({ type: Type.Literal(k.type, { description: 'Kind of job' }), params: k.params }, { additionalProperties: false, title: `Create ${k.type}`, description: k.description }),
]));

export const JobCreate = Type.Union([...bodies.values()], { description: 'A job; `type` says which kind and what its params are' });
export type JobCreate = { type: string; params: unknown };

/**
 * The body checked against its own type's schema (defaults applied), so the problems name
 * that type's fields only, not every alternative of the union.
 */
export function checkJobBody(body: unknown): JobCreate {
  const type = (body as { type?: unknown } | null | undefined)?.type;
  const schema = typeof type === 'string' ? bodies.get(type) : undefined;
  if (!schema) {
    const detail = typeof type === 'string' ? `"${type}" is not a job type; known: ${JOB_TYPES.join(', ')}` : `is required: one of ${JOB_TYPES.join(', ')}`;
    throw badRequest(typeof type === 'string' ? `unknown job type "${type}"` : 'the job has no type', [{ pointer: '/type', detail }]);
  }
  return checkBody(schema, body) as JobCreate;
}

export const JobState = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]);

export const Job = Type.Object({
  id: Type.String(),
  type: Type.String(),
  state: JobState,
  progress: Type.Number({ minimum: 0, maximum: 1, description: 'Fraction of the work done, updated as each chunk completes' }),
  params: Type.Union(JOB_KINDS.map((k) => k.storedParams), { description: 'As stored: times normalised, defaults filled in' }) as TSchema,
  result: Type.Optional(Type.Union(JOB_KINDS.map((k) => k.summary), { description: 'Once succeeded: a summary with `rows`, the number of rows of GET /v1/jobs/{id}/result' }) as TSchema),
  error: Type.Optional(Type.String()),
  createdAt: TimeOutput,
  startedAt: Type.Optional(TimeOutput),
  finishedAt: Type.Optional(TimeOutput),
});
/** Every job type's params name a spacecraft; the rest is the type's own. */
export type Job = StoredJob<{ spacecraft: string } & Record<string, unknown>, { rows: number } & Record<string, unknown>>;

export const JobAccepted = Type.Object({ id: Type.String(), state: JobState });

export const JobId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const MAX_RESULT_PAGE = 10_000;

export const ResultQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 64, description: 'From `next` of the previous page; absent for the first' })),
  limit: Type.Integer({ minimum: 1, maximum: MAX_RESULT_PAGE, default: 1000, description: 'Rows in the page' }),
  format: Type.Optional(Type.Literal('ndjson', { description: 'Every row, one JSON object per line (as Accept: application/x-ndjson)' })),
});

export const ResultPage = Type.Object({
  rows: Type.Array(Type.Union(JOB_KINDS.map((k) => k.row)) as TSchema, { description: 'Rows of the job type: samples of a propagation; frequencies then lags of a spectrum; passes in AOS order' }),
  total: Type.Integer({ description: 'Rows in the whole result' }),
  next: Type.Optional(Type.String({ description: 'Opaque cursor of the next page; absent on the last' })),
});

/** Body of a compute.jobs message. */
export interface JobMessage {
  id: string;
  type: string;
}
