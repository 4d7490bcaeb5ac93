/**
 * POST /v1/telemetry: a JSON batch of one spacecraft or NDJSON of any, accepted whole
 * (202, durable on the task queue) or rejected whole (400 naming every bad field).
 */
import { Type } from 'typebox';
import { Accepted, TelemetryBatch } from '../../core/schemas.ts';
import { ProblemSchema } from '../../platform/http.ts';
import { IdempotencyHeaders, idempotent, type IdempotencyRecords } from '../../platform/idempotency.ts';
import type { RouteScope } from '../../platform/access.ts';
import type { Routes } from '../../platform/modules.ts';
import { HttpProblem, type FieldError, type SchemaError } from '../../platform/problem.ts';
import type { Admission } from './admission.ts';
import type { Intake } from './intake.ts';
import { locateJson, parseNdjson } from './parse.ts';

export interface IngestApi {
  admission: Admission;
  intake: Intake;
  idempotency: IdempotencyRecords;
  /** Counts each batch and its readings by outcome, and times making it durable. */
  record: {
    enqueued(seconds: number): void;
    accepted(readings: number): void;
    rejected(readings: number): void;
  };
}

/**
 * The spacecraft a batch names, for a key limited to missions: one in a JSON batch, any
 * number in NDJSON (read line by line only for such keys; a bad line is left for the
 * parser to report).
 */
const INGEST_SCOPE: RouteScope = {
  request(request) {
    const body = request.body;
    if (typeof body !== 'string') return { spacecraft: [(body as { spacecraft?: unknown } | undefined)?.spacecraft as string | undefined] };
    const spacecraft = new Set<string>();
    for (const line of body.split('\n')) {
      try {
        const id = (JSON.parse(line) as { spacecraft?: unknown } | null)?.spacecraft;
        if (typeof id === 'string') spacecraft.add(id);
      } catch {
        // Not JSON: the route answers 400 for it.
      }
    }
    return { spacecraft: [...spacecraft] };
  },
};

export const ingestRoutes: Routes<IngestApi> = (app, api, config) => {
  const { maxBatchReadings } = config.limits;
  app.post('/v1/telemetry', { config: { access: 'operator', scope: INGEST_SCOPE, audit: false },
    schema: {
      tags: ['telemetry'],
      summary: 'Ingest a batch of readings',
      description: `JSON: one spacecraft's readings. NDJSON: one reading per line, any spacecraft. The batch is accepted whole or rejected whole; at most ${maxBatchReadings} readings.`,
      body: {
        content: {
          'application/json': { schema: TelemetryBatch },
          'application/x-ndjson': { schema: Type.String({ description: 'One {spacecraft, channel, time, value} object per line' }) },
        },
      },
      headers: IdempotencyHeaders,
      response: { 202: Accepted, 400: ProblemSchema, 413: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema },
    },
    attachValidation: true,
    preValidation: async (request) => {
      const body = request.body as { readings?: unknown[] } | undefined;
      if (Array.isArray(body?.readings) && body.readings.length > maxBatchReadings) {
        throw new HttpProblem(413, `a batch holds at most ${maxBatchReadings} readings, this one has ${body.readings.length}`);
      }
    },
  }, (request, reply) =>
    api.admission.run(() => idempotent(api.idempotency, request, reply, config.limits.idempotencyKeepMs, async () => {
      const errors: FieldError[] = [];
      const located = typeof request.body === 'string'
        ? parseNdjson(request.body, maxBatchReadings, errors)
        : locateJson(request.body, request.validationError?.validation as SchemaError[] | undefined, errors);
      const accepted = await api.intake.accept(located, errors, {
        traceparent: request.headers.traceparent as string | undefined,
        onRejected: api.record.rejected,
        onEnqueued: api.record.enqueued,
      });
      api.record.accepted(accepted.accepted);
      return { status: 202, body: accepted };
    })),
  );
};
