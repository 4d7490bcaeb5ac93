/**
 * One module per port. Each opens the engine chosen by config; today that is the
 * embedded implementation under the data directory.
 */
import path from 'node:path';
import { Gauge } from 'prom-client';
import { Type } from 'typebox';
import { GROUPS, QUEUES } from '../core/messages.ts';
import { toIso } from '../core/time.ts';
import { defineModule } from '../platform/modules.ts';
import { PgliteWorkerStore } from './sql/pglite-worker.ts';
import { migrate } from './sql/migrate.ts';
import { EmbeddedTaskQueue } from './queue/embedded.ts';
import { EmbeddedEventLog } from './events/embedded.ts';
import { EmbeddedDocumentStore } from './docs/embedded.ts';
import { EmbeddedLogIndex } from './logs/embedded.ts';

export const sqlModule = defineModule({
  name: 'sql',
  deps: [],
  async start({ config, logger }) {
    // PGlite runs in a worker thread so SQL uses the second core instead of stalling the event loop.
    const store = await PgliteWorkerStore.open(path.join(config.dataDir, 'sql'));
    const applied = await migrate(store);
    logger.info({ engine: 'pglite (worker thread)', applied }, 'relational store open');
    return { value: store, isReady: () => store.isReady(), stop: () => store.close() };
  },
});

export const queueModule = defineModule({
  name: 'queue',
  deps: [],
  async start({ config, logger, metrics, http }) {
    const queue = await EmbeddedTaskQueue.open(path.join(config.dataDir, 'queue'));
    logger.info({ engine: 'embedded' }, 'task queue open');
    // Operators must be able to see what was given up on, and why.
    http.get('/v1/queues/:queue/dead-letters', {
      schema: {
        tags: ['operations'], summary: 'Messages given up on after their retries, with the reason, oldest first',
        params: Type.Object({ queue: Type.Union([Type.Literal(QUEUES.ingest), Type.Literal(QUEUES.jobs)]) }),
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }) }),
      },
    }, async (request) => {
      const letters = await queue.deadLetters(request.params.queue, request.query.limit);
      return letters.map((l) => ({ ...l, publishedAt: toIso(l.publishedAt), deadAt: toIso(l.deadAt) }));
    });
    new Gauge({
      name: 'orbit_queue_messages', help: 'Messages in a task queue: ready (waiting), unacked (being worked on), dead_lettered', labelNames: ['queue', 'state'], registers: [metrics],
      async collect() {
        for (const name of Object.values(QUEUES)) {
          const d = await queue.depth(name);
          this.set({ queue: name, state: 'ready' }, d.ready);
          this.set({ queue: name, state: 'unacked' }, d.unacked);
          this.set({ queue: name, state: 'dead_lettered' }, d.deadLettered);
        }
      },
    });
    return { value: queue, isReady: () => queue.isReady(), stop: () => queue.close() };
  },
});

export const eventsModule = defineModule({
  name: 'events',
  deps: [],
  async start({ config, logger, metrics }) {
    const events = await EmbeddedEventLog.open(path.join(config.dataDir, 'events'), { defaultPartitions: config.events.partitions });
    logger.info({ engine: 'embedded' }, 'event log open');
    new Gauge({
      name: 'orbit_events_consumer_lag_records', help: 'Records a consumer group has yet to process', labelNames: ['group', 'topic'], registers: [metrics],
      async collect() {
        for (const { group, topic } of GROUPS) {
          const lag = await events.lag(group, topic).catch(() => []);
          this.set({ group, topic }, lag.reduce((sum, p) => sum + p.lag, 0));
        }
      },
    });
    return { value: events, isReady: () => events.isReady(), stop: () => events.close() };
  },
});

export const docsModule = defineModule({
  name: 'docs',
  deps: [],
  async start({ config, logger }) {
    const docs = await EmbeddedDocumentStore.open(path.join(config.dataDir, 'docs'));
    logger.info({ engine: 'embedded' }, 'document store open');
    return { value: docs, isReady: () => docs.isReady(), stop: () => docs.close() };
  },
});

export const logsModule = defineModule({
  name: 'logs',
  deps: [],
  async start({ config, logger }) {
    const logs = await EmbeddedLogIndex.open(path.join(config.dataDir, 'logs'));
    logger.info({ engine: 'embedded' }, 'log index open');
    return { value: logs, isReady: () => logs.isReady(), stop: () => logs.close() };
  },
});
