/**
 * Console: the server-driven operator UI and the APIs behind mission management,
 * telemetry history and log search.
 */
import { Type } from 'typebox';
import { defineModule } from '../../platform/modules.ts';
import { ProblemSchema } from '../../platform/http.ts';
import { badRequest } from '../../platform/problem.ts';
import { parseTimeParam, toIso } from '../../core/time.ts';
import { TelemetryStore } from '../telemetry/store.ts';
import { AlertStore } from '../analyzer/alert-store.ts';
import { missionRoutes } from './mission-routes.ts';
import { telemetryRoutes } from './telemetry-routes.ts';
import { renderConsole } from './page.ts';

const Level = Type.Union([Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('fatal')]);

export const consoleModule = defineModule({
  name: 'console',
  deps: ['missions', 'sql', 'logs'],
  target: {
    description: 'Operator console (server-rendered) and the mission, history and log-search APIs',
    routes: [
      'GET /console', 'POST /v1/missions', 'GET /v1/missions', 'POST /v1/spacecraft', 'GET /v1/spacecraft',
      'PUT /v1/spacecraft/{id}/channels/{name}', 'GET /v1/spacecraft/{id}/channels', 'GET /v1/telemetry', 'GET /v1/telemetry/aggregate', 'GET /v1/logs',
    ],
  },
  async start({ http, get }) {
    const catalog = get('missions');
    const sql = get('sql');
    const logs = get('logs');
    const alerts = new AlertStore(sql);
    missionRoutes(http, catalog);
    telemetryRoutes(http, catalog, new TelemetryStore(sql));

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
      const entries = await logs.search({ text: q, level, module, service, traceId, from, to, limit });
      return { entries: entries.map((e) => ({ ...e, time: toIso(e.time) })) };
    });

    http.get('/console', { schema: { hide: true } }, async (_request, reply) => {
      const [missions, spacecraft, open, acknowledged] = await Promise.all([
        catalog.listMissions(), catalog.listSpacecraft(), alerts.list({ state: 'open', limit: 200 }), alerts.list({ state: 'acknowledged', limit: 200 }),
      ]);
      return reply.type('text/html; charset=utf-8').send(renderConsole({ missions, spacecraft, alerts: [...open, ...acknowledged], now: new Date() }));
    });

    return { value: undefined, isReady: () => sql.isReady() };
  },
});
