/**
 * In-process, durable event log.
 *
 * A topic is a directory with one record log per partition; an event's offset is its
 * sequence number in that log. Committed group offsets live in a small durable map.
 * Subscribers are woken by appends (no polling) and read the log's in-memory tail while
 * they keep up; lagging or replaying readers go to disk.
 *
 * Group members in this process split each topic's partitions round-robin in join order;
 * a join or a leave rebalances, and a partition changes hands only after its current
 * owner's in-flight batch has finished and been committed, so no record is handed to two
 * members of a group.
 *
 * Retention deletes whole sealed segments beyond an age or a per-topic size bound.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelays } from '../shared/backoff.ts';
import { partitionForKey } from '../shared/partitioner.ts';
import { RecordLog } from '../storage/record-log.ts';
import type { DamageListener } from '../storage/damage.ts';
import type { LogRecord } from '../storage/record-log.ts';
import { DurableMap } from '../storage/durable-map.ts';
import { dirToName, listDirs, mkdirDurable, nameToDir, readJsonIfExists, writeJsonAtomic } from '../storage/files.ts';
import { lockDir } from '../storage/lock.ts';
import type { DirLock } from '../storage/lock.ts';
import type {
  BatchHandler,
  EventLog,
  EventRecord,
  OutgoingEvent,
  PartitionLag,
  StartFrom,
  SubscribeOptions,
  Subscription,
  TopicOptions,
} from './port.ts';
import { checkSubscribeOptions } from './subscribe-options.ts';

export interface EmbeddedEventLogOptions {
  /** Partitions of a topic created implicitly by publish or subscribe. Default 8. */
  defaultPartitions?: number;
  /** Per topic, across partitions: oldest segments beyond this size are deleted. Default 1 GiB. */
  retentionBytes?: number;
  /** Segments whose newest record is older than this are deleted. Default 7 days. */
  retentionMs?: number;
  /** Segment size of each partition log. Default 32 MiB. */
  segmentBytes?: number;
  /** Recent bytes per partition kept in memory for subscribers. Default 4 MiB. */
  cacheBytes?: number;
  /** Pause before a failed batch is retried; doubles per failure up to maxRetryBackoffMs. Default 100 ms. */
  retryBackoffMs?: number;
  /** Default 5 s. */
  maxRetryBackoffMs?: number;
  /** Upper bound on the payload bytes handed to one handler call (at least one record). Default 8 MiB. */
  maxBatchBytes?: number;
  /** How long close() waits for running handlers. Default 10 s. */
  closeGraceMs?: number;
  /** Period of the retention check. Default 60 s. */
  retentionIntervalMs?: number;
  /** Told of every damaged record found in a partition or offsets log (which skips it and goes on). */
  onDamage?: DamageListener;
}

const DEFAULTS = {
  defaultPartitions: 8,
  retentionBytes: 1024 * 1024 * 1024,
  retentionMs: 7 * 24 * 3600 * 1000,
  segmentBytes: 32 * 1024 * 1024,
  cacheBytes: 4 * 1024 * 1024,
  retryBackoffMs: 100,
  maxRetryBackoffMs: 5000,
  maxBatchBytes: 8 * 1024 * 1024,
  closeGraceMs: 10_000,
  retentionIntervalMs: 60_000,
};
type Settings = typeof DEFAULTS & { onDamage?: DamageListener };

const READ_MAX_BYTES = 64 * 1024 * 1024;

interface StoredEvent {
  k: string;
  h: Record<string, string>;
  v: unknown;
}

/** How many decoded records a log keeps for the other groups that will read them. */
const DECODED_RECORDS = 256;

/**
 * Decodes records once for every group of the process: the groups of a topic (analyzer,
 * enricher, dashboard) read the same records at about the same time, and parsing each
 * one again took a tenth of the all-in-one process's time. Groups share the decoded value,
 * as the port says: a handler reads a record's value and does not change it.
 */
class DecodedRecords {
  readonly #recent = new Map<string, { stored: StoredEvent; stamp: number; bytes: number }>();

  decode<T>(topic: string, partition: number, record: LogRecord): EventRecord<T> {
    const key = `${topic}\u0000${partition}\u0000${record.seq}`;
    const hit = this.#recent.get(key);
    // The stamp and size guard against a log that was recreated under the same name.
    let stored = hit && hit.stamp === record.stamp && hit.bytes === record.payload.length ? hit.stored : undefined;
    if (!stored) {
      stored = JSON.parse(record.payload.toString('utf8')) as StoredEvent;
      this.#recent.set(key, { stored, stamp: record.stamp, bytes: record.payload.length });
      if (this.#recent.size > DECODED_RECORDS) this.#recent.delete(this.#recent.keys().next().value!);
    }
    return { topic, partition, offset: record.seq, key: stored.k, value: stored.v as T, headers: stored.h ?? {}, timestamp: record.stamp };
  }
}

class Topic {
  readonly name: string;
  readonly logs: RecordLog[];

