/**
 * Telemetry history: points in time order and aggregated buckets.
 */
import { Type } from 'typebox';
import { ProblemSchema } from '../../platform/http.ts';
import { badRequest, notFound, type FieldError } from '../../platform/problem.ts';
import { Bucket, Point } from '../../core/schemas.ts';
import { parseTimeParam } from '../../core/time.ts';
import type { Routes } from '../../platform/modules.ts';
import type { ConsoleApi } from './api.ts';

const Range = {
  spacecraft: Type.String({ minLength: 1 }),
  channel: Type.String({ minLength: 1 }),
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms, inclusive' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms, exclusive' })),
};

export const telemetryRoutes: Routes<ConsoleApi> = (http, api) => {
  const resolve = async (q: { spacecraft: string; channel: string; from?: string; to?: string }) => {
    const from = parseTimeParam(q.from);
    const to = parseTimeParam(q.to);
    const errors: FieldError[] = [];
    if (Number.isNaN(from)) errors.push({ pointer: 'querystring/from', detail: 'is not an ISO 8601 time or epoch milliseconds' });
    if (Number.isNaN(to)) errors.push({ pointer: 'querystring/to', detail: 'is not an ISO 8601 time or epoch milliseconds' });
    if (errors.length) throw badRequest('invalid time range', errors);
    const channel = (await api.catalog.spacecraftWith(q.spacecraft, [q.channel]))?.channels.get(q.channel);
    if (!channel) throw notFound(`no channel "${q.channel}" of spacecraft "${q.spacecraft}"`);
    return { spacecraft: q.spacecraft, channel: q.channel, from, to, type: channel.type };
  };

  http.get('/v1/telemetry', {
    schema: {
      tags: ['telemetry'], summary: 'Processed readings of one channel, in time order',
      querystring: Type.Object({ ...Range, limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }) }),
      response: { 200: Type.Object({ points: Type.Array(Point) }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request) => {
    const q = await resolve(request.query);
    return { points: await api.telemetry.points({ ...q, limit: request.query.limit }, q.type) };
  });

  http.get('/v1/telemetry/aggregate', {
    schema: {
      tags: ['telemetry'], summary: 'Min, max, average and count per time bucket of one channel',
      querystring: Type.Object({ ...Range, step: Type.Number({ exclusiveMinimum: 0, description: 'Bucket width in seconds' }), limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 }) }),
      response: { 200: Type.Object({ buckets: Type.Array(Bucket) }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request) => {
    const q = await resolve(request.query);
    return { buckets: await api.telemetry.aggregate({ ...q, stepSeconds: request.query.step, limit: request.query.limit }) };
  });
};
