/**
 * What the unit tests of component logic run on: the embedded engines and the real
 * stores, declared as the app declares them, plus an event log that can be made to
 * look away (a fault injected around the real engine).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, beforeEach } from 'node:test';
import { pino } from 'pino';
import { QUEUE_OPTIONS, QUEUES, TOPICS } from '../../src/core/messages.ts';
import type { ChannelDefinition } from '../../src/core/schemas.ts';
import { EmbeddedEventLog } from '../../src/engines/events/embedded.ts';
import type { BatchHandler, EventLog, EventRecord, OutgoingEvent, PartitionLag, Subscription, SubscribeOptions, TopicOptions } from '../../src/engines/events/port.ts';
import { EmbeddedTaskQueue } from '../../src/engines/queue/embedded.ts';
import type { QueueMessage, TaskQueue } from '../../src/engines/queue/port.ts';
import { migrate } from '../../src/engines/sql/migrate.ts';
import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { AlertStore } from '../../src/stores/alerts/store.ts';
import { MissionCatalog, type RevisedChannel, type SpacecraftView } from '../../src/stores/missions/catalog.ts';
import { TelemetryStore } from '../../src/stores/telemetry/store.ts';
import { tempDir } from './temp-store.ts';
import { EngineUnavailableError } from '../../src/engines/shared/unavailable.ts';

export const silentLogger = pino({ level: 'silent' });

/** An in-memory relational store with every migration applied. */
export async function migratedSql(): Promise<PgliteStore> {
  const sql = await PgliteStore.open();
  await migrate(sql);
  return sql;
}

export interface Engines {
  queue: EmbeddedTaskQueue;
  events: EmbeddedEventLog;
  /** Closes both engines and removes their data. */
  close(): Promise<void>;
}

/** A task queue and an event log on a temp dir, with every queue and topic declared as the queue and events modules do. */
export async function openEngines(prefix: string): Promise<Engines> {
  const { dir, remove } = await tempDir(prefix);
  const queue = await EmbeddedTaskQueue.open(path.join(dir, 'queue'));
  const events = await EmbeddedEventLog.open(path.join(dir, 'events'));
  for (const name of Object.values(QUEUES)) await queue.assertQueue(name, QUEUE_OPTIONS[name]);
  for (const topic of Object.values(TOPICS)) await events.createTopic(topic, { partitions: 2 });
  return {
    queue,
    events,
    async close() {
      await queue.close();
      await events.close();
      await remove();
    },
  };
}

export interface ComponentEnv {
  sql: PgliteStore;
  engines: Engines;
}

/**
 * A migrated relational store and the engines, opened before the tests of the calling
 * file, then `prepare`d (top-level `before` hooks of one file do not wait for each
 * other, so set-up that needs them goes there), and closed after the tests.
 */
export function componentEnv(prefix: string, prepare: (env: ComponentEnv) => Promise<void> = async () => undefined): ComponentEnv {
  const env = {} as ComponentEnv;
  before(async () => {
    env.sql = await migratedSql();
    env.engines = await openEngines(prefix);
    await prepare(env);
  });
  after(async () => {
    await env.engines?.close();
    await env.sql?.close();
  });
  return env;
}

export interface AnalyzerStores {
  catalog: MissionCatalog;
  alerts: AlertStore;
  telemetry: TelemetryStore;
}

/**
 * What the analyzer's tests run on: componentEnv and the stores the alert engine reads,
 * every table emptied before each test (an engine loads every active alert and watched
 * channel; the event log keeps its records, told apart by spacecraft), and fresh spacecraft.
 */
export function analyzerEnv(prefix: string): { env: ComponentEnv; stores: AnalyzerStores; spacecraft(channels: Record<string, ChannelDefinition>): Promise<string> } {
  const stores = {} as AnalyzerStores;
  const env = componentEnv(prefix, async () => {
    stores.alerts = new AlertStore(env.sql);
    stores.telemetry = new TelemetryStore(env.sql);
  });
  beforeEach(async () => {
    await env.sql.exec('TRUNCATE alert_outbox, alert_outbox_sequences, alert_outbox_leases, alert_transitions, alerts, telemetry_segments, telemetry_batches, channels, ground_stations, spacecraft, missions');
    stores.catalog = new MissionCatalog(env.sql);
  });
  const spacecraft = async (channels: Record<string, ChannelDefinition>) => {
    const id = `sc-${randomUUID().slice(0, 8)}`;
    await seedSpacecraft(stores.catalog, id, channels);
    return id;
  };
  return { env, stores, spacecraft };
}