  constructor(name: string, logs: RecordLog[]) {
    this.name = name;
    this.logs = logs;
  }

  static async open(name: string, dir: string, partitions: number, settings: Settings): Promise<Topic> {
    const logs: RecordLog[] = [];
    try {
      for (let p = 0; p < partitions; p += 1) {
        logs.push(
          await RecordLog.open(path.join(dir, String(p)), {
            segmentBytes: settings.segmentBytes,
            cacheBytes: settings.cacheBytes,
            rollAfterMs: settings.retentionMs / 4,
            onDamage: settings.onDamage,
          }),
        );
      }
    } catch (error) {
      await Promise.allSettled(logs.map((log) => log.close()));
      throw error;
    }
    return new Topic(name, logs);
  }
}

interface Member {
  id: number;
  topics: string[];
  from: StartFrom;
  maxBatch: number;
  handler: BatchHandler<unknown>;
}

class Group {
  readonly name: string;
  members: Member[] = [];
  readonly workers = new Map<string, PartitionWorker>();
  chain: Promise<void> = Promise.resolve();

  constructor(name: string) {
    this.name = name;
  }
}

function offsetKey(group: string, topic: string, partition: number): string {
  return JSON.stringify([group, topic, partition]);
}

/** Consumes one partition for one group member: read, hand over, commit, repeat. */
class PartitionWorker {
  readonly member: Member;
  private readonly engine: EmbeddedEventLog;
  private readonly topic: string;
  private readonly partition: number;
  private readonly log: RecordLog;
  private readonly key: string;
  private stopping = false;
  private wake = new AbortController();
  private done: Promise<void> = Promise.resolve();

  constructor(engine: EmbeddedEventLog, group: string, member: Member, topic: string, partition: number, log: RecordLog) {
    this.engine = engine;
    this.member = member;
    this.topic = topic;
    this.partition = partition;
    this.log = log;
    this.key = offsetKey(group, topic, partition);
  }

  start(): void {
    this.done = this.loop();
  }

  /** Lets a running batch finish (and commit), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    await this.done;
  }

  private async loop(): Promise<void> {
    const settings = this.engine.settings;
    const delay = backoffDelays({ initialMs: settings.retryBackoffMs, maxMs: settings.maxRetryBackoffMs });
    const pause = () => sleep(delay(), undefined, { signal: this.wake.signal }).catch(() => undefined);
    while (!this.stopping) {
      if (this.wake.signal.aborted) this.wake = new AbortController();
      try {
        const position = Math.max(this.engine.committedOffset(this.key) ?? this.log.start, this.log.start);
        if (position >= this.log.end) {
          await this.log.waitFor(position, this.wake.signal);
          continue;
        }
        const end = this.log.end;
        const raw = await this.log.read(position, this.member.maxBatch, settings.maxBatchBytes);
        if (this.stopping) continue;
        if (raw.length === 0) {
          // Only damaged records up to the end: wait for the next one rather than spin.
          await this.log.waitFor(end, this.wake.signal);
          continue;
        }
        const records = raw.map((record) => this.engine.decoded.decode(this.topic, this.partition, record));
        try {
          await this.member.handler(records);
        } catch {
          if (this.stopping) break;
          await pause();
          continue;
        }
        delay.reset();
        await this.engine.commit(this.key, raw[raw.length - 1].seq + 1);
      } catch {
        // Reading or committing failed (disk trouble, or the store is closing): pause and retry.
        if (this.stopping) break;
        await pause();
      }
    }
  }
}

export class EmbeddedEventLog implements EventLog {
  readonly settings: Settings;
  private readonly dir: string;
  private readonly offsets: DurableMap<number>;
  private readonly topics = new Map<string, Topic>();
  readonly decoded = new DecodedRecords();
  private readonly creating = new Map<string, Promise<Topic>>();
  private readonly groups = new Map<string, Group>();
  private readonly retention: NodeJS.Timeout;
  private readonly lock: DirLock;
  private nextMemberId = 1;
  /** Set when close() starts: no new work is accepted, running batches may still commit. */
  private closing = false;
  /** Set once files are being released. */
  private closed = false;

  private constructor(dir: string, settings: Settings, offsets: DurableMap<number>, lock: DirLock) {
    this.dir = dir;
    this.settings = settings;
    this.offsets = offsets;
    this.lock = lock;
    this.retention = setInterval(() => void this.applyRetention().catch(() => undefined), settings.retentionIntervalMs);
    this.retention.unref();
  }

