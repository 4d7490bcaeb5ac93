/**
 * The jobs API: submit a job, poll it for progress and its result.
 */
import { ProblemSchema } from '../../platform/http.ts';
import { IdempotencyHeaders, idempotent, type IdempotencyRecords } from '../../platform/idempotency.ts';
import type { Routes } from '../../platform/modules.ts';
import { HttpProblem, badRequest } from '../../platform/problem.ts';
import type { JobDesk } from './desk.ts';
import { JOB_TYPES, Job, JobAccepted, JobCreate, JobId } from './schemas.ts';

export interface ComputeApi {
  desk: JobDesk;
  idempotency: IdempotencyRecords;
}

export const computeRoutes: Routes<ComputeApi> = (app, api, config) => {
  app.post('/v1/jobs', { config: { access: 'operator', scope: { request: (r) => ({ spacecraft: [((r.body as { params?: { spacecraft?: unknown } } | undefined)?.params?.spacecraft as string | undefined)] }) } },
    schema: {
      tags: ['jobs'],
      summary: 'Submit a compute job',
      description: `orbit.propagate: SGP4/SDP4 states of a spacecraft's TLE from \`from\` to \`to\` every \`stepSeconds\` (at most ${config.caps.computeMaxSamples} samples, else 400 naming them). Poll GET /v1/jobs/{id} for progress and the result. When ${config.caps.computeMaxBacklog} jobs wait for a worker already, answers 503 with Retry-After.`,
      body: JobCreate,
      headers: IdempotencyHeaders,
      response: { 202: JobAccepted, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema },
    },
    // Before schema validation: an unknown type gets one clear answer instead of complaints about parameters it never had.
    preValidation: async (request) => {
      const type = (request.body as { type?: unknown } | undefined)?.type;
      if (typeof type === 'string' && !(JOB_TYPES as readonly string[]).includes(type)) {
        throw badRequest(`unknown job type "${type}"`, [{ pointer: '/type', detail: `"${type}" is not a job type; known: ${JOB_TYPES.join(', ')}` }]);
      }
    },
  }, (request, reply) =>
    idempotent(api.idempotency, request, reply, config.limits.idempotencyKeepMs, async () => {
      const id = await api.desk.submit(request.body, request.headers.traceparent as string | undefined);
      return { status: 202, headers: { location: `/v1/jobs/${id}` }, body: { id, state: 'queued' } };
    }),
  );

  app.get('/v1/jobs/:id', { config: { access: 'viewer', scope: { item: ((job: { params?: { spacecraft?: string } }) => ({ spacecraft: [job.params?.spacecraft] })) as never } },
    schema: {
      tags: ['jobs'],
      summary: 'A job: state, progress, and its result once succeeded',
      params: JobId,
      response: { 200: Job, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const job = await api.desk.get(request.params.id);
    if (!job) throw new HttpProblem(404, `no job "${request.params.id}"`);
    // Serialised here rather than by the schema: for 100,000 samples JSON.stringify
    // takes a third of the time, and the handler built every field itself.
    return reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(job);
  });
};