/** Every record of a topic, partition after partition, each in offset order. */
export async function topicRecords<T>(events: EventLog, topic: string): Promise<EventRecord<T>[]> {
  const records: EventRecord<T>[] = [];
  for (let p = 0; p < (await events.partitions(topic)); p++) records.push(...(await events.read<T>(topic, p, 0, 10_000)));
  return records;
}

/** Takes `count` messages off a queue (acking them); rejects if they do not all come within `timeoutMs`. */
export async function takeMessages<T>(queue: TaskQueue, name: string, count: number, timeoutMs = 10_000): Promise<QueueMessage<T>[]> {
  const taken: QueueMessage<T>[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const consumer = await queue.consume<T>(name, async ({ ack: _ack, nack: _nack, ...message }) => {
    taken.push(message);
    if (taken.length === count) done();
  }, { prefetch: count });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([all, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${taken.length} of ${count} messages on ${name}`)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  return taken;
}

/** A spacecraft as the mission catalogue hands it out, for the pure functions that take one. */
export function spacecraftView(id: string, channels: Record<string, ChannelDefinition & { revision?: number }>, options: { autoRegisterChannels?: boolean } = {}): SpacecraftView {
  const at = '2024-01-01T00:00:00.000Z';
  return {
    spacecraft: { id, missionId: `mission-of-${id}`, name: id, createdAt: at },
    autoRegisterChannels: options.autoRegisterChannels ?? false,
    channels: new Map(Object.entries(channels).map(([name, d]): [string, RevisedChannel] => [name, { spacecraft: id, name, ...d, createdAt: at, updatedAt: at, revision: d.revision ?? 1 }])),
  };
}

/** A mission with one spacecraft and the given channels. */
export async function seedSpacecraft(
  catalog: MissionCatalog,
  spacecraft: string,
  channels: Record<string, ChannelDefinition>,
  options: { autoRegisterChannels?: boolean } = {},
): Promise<void> {
  const mission = `mission-of-${spacecraft}`;
  await catalog.createMission({ id: mission, name: mission, autoRegisterChannels: options.autoRegisterChannels ?? false });
  const created = await catalog.createSpacecraft({ id: spacecraft, missionId: mission, name: spacecraft });
  if (typeof created === 'string') throw new Error(`spacecraft ${spacecraft}: ${created}`);
  for (const [name, definition] of Object.entries(channels)) await catalog.putChannel(spacecraft, name, definition);
}

/** What an event log that cannot be reached answers: the ports' outage error. */
export function eventLogUnavailable(): Error {
  return new EngineUnavailableError('event log', 'event log unavailable');
}

/**
 * The real event log, except that during whileAway() every publish rejects with the
 * error of an unreachable broker and writes nothing. `publishes` counts every attempt.
 */
export class EventLogWithOutage implements EventLog {
  readonly log: EventLog;
  #away = false;
  publishes = 0;

  constructor(log: EventLog) {
    this.log = log;
  }

  /** Runs `work` with the event log away, and brings it back however `work` ends. */
  async whileAway<T>(work: () => Promise<T>): Promise<T> {
    this.#away = true;
    try {
      return await work();
    } finally {
      this.#away = false;
    }
  }

  async publish<T>(topic: string, events: OutgoingEvent<T>[]): Promise<void> {
    this.publishes++;
    if (this.#away) throw eventLogUnavailable();
    await this.log.publish(topic, events);
  }

  createTopic(name: string, options: TopicOptions): Promise<void> {
    return this.log.createTopic(name, options);
  }

  subscribe<T>(options: SubscribeOptions, handler: BatchHandler<T>): Promise<Subscription> {
    return this.log.subscribe(options, handler);
  }

  read<T>(topic: string, partition: number, fromOffset: number, limit: number): Promise<EventRecord<T>[]> {
    return this.log.read<T>(topic, partition, fromOffset, limit);
  }

  offsetForTime(topic: string, partition: number, time: number): Promise<number> {
    return this.log.offsetForTime(topic, partition, time);
  }

  partitions(topic: string): Promise<number> {
    return this.log.partitions(topic);
  }

  lag(group: string, topic: string): Promise<PartitionLag[]> {
    return this.log.lag(group, topic);
  }

  isReady(): boolean {
    return this.log.isReady();
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
