/**
 * One module per port. Each opens the engine chosen by config; today that is the
 * embedded implementation under the data directory.
 */
import path from 'node:path';
import { defineModule } from '../platform/modules.ts';
import { PgliteStore } from './sql/pglite.ts';
import { migrate } from './sql/migrate.ts';
import { EmbeddedTaskQueue } from './queue/embedded.ts';
import { EmbeddedEventLog } from './events/embedded.ts';
import { EmbeddedDocumentStore } from './docs/embedded.ts';
import { EmbeddedLogIndex } from './logs/embedded.ts';

export const sqlModule = defineModule({
  name: 'sql',
  deps: [],
  async start({ config, logger }) {
    const store = await PgliteStore.open(path.join(config.dataDir, 'sql'));
    const applied = await migrate(store);
    logger.info({ engine: 'pglite', applied }, 'relational store open');
    return { value: store, isReady: () => store.isReady(), stop: () => store.close() };
  },
});

export const queueModule = defineModule({
  name: 'queue',
  deps: [],
  async start({ config, logger }) {
    const queue = await EmbeddedTaskQueue.open(path.join(config.dataDir, 'queue'));
    logger.info({ engine: 'embedded' }, 'task queue open');
    return { value: queue, isReady: () => queue.isReady(), stop: () => queue.close() };
  },
});

export const eventsModule = defineModule({
  name: 'events',
  deps: [],
  async start({ config, logger }) {
    const events = await EmbeddedEventLog.open(path.join(config.dataDir, 'events'), { defaultPartitions: config.events.partitions });
    logger.info({ engine: 'embedded' }, 'event log open');
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
