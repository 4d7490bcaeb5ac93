/**
 * GET /v1/simulator/injections: what the simulator broke and when, so alerts can be
 * scored against it.
 */
import { Type } from 'typebox';
import { ProblemSchema } from '../../platform/http.ts';
import type { Routes } from '../../platform/modules.ts';
import { badRequest } from '../../platform/problem.ts';
import { parseTimeParam } from '../../core/time.ts';
import { ANOMALY_KINDS, type AnomalyKind } from './anomalies.ts';
import type { InjectionLog } from './injection-log.ts';
import { TimeParam } from '../../platform/validation.ts';
import { spacecraftItems } from '../../platform/scopes.ts';

const Kind = Type.Unsafe<AnomalyKind>(Type.Union(ANOMALY_KINDS.map((k) => Type.Literal(k))));

export const InjectionSchema = Type.Object({
  id: Type.String(),
  spacecraft: Type.String(),
  kind: Kind,
  channel: Type.String({ description: 'The channel a detector should flag' }),
  channels: Type.Array(Type.String(), { description: 'Every channel the detector should flag' }),
  startedAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  expected: Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('stale')], {
    description: 'critical/warning: a limit alert of that severity; stale: a staleness alert',
  }),
  description: Type.String(),
});

export const injectionRoutes: Routes<InjectionLog> = (http, log) => {
  http.get(
    '/v1/simulator/injections',
    { config: { access: 'viewer', scope: spacecraftItems('spacecraft', 'spacecraft') },
      schema: {
        tags: ['simulator'],
        summary: 'Anomalies the simulator injected',
        description: 'Oldest first, this run and earlier ones (from the injection log). Each names the spacecraft, channels, window and the alert a detector should raise.',
        querystring: Type.Object({
          spacecraft: Type.Optional(Type.String()),
          kind: Type.Optional(Kind),
          since: Type.Optional(TimeParam('Only injections started at or after this time (ISO 8601 or epoch ms)')),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'At most this many, the most recent' })),
        }),
        response: { 200: Type.Array(InjectionSchema), 400: ProblemSchema },
      },
    },
    async (request) => {
      const { spacecraft, kind, since, limit } = request.query;
      const sinceMs = parseTimeParam(since);
      if (Number.isNaN(sinceMs)) throw badRequest('since is not a time', [{ pointer: 'querystring/since', detail: 'must be ISO 8601 or epoch milliseconds' }]);
      return log.list({ spacecraft, kind, sinceMs, limit });
    },
  );
};
