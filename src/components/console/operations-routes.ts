/**
 * Operations APIs: search the logs of every process, and see what the task queues gave
 * up on, with the reason.
 */
import { Type } from 'typebox';
import { QUEUES } from '../../core/messages.ts';
import { parseTimeParam, toIso } from '../../core/time.ts';
import { ProblemSchema } from '../../platform/http.ts';
import type { Routes } from '../../platform/modules.ts';
import { badRequest } from '../../platform/problem.ts';
import type { ConsoleApi } from './api.ts';

const Level = Type.Union([Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('fatal')]);

export const operationsRoutes: Routes<ConsoleApi> = (http, api) => {
  http.get('/v1/logs', {
    schema: {
      tags: ['operations'], summary: "Search the logs of Orbit's processes, newest first",
      querystring: Type.Object({
        q: Type.Optional(Type.String({ description: 'Words that must all appear' })),
        level: Type.Optional(Level), module: Type.Optional(Type.String()), service: Type.Optional(Type.String()), traceId: Type.Optional(Type.String()),
        from: Type.Optional(Type.String()), to: Type.Optional(Type.String()),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
      }),
      response: {
        200: Type.Object({
          entries: Type.Array(Type.Object({
            time: Type.String({ format: 'date-time' }), level: Level, msg: Type.String(), service: Type.String(),
            module: Type.Optional(Type.String()), traceId: Type.Optional(Type.String()), spanId: Type.Optional(Type.String()),
            fields: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          })),
        }),
        400: ProblemSchema,
      },
    },
  }, async (request) => {
    const { q, level, module, service, traceId, limit } = request.query;
    const from = parseTimeParam(request.query.from);
    const to = parseTimeParam(request.query.to);
    if (Number.isNaN(from) || Number.isNaN(to)) throw badRequest('invalid time range', [{ pointer: Number.isNaN(from) ? 'querystring/from' : 'querystring/to', detail: 'is not a time' }]);
    const entries = await api.logs.search({ text: q, level, module, service, traceId, from, to, limit });
    return { entries: entries.map((e) => ({ ...e, time: toIso(e.time) })) };
  });

  http.get('/v1/queues/:queue/dead-letters', {
    schema: {
      tags: ['operations'], summary: 'Messages given up on after their retries, with the reason, oldest first',
      params: Type.Object({ queue: Type.Union(Object.values(QUEUES).map((name) => Type.Literal(name))) }),
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }) }),
    },
  }, async (request) => {
    const letters = await api.queue.deadLetters(request.params.queue, request.query.limit);
    return letters.map((l) => ({ ...l, publishedAt: toIso(l.publishedAt), deadAt: toIso(l.deadAt) }));
  });
};
