/**
 * Dashboard: the live page and the stream behind it. Every dashboard process sees every
 * event, so each subscribes in a group of its own, starting from the newest record.
 */
import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { TOPICS, type AlertEvent, type ProcessedBatch } from '../../core/messages.ts';
import { EVENTS } from '../../engines/events/port.ts';
import { defineModule } from '../../platform/modules.ts';
import { loadAssets } from './assets.ts';
import { dashboardRoutes } from './routes.ts';
import { EventStream } from './stream.ts';

export const dashboardModule = defineModule({
  name: 'dashboard',
  deps: { events: EVENTS },
  target: { description: 'Live dashboard page and the telemetry/alert stream (SSE)' },
  async start({ config, metrics, logger, deps: { events } }) {
    const dropped = new Counter({ name: 'orbit_stream_dropped_events_total', help: 'Events not sent to stream clients that could not keep up', registers: [metrics] });
    const stream = new EventStream({ onDrop: () => dropped.inc(), maxClients: config.limits.streamMaxClients });
    const group = `dashboard-${randomUUID()}`;
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
    new Gauge({ name: 'orbit_stream_clients', help: 'Connected live-stream clients', registers: [metrics], collect() { this.set(stream.clients); } });

    const assets = await loadAssets();
    if (!assets) logger.warn('the dashboard page is not built: run `npm run build:dashboard`; /v1/stream works without it');

    return {
      value: { stream, assets },
      isReady: () => events.isReady(),
      async stop() {
        clearInterval(heartbeat);
        stream.close();
        for (const s of subscriptions) await s.close();
      },
    };
  },
  routes: dashboardRoutes,
});
