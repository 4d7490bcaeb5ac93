/**
 * Operations APIs: search the logs of every process, and see what the task queues gave
 * up on, with the reason.
 */
import { Type } from 'typebox';
import { QUEUES } from '../../core/messages.ts';
import { toIso } from '../../core/time.ts';
import { ProblemSchema } from '../../platform/http.ts';
import type { Routes } from '../../platform/modules.ts';
import type { ConsoleApi } from './api.ts';
import { TimeOutput } from '../../core/schemas.ts';
import { LogsPage, LogsQuery, searchLogs } from './log-search.ts';

const DeadLetter = Type.Object({
  id: Type.String(),
  queue: Type.String(),
  body: Type.Unknown({ description: 'The message as it was published' }),
  headers: Type.Record(Type.String(), Type.String()),
  attempt: Type.Integer({ minimum: 1, description: 'Deliveries tried' }),
  publishedAt: TimeOutput,
  reason: Type.String({ description: 'Why the last try failed' }),
  deadAt: TimeOutput,
});

export const operationsRoutes: Routes<ConsoleApi> = (http, api) => {
  http.get('/v1/logs', { config: { access: 'viewer' },
    schema: {
      tags: ['operations'], summary: "Search the logs of Orbit's processes, newest first",
      description: 'At most `limit` entries. When there are older ones, `next` is a cursor: ask again with `cursor=<next>` (and the same search) for them.',
      querystring: LogsQuery,
      response: { 200: LogsPage, 400: ProblemSchema },
    },
  }, (request) => searchLogs(api.logs, request.query));

  http.get('/v1/queues/:queue/dead-letters', { config: { access: 'viewer' },
    schema: {
      tags: ['operations'], summary: 'Messages given up on after their retries, with the reason, oldest first',
      params: Type.Object({ queue: Type.Union(Object.values(QUEUES).map((name) => Type.Literal(name))) }),
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }) }),
      response: { 200: Type.Array(DeadLetter) },
    },
  }, async (request) => {
    const letters = await api.queue.deadLetters(request.params.queue, request.query.limit);
    return letters.map((l) => ({ ...l, publishedAt: toIso(l.publishedAt), deadAt: toIso(l.deadAt) }));
  });
};
