/**
 * One module per port. Each opens the real engine whose URL is configured, or else the
 * embedded implementation under the data directory. A real engine that cannot be
 * reached at start is tried again with backoff: the process waits (not ready) instead
 * of exiting. The queue and events modules declare every queue and topic of
 * core/messages.ts, so a component only publishes to or consumes what exists.
 */
import path from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { GROUPS, QUEUES, TOPICS } from '../core/messages.ts';
import { defineModule } from '../platform/modules.ts';
import { PgliteWorkerStore } from '../engines/sql/pglite-worker.ts';
import { migrate } from '../engines/sql/migrate.ts';
import { EmbeddedTaskQueue } from '../engines/queue/embedded.ts';
import { EmbeddedEventLog } from '../engines/events/embedded.ts';
import { EmbeddedDocumentStore } from '../engines/docs/embedded.ts';
import { EmbeddedLogIndex } from '../engines/logs/embedded.ts';
import { PostgresStore } from '../engines/sql/postgres.ts';
import { RabbitMqTaskQueue } from '../engines/queue/rabbitmq.ts';
import { KafkaEventLog } from '../engines/events/kafka.ts';
import { MongoDocumentStore } from '../engines/docs/mongo.ts';
import { ElasticsearchLogIndex } from '../engines/logs/elasticsearch.ts';
import { DeferredLogIndex } from '../engines/logs/deferred.ts';
import { namespacedQueue } from '../engines/queue/namespaced.ts';
import { namespacedLog } from '../engines/events/namespaced.ts';
import { connectWithRetry } from '../engines/shared/backoff.ts';
import { maskSecret, type Config } from '../platform/config.ts';
import { SQL, type SqlStore } from '../engines/sql/port.ts';
import { QUEUE, type TaskQueue } from '../engines/queue/port.ts';
import { EVENTS, type EventLog } from '../engines/events/port.ts';
import { DOCS } from '../engines/docs/port.ts';
import { describeDamage, type DamageListener } from '../engines/storage/damage.ts';
import { LOGS } from '../engines/logs/port.ts';

/** `messaging.system` of the in-process engines, which the conventions have no name for. */
const EMBEDDED = 'orbit_embedded';

/**
 * With tracing on, the engine records messaging spans; the spans name the engine's own
 * queues and topics, so they are traced beneath any namespace. Off, the decorator is not
 * even loaded.
 */
async function traced(config: Config, queue: TaskQueue, system: string): Promise<TaskQueue> {
  return config.tracing ? (await import('../engines/queue/traced.ts')).tracedQueue(queue, system) : queue;
}

async function tracedEvents(config: Config, log: EventLog, system: string): Promise<EventLog> {
  return config.tracing ? (await import('../engines/events/traced.ts')).tracedLog(log, system) : log;
}

const CORRUPT_RECORDS = 'orbit_storage_corrupt_records_total';

/** A damaged record of an embedded log is skipped and kept aside; an operator hears of it here (docs/engines/README.md). */
function reportDamage(engine: string, logger: Logger, metrics: Registry): DamageListener {
  const counter = (metrics.getSingleMetric(CORRUPT_RECORDS) as Counter<'engine'> | undefined)
    ?? new Counter({ name: CORRUPT_RECORDS, help: 'Damaged records found in the embedded engines\' segment files, skipped and quarantined', labelNames: ['engine'], registers: [metrics] });
  return (damage) => {
    counter.inc({ engine }, damage.records);
    logger.error({ engine, ...damage }, describeDamage(damage));
  };
}

export const sqlModule = defineModule({
  provides: SQL,
  usesDataDir: (config) => !config.engines.sqlUrl,
  async start({ config, logger }) {
    const { sqlUrl } = config.engines;
    let store: SqlStore;
    if (sqlUrl) store = await connectWithRetry('PostgreSQL', () => PostgresStore.open(sqlUrl, { logger, statementTimeoutMs: config.sql.statementTimeoutMs }), logger);
    // PGlite runs in a worker thread so SQL uses the second core instead of stalling the event loop.
    else store = await PgliteWorkerStore.open(path.join(config.dataDir, 'sql'), { logger });
    const applied = await connectWithRetry(sqlUrl ? 'PostgreSQL' : 'PGlite', () => migrate(store), logger);
    logger.info({ engine: sqlUrl ? 'postgresql' : 'pglite', url: sqlUrl && maskSecret('ORBIT_SQL_URL', sqlUrl), applied }, 'relational store open');
    return { value: store, isReady: () => store.isReady(), stop: () => store.close() };
  },
});