  static async open(dir: string, options: EmbeddedEventLogOptions = {}): Promise<EmbeddedEventLog> {
    const settings: Settings = { ...DEFAULTS, onDamage: options.onDamage };
    for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      if (options[key] !== undefined) settings[key] = options[key];
    }
    if (!(Number.isInteger(settings.defaultPartitions) && settings.defaultPartitions >= 1)) {
      throw new RangeError(`defaultPartitions must be an integer >= 1, got ${settings.defaultPartitions}`);
    }
    const topicsDir = path.join(dir, 'topics');
    await mkdirDurable(topicsDir);
    const lock = await lockDir(dir, 'events.lock');
    let offsets: DurableMap<number>;
    try {
      offsets = await DurableMap.open<number>(path.join(dir, 'offsets'), { onDamage: options.onDamage });
    } catch (error) {
      await lock.release();
      throw error;
    }
    const log = new EmbeddedEventLog(dir, settings, offsets, lock);
    try {
      for (const sub of await listDirs(topicsDir)) {
        const meta = await readJsonIfExists<TopicOptions>(path.join(topicsDir, sub, 'topic.json'));
        if (!meta) continue;
        const name = dirToName(sub);
        log.topics.set(name, await Topic.open(name, path.join(topicsDir, sub), meta.partitions, settings));
      }
    } catch (error) {
      await log.close();
      throw error;
    }
    return log;
  }

  /* --------------------------------------------------------------- topics */

  async createTopic(name: string, options: TopicOptions): Promise<void> {
    this.assertOpen();
    await this.topic(name, options.partitions);
  }

  private async topic(name: string, partitions: number = this.settings.defaultPartitions): Promise<Topic> {
    const existing = this.topics.get(name);
    if (existing) return existing;
    if (!name) throw new RangeError('topic name must not be empty');
    if (!(Number.isInteger(partitions) && partitions >= 1)) {
      throw new RangeError(`partitions must be an integer >= 1, got ${partitions}`);
    }
    let creating = this.creating.get(name);
    if (!creating) {
      creating = (async () => {
        const dir = path.join(this.dir, 'topics', nameToDir(name));
        await mkdirDurable(dir);
        await writeJsonAtomic(path.join(dir, 'topic.json'), { partitions } satisfies TopicOptions);
        const topic = await Topic.open(name, dir, partitions, this.settings);
        this.topics.set(name, topic);
        return topic;
      })().finally(() => this.creating.delete(name));
      this.creating.set(name, creating);
    }
    return creating;
  }

  private knownTopic(name: string): Topic {
    const topic = this.topics.get(name);
    if (!topic) throw new Error(`unknown topic "${name}"`);
    return topic;
  }

  private partitionLog(topic: string, partition: number): RecordLog {
    const logs = this.knownTopic(topic).logs;
    if (!(Number.isInteger(partition) && partition >= 0 && partition < logs.length)) {
      throw new RangeError(`topic "${topic}" has no partition ${partition} (it has ${logs.length})`);
    }
    return logs[partition];
  }

  async partitions(topic: string): Promise<number> {
    this.assertOpen();
    return this.knownTopic(topic).logs.length;
  }

  /* ------------------------------------------------------------ producing */

  async publish<T>(topicName: string, events: OutgoingEvent<T>[]): Promise<void> {
    this.assertOpen();
    if (events.length === 0) return;
    const topic = await this.topic(topicName);
    const now = Date.now();
    const n = topic.logs.length;
    const appends: Promise<number>[] = [];
    for (const event of events) {
      if (typeof event.key !== 'string') throw new TypeError('event key must be a string');
      const stored: StoredEvent = { k: event.key, h: event.headers ?? {}, v: event.value };
      appends.push(topic.logs[partitionForKey(event.key, n)].append([JSON.stringify(stored)], event.timestamp ?? now));
    }
    await Promise.all(appends);
  }

  /* ------------------------------------------------------------ consuming */

  async subscribe<T>(options: SubscribeOptions, handler: BatchHandler<T>): Promise<Subscription> {
    this.assertOpen();
    const { maxBatch } = checkSubscribeOptions(options);
    for (const topic of options.topics) await this.topic(topic);
    let group = this.groups.get(options.group);
    if (!group) {
      group = new Group(options.group);
      this.groups.set(options.group, group);
    }
    const member: Member = {
      id: this.nextMemberId++,
      topics: [...new Set(options.topics)],
      from: options.from ?? 'earliest',
      maxBatch,
      handler: handler as BatchHandler<unknown>,
    };
    group.members.push(member);
    await this.rebalance(group);
    const joined = group;
    let left = false;
    return {
      close: async () => {
        if (left || this.closing) return;
        left = true;
        joined.members = joined.members.filter((m) => m !== member);
        await this.rebalance(joined);
      },
    };
  }

