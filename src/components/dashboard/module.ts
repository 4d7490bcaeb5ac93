/**
 * Dashboard: the live page and the stream behind it. Every dashboard process sees every
 * event, so each subscribes in a group of its own, starting from the newest record.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { Type } from 'typebox';
import { defineModule } from '../../platform/modules.ts';
import { TOPICS, type AlertEvent, type ProcessedBatch } from '../../core/messages.ts';
import { EventStream } from './stream.ts';

const PUBLIC = path.join(import.meta.dirname, 'public');
const ASSETS: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'dashboard.js': 'text/javascript; charset=utf-8', 'dashboard.css': 'text/css; charset=utf-8' };

export const dashboardModule = defineModule({
  name: 'dashboard',
  deps: ['events'],
  target: { description: 'Live dashboard page and the telemetry/alert stream (SSE)', routes: ['GET /dashboard', 'GET /v1/stream'] },
  async start({ config, http, metrics, get }) {
    const events = get('events');
    const dropped = new Counter({ name: 'orbit_stream_dropped_events_total', help: 'Events not sent to stream clients that could not keep up', registers: [metrics] });
    const stream = new EventStream(() => dropped.inc());
    const group = `dashboard-${randomUUID()}`;
    await events.createTopic(TOPICS.processed, { partitions: config.events.partitions });
    await events.createTopic(TOPICS.alerts, { partitions: config.events.partitions });
    // One member reading both topics: in Kafka, members of one group share the partitions of every topic any of them reads.
    const subscriptions = [
      await events.subscribe<ProcessedBatch | AlertEvent>({ group, topics: [TOPICS.processed, TOPICS.alerts], from: 'latest' }, async (records) => {
        for (const r of records) {
          if (r.topic === TOPICS.alerts) stream.alert(r.value as AlertEvent);
          else stream.telemetry(r.value as ProcessedBatch);
        }
      }),
    ];
    const heartbeat = setInterval(() => stream.heartbeat(), 15_000);
    // Open streams would keep the server from closing.
    http.addHook('preClose', async () => stream.close());
    new Gauge({ name: 'orbit_stream_clients', help: 'Connected live-stream clients', registers: [metrics], collect() { this.set(stream.clients); } });

    http.get('/v1/stream', {
      schema: {
        tags: ['telemetry'],
        summary: 'Live events (Server-Sent Events): `telemetry` and `alert`',
        description: 'Event `telemetry`: {batchId, spacecraft, readings: [{channel, time, value, raw}]}. Event `alert`: the alert (as in GET /v1/alerts) with `transition` {from, to, severity, at} and the causing `batchId` when a reading caused it.',
        querystring: Type.Object({ spacecraft: Type.Optional(Type.String({ description: 'Only this spacecraft' })) }),
        response: { 200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: Type.String() } } } },
      },
    }, (request, reply) => {
      reply.hijack();
      stream.add(reply.raw, request.query.spacecraft);
    });

    const assets = new Map<string, Buffer>();
    for (const name of Object.keys(ASSETS)) assets.set(name, await readFile(path.join(PUBLIC, name)));
    http.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/dashboard'));
    http.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => reply.status(204).send());
    http.get('/dashboard', { schema: { hide: true } }, (_request, reply) => reply.type(ASSETS['index.html']!).send(assets.get('index.html')));
    http.get('/dashboard/:asset', { schema: { hide: true, params: Type.Object({ asset: Type.String() }) } }, (request, reply) => {
      const body = assets.get(request.params.asset);
      if (!body) return reply.callNotFound();
      return reply.type(ASSETS[request.params.asset]!).send(body);
    });

    return {
      value: undefined,
      isReady: () => events.isReady(),
      async stop() {
        clearInterval(heartbeat);
        stream.close();
        for (const s of subscriptions) await s.close();
      },
    };
  },
});