export const queueModule = defineModule({
  provides: QUEUE,
  usesDataDir: (config) => !config.engines.queueUrl,
  async start({ config, logger, metrics }) {
    const { queueUrl, namespace } = config.engines;
    let queue: TaskQueue;
    if (queueUrl) {
      const broker = await traced(config, await connectWithRetry('RabbitMQ', () => RabbitMqTaskQueue.open(queueUrl), logger), 'rabbitmq');
      queue = namespace ? namespacedQueue(broker, namespace) : broker;
    } else queue = await traced(config, await EmbeddedTaskQueue.open(path.join(config.dataDir, 'queue'), { onDamage: reportDamage('queue', logger, metrics) }), EMBEDDED);
    logger.info({ engine: queueUrl ? 'rabbitmq' : 'embedded', url: queueUrl && maskSecret('ORBIT_QUEUE_URL', queueUrl), namespace }, 'task queue open');
    for (const name of Object.values(QUEUES)) await queue.assertQueue(name, config.queues[name]);
    new Gauge({
      name: 'orbit_queue_messages', help: 'Messages in a task queue: ready (waiting), unacked (being worked on), dead_lettered', labelNames: ['queue', 'state'], registers: [metrics],
      async collect() {
        for (const name of Object.values(QUEUES)) {
          // A scrape must not fail because the broker is away: the gauge keeps its last value.
          const d = await queue.depth(name).catch(() => undefined);
          if (!d) continue;
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
  provides: EVENTS,
  usesDataDir: (config) => !config.engines.eventsBrokers,
  async start({ config, logger, metrics }) {
    const { eventsBrokers, namespace } = config.engines;
    let events: EventLog;
    if (eventsBrokers) {
      const cluster = await tracedEvents(config, await connectWithRetry('Kafka', () => KafkaEventLog.open(eventsBrokers.join(','), { defaultPartitions: config.events.partitions, onError: (err) => logger.warn({ err }, 'event log') }), logger), 'kafka');
      events = namespace ? namespacedLog(cluster, namespace) : cluster;
    } else events = await tracedEvents(config, await EmbeddedEventLog.open(path.join(config.dataDir, 'events'), { defaultPartitions: config.events.partitions, onDamage: reportDamage('events', logger, metrics) }), EMBEDDED);
    for (const topic of Object.values(TOPICS)) await events.createTopic(topic, { partitions: config.events.partitions });
    logger.info({ engine: eventsBrokers ? 'kafka' : 'embedded', brokers: eventsBrokers, namespace }, 'event log open');
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
  provides: DOCS,
  usesDataDir: (config) => !config.engines.docsUrl,
  async start({ config, logger }) {
    const { docsUrl } = config.engines;
    const docs = docsUrl
      ? await connectWithRetry('MongoDB', () => MongoDocumentStore.open(docsUrl), logger)
      : await EmbeddedDocumentStore.open(path.join(config.dataDir, 'docs'));
    logger.info({ engine: docsUrl ? 'mongodb' : 'embedded', url: docsUrl && maskSecret('ORBIT_DOCS_URL', docsUrl) }, 'document store open');
    return { value: docs, isReady: () => docs.isReady(), stop: () => docs.close() };
  },
});

export const logsModule = defineModule({
  provides: LOGS,
  usesDataDir: (config) => !config.engines.searchUrl,
  async start({ config, logger }) {
    const { searchUrl, namespace } = config.engines;
    if (searchUrl) {
      // Every process ships its logs, so the index must not hold any of them back: it connects in the background.
      const logs = new DeferredLogIndex('Elasticsearch', (stopped) =>
        connectWithRetry('Elasticsearch', () => ElasticsearchLogIndex.open(searchUrl, { indexPrefix: `${namespace ?? 'orbit'}-logs` }), logger, { stopped }).catch((error: unknown) => {
          // Not an outage (refused credentials, a bad index prefix): waiting will not help, so say it once.
          if (!stopped()) logger.error({ err: error, engine: 'elasticsearch' }, 'log index refused; logs are not indexed');
          throw error;
        }),
      );
      logger.info({ engine: 'elasticsearch', url: maskSecret('ORBIT_SEARCH_URL', searchUrl) }, 'log index connecting in the background');
      return { value: logs, stop: () => logs.close() };
    }
    const logs = await EmbeddedLogIndex.open(path.join(config.dataDir, 'logs'));
    logger.info({ engine: 'embedded' }, 'log index open');
    return { value: logs, isReady: () => logs.isReady(), stop: () => logs.close() };
  },
});

export const engineModules = [sqlModule, queueModule, eventsModule, docsModule, logsModule];