  private rebalance(group: Group): Promise<void> {
    const run = group.chain.then(() => this.assign(group));
    group.chain = run.catch(() => undefined);
    return run;
  }

  private async assign(group: Group): Promise<void> {
    if (this.closing) return;
    const wanted = new Map<string, { member: Member; topic: string; partition: number }>();
    const topics = new Set(group.members.flatMap((m) => m.topics));
    for (const topic of topics) {
      const subscribers = group.members.filter((m) => m.topics.includes(topic));
      const partitions = this.knownTopic(topic).logs.length;
      for (let p = 0; p < partitions; p += 1) {
        wanted.set(offsetKey(group.name, topic, p), { member: subscribers[p % subscribers.length], topic, partition: p });
      }
    }
    const moving = [...group.workers].filter(([key, worker]) => wanted.get(key)?.member !== worker.member);
    await Promise.all(
      moving.map(async ([key, worker]) => {
        await worker.stop();
        group.workers.delete(key);
      }),
    );
    for (const [key, { member, topic, partition }] of wanted) {
      if (group.workers.has(key) || this.closing) continue;
      const log = this.partitionLog(topic, partition);
      // Pin where a new group starts now, so events published after subscribe() resolves are seen.
      if (this.offsets.get(key) === undefined && member.from === 'latest') await this.offsets.set(key, log.end);
      const worker = new PartitionWorker(this, group.name, member, topic, partition, log);
      group.workers.set(key, worker);
      worker.start();
    }
  }

  committedOffset(key: string): number | undefined {
    return this.offsets.get(key);
  }

  async commit(key: string, offset: number): Promise<void> {
    if (this.closed) return;
    await this.offsets.set(key, offset);
  }

  /* --------------------------------------------------------------- replay */

  async read<T>(topic: string, partition: number, fromOffset: number, limit: number): Promise<EventRecord<T>[]> {
    this.assertOpen();
    const log = this.partitionLog(topic, partition);
    if (limit <= 0) return [];
    const records = await log.read(Math.max(0, fromOffset), limit, READ_MAX_BYTES);
    return records.map((record) => this.decoded.decode<T>(topic, partition, record));
  }

  async offsetForTime(topic: string, partition: number, time: number): Promise<number> {
    this.assertOpen();
    return this.partitionLog(topic, partition).seqForStamp(time);
  }

  async lag(group: string, topic: string): Promise<PartitionLag[]> {
    this.assertOpen();
    const known = this.topics.get(topic);
    if (!known) return [];
    return known.logs.map((log, partition) => {
      const committed = this.offsets.get(offsetKey(group, topic, partition)) ?? log.start;
      const end = log.end;
      return { topic, partition, committed, end, lag: Math.max(0, end - Math.max(committed, log.start)) };
    });
  }

  /* ------------------------------------------------------------ retention */

  /** Deletes sealed segments beyond the age and per-topic size bounds; also runs periodically. */
  async applyRetention(now: number = Date.now()): Promise<void> {
    if (this.closing) return;
    const cutoff = now - this.settings.retentionMs;
    for (const topic of this.topics.values()) {
      for (const log of topic.logs) {
        const expired = log.segments().filter((s) => !s.active && s.modifiedAt < cutoff);
        if (expired.length > 0) await log.deleteBefore(expired[expired.length - 1].end);
      }
      let total = topic.logs.reduce((sum, log) => sum + log.size, 0);
      while (total > this.settings.retentionBytes) {
        let oldest: { log: RecordLog; end: number; bytes: number; modifiedAt: number } | null = null;
        for (const log of topic.logs) {
          const first = log.segments()[0];
          if (!first.active && (!oldest || first.modifiedAt < oldest.modifiedAt)) oldest = { log, ...first };
        }
        if (!oldest) break;
        await oldest.log.deleteBefore(oldest.end);
        total -= oldest.bytes;
      }
    }
  }

  /* ------------------------------------------------------------ lifecycle */

  isReady(): boolean {
    if (this.closing || this.offsets.error) return false;
    for (const topic of this.topics.values()) for (const log of topic.logs) if (log.error) return false;
    return true;
  }

  /**
   * Stops every subscription, waiting up to closeGraceMs for running handlers (their
   * batches are committed if they finish in time), then flushes and releases the files.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.retention);
    const stops: Promise<void>[] = [];
    for (const group of this.groups.values()) for (const worker of group.workers.values()) stops.push(worker.stop());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(stops),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.settings.closeGraceMs);
      }),
    ]);
    clearTimeout(timer);
    this.closed = true;
    await Promise.allSettled([...this.creating.values()]);
    for (const topic of this.topics.values()) for (const log of topic.logs) await log.close();
    await this.offsets.close();
    await this.lock.release();
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('event log is closed');
  }
}
