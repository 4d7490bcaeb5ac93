/**
 * The dashboard's page and files under /dashboard, and GET /v1/stream.
 */
import { Type } from 'typebox';
import { StreamAlert, StreamTelemetry } from '../../core/schemas.ts';
import { ProblemSchema } from '../../platform/http.ts';
import type { Routes } from '../../platform/modules.ts';
import { HttpProblem } from '../../platform/problem.ts';
import { resolveAsset, type Asset } from './assets.ts';
import type { EventStream } from './stream.ts';
import { anyMission, spacecraftInQuery } from '../../platform/scopes.ts';

export interface DashboardApi {
  stream: EventStream;
  /** Undefined when the page was not built. */
  assets: ReadonlyMap<string, Asset> | undefined;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Orbit dashboard</title>
<p>The dashboard has not been built. Run <code>npm run build:dashboard</code> (<code>npm ci</code> does it) and restart Orbit.</p>`;

/**
 * A key limited to missions sees the events of their spacecraft only. Events are sent
 * synchronously, so each spacecraft's answer is looked up once and remembered; until it
 * is known, that spacecraft's events are held back from this client.
 */
function scopeFilter(allows: (spacecraft: string) => Promise<boolean>): (spacecraft: string) => boolean {
  const known = new Map<string, boolean>();
  return (spacecraft) => {
    const answer = known.get(spacecraft);
    if (answer !== undefined) return answer;
    known.set(spacecraft, false);
    allows(spacecraft).then((ok) => known.set(spacecraft, ok), () => known.delete(spacecraft));
    return false;
  };
}

export const dashboardRoutes: Routes<DashboardApi> = (http, api) => {
  // Open streams would keep the server from closing.
  http.addHook('preClose', async () => api.stream.close());

  http.get('/v1/stream', { config: { access: 'viewer', scope: spacecraftInQuery() },
    schema: {
      tags: ['telemetry'],
      summary: 'Live events (Server-Sent Events): `telemetry` and `alert`',
      description: [
        'Event `telemetry`: the processed readings of one batch of one spacecraft:', '```json', JSON.stringify(StreamTelemetry), '```',
        'Event `alert`: the alert (as in GET /v1/alerts) with the `transition` that changed it and the causing `batchId` when a reading caused it:', '```json', JSON.stringify(StreamAlert), '```',
        'A client that cannot keep up loses events; after a reconnection, read what was missed from `GET /v1/telemetry` and `GET /v1/alerts`.',
      ].join('\n'),
      querystring: Type.Object({ spacecraft: Type.Optional(Type.String({ description: 'Only this spacecraft' })) }),
      response: { 200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: Type.String() } } }, 503: ProblemSchema },
    },
  }, (request, reply) => {
    if (api.stream.full) throw new HttpProblem(503, `this process already streams to ${api.stream.clients} clients (ORBIT_STREAM_MAX_CLIENTS); try again later or another replica`, { retryAfterSeconds: 5 });
    reply.hijack();
    api.stream.add(reply.raw, request.query.spacecraft, request.allowsSpacecraft && scopeFilter(request.allowsSpacecraft));
  });

  http.get('/', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) => reply.redirect('/dashboard'));
  http.get('/favicon.ico', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) => reply.status(204).send());
  http.get('/dashboard', { config: { access: 'viewer', scope: anyMission }, schema: { hide: true } }, (_request, reply) => reply.redirect('/dashboard/'));
  http.get('/dashboard/*', { config: { access: 'viewer', scope: anyMission }, schema: { hide: true } }, (request, reply) => {
    if (!api.assets) return reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    const asset = resolveAsset(api.assets, (request.params as { '*': string })['*'] || 'index.html');
    if (!asset) return reply.callNotFound();
    reply.type(asset.type).header('cache-control', asset.cacheControl).header('vary', 'accept-encoding');
    if (asset.gzip && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  });
};
