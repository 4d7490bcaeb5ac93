/**
 * The live page, its assets, and GET /v1/stream.
 */
import { Type } from 'typebox';
import type { Routes } from '../../platform/modules.ts';
import type { EventStream } from './stream.ts';

export const ASSETS: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'dashboard.js': 'text/javascript; charset=utf-8', 'dashboard.css': 'text/css; charset=utf-8' };

export interface DashboardApi {
  stream: EventStream;
  assets: ReadonlyMap<string, Buffer>;
}

export const dashboardRoutes: Routes<DashboardApi> = (http, api) => {
  // Open streams would keep the server from closing.
  http.addHook('preClose', async () => api.stream.close());

  http.get('/v1/stream', {
    schema: {
      tags: ['telemetry'],
      summary: 'Live events (Server-Sent Events): `telemetry` and `alert`',
      description: 'Event `telemetry`: {batchId, spacecraft, readings: [{channel, time, value, raw}]}. Event `alert`: the alert (as in GET /v1/alerts) with `transition` {from, to, action, severity, at, by?, comment?} and the causing `batchId` when a reading caused it.',
      querystring: Type.Object({ spacecraft: Type.Optional(Type.String({ description: 'Only this spacecraft' })) }),
      response: { 200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: Type.String() } } } },
    },
  }, (request, reply) => {
    reply.hijack();
    api.stream.add(reply.raw, request.query.spacecraft);
  });

  http.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/dashboard'));
  http.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => reply.status(204).send());
  http.get('/dashboard', { schema: { hide: true } }, (_request, reply) => reply.type(ASSETS['index.html']!).send(api.assets.get('index.html')));
  http.get('/dashboard/:asset', { schema: { hide: true, params: Type.Object({ asset: Type.String() }) } }, (request, reply) => {
    const body = api.assets.get(request.params.asset);
    if (!body) return reply.callNotFound();
    return reply.type(ASSETS[request.params.asset]!).send(body);
  });
};
