/**
 * The jobs API: submit a job, poll it for progress, cancel it, read its result in pages or
 * as NDJSON.
 */
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ProblemSchema } from '../../platform/http.ts';
import { IdempotencyHeaders, idempotent, type IdempotencyRecords } from '../../platform/idempotency.ts';
import type { Routes } from '../../platform/modules.ts';
import { HttpProblem } from '../../platform/problem.ts';
import type { JobDesk } from './desk.ts';
import { JOB_KINDS } from './jobs/index.ts';
import { Job, JobAccepted, JobCreate, JobId, ResultPage, ResultQuery, checkJobBody } from './schemas.ts';

export interface ComputeApi {
  desk: JobDesk;
  idempotency: IdempotencyRecords;
}

const NDJSON = 'application/x-ndjson';

export const computeRoutes: Routes<ComputeApi> = (app, api, config) => {
  // A job names its spacecraft (an id, a list of ids, or stored as { id, tle }) and its
  // mission only in its parameters: a key limited to missions reaches it through them.
  const idOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof (v as { id?: unknown } | null)?.id === 'string' ? (v as { id: string }).id : undefined);
  const targetsOf = (params: { spacecraft?: unknown; mission?: unknown } | undefined) => ({
    spacecraft: Array.isArray(params?.spacecraft) ? params.spacecraft.map(idOf) : [idOf(params?.spacecraft)],
    missions: [idOf(params?.mission)],
  });
  const jobScope = { request: async (r: FastifyRequest) => targetsOf((await api.desk.get((r.params as { id: string }).id))?.params) };
  app.post('/v1/jobs', { config: { access: 'operator', scope: { request: (r) => targetsOf((r.body as { params?: { spacecraft?: unknown; mission?: unknown } } | undefined)?.params) } },
    schema: {
      tags: ['jobs'],
      summary: 'Submit a compute job',
      description: `${JOB_KINDS.map((k) => `\`${k.type}\`: ${k.description}`).join('\n\n')}\n\nORBIT_COMPUTE_MAX_SAMPLES is ${config.caps.computeMaxSamples} here. Poll GET /v1/jobs/{id} for progress and the result's summary; read the rows from GET /v1/jobs/{id}/result. When ${config.caps.computeMaxBacklog} jobs wait for a worker already, answers 503 with Retry-After.`,
      body: JobCreate,
      headers: IdempotencyHeaders,
      response: { 202: JobAccepted, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema },
    },
    // Before the union's validation: the body is checked against its own type's schema, so
    // the problems name that type's fields (and an unknown type gets one clear answer).
    preValidation: async (request) => {
      request.body = checkJobBody(request.body);
    },
  }, (request, reply) =>
    idempotent(api.idempotency, request, reply, config.limits.idempotencyKeepMs, async () => {
      const id = await api.desk.submit(request.body as JobCreate, request.headers.traceparent as string | undefined);
      return { status: 202, headers: { location: `/v1/jobs/${id}` }, body: { id, state: 'queued' } };
    }),
  );

  app.get('/v1/jobs/:id', { config: { access: 'viewer', scope: { item: ((job: { params?: { spacecraft?: string; mission?: string } }) => targetsOf(job.params)) as never } },
    schema: {
      tags: ['jobs'],
      summary: "A job: state, progress, and its result's summary once succeeded",
      params: JobId,
      response: { 200: Job, 404: ProblemSchema },
    },
  }, async (request) => {
    const job = await api.desk.get(request.params.id);
    if (!job) throw new HttpProblem(404, `no job "${request.params.id}"`);
    return job;
  });

  app.post('/v1/jobs/:id/cancel', { config: { access: 'operator', scope: jobScope },
    schema: {
      tags: ['jobs'],
      summary: 'Cancel a queued or running job',
      description: 'A queued job never runs; a running one stops once the chunks on the workers finish, the rest dropped, and stores no result. The state becomes `cancelled`. Cancelling a cancelled job answers it again; a job that already succeeded or failed is 409.',
      params: JobId,
      response: { 200: Job, 404: ProblemSchema, 409: ProblemSchema },
    },
  }, async (request) => api.desk.cancel(request.params.id));

  app.get('/v1/jobs/:id/result', { config: { access: 'viewer', scope: jobScope },
    schema: {
      tags: ['jobs'],
      summary: "A succeeded job's result rows, a page at a time or all as NDJSON",
      description: `Rows in order, \`limit\` per page; \`next\` is an opaque cursor for the page after, absent on the last. With \`Accept: ${NDJSON}\` or \`format=ndjson\`, every row instead, one JSON object per line, streamed (any size, constant memory). 409 while the job has no result.`,
      params: JobId,
      querystring: ResultQuery,
      response: {
        200: { description: 'A page of rows, or every row as NDJSON', content: { 'application/json': { schema: ResultPage }, [NDJSON]: { schema: Type.String() } } },
        400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const accept = request.headers.accept ?? '';
    if (request.query.format === 'ndjson' || accept.includes(NDJSON)) {
      const { rows } = await api.desk.resultRows(id);
      async function* lines() {
        for await (const part of rows) yield part.map((row) => `${JSON.stringify(row)}\n`).join('');
      }
      return reply.type(`${NDJSON}; charset=utf-8`).send(Readable.from(lines(), { objectMode: false }) as unknown as string);
    }
    return reply.type('application/json; charset=utf-8').send(await api.desk.resultPage(id, request.query.cursor, request.query.limit));
  });
};
