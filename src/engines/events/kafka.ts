/**
 * The event log on Apache Kafka, through @platformatic/kafka.
 *
 * Publishing uses one idempotent producer with acks=all and Java's murmur2 partitioner, so
 * a key lands on the same partition as in the embedded log, fed one request at a time
 * (kafka-producer.ts). A subscription is one member of a Kafka consumer group
 * (kafka-member.ts); replay, offsets and lag are plain requests that join no group.
 *
 * When the broker goes away, isReady() turns false and a probe reconnects with backoff
 * (capped at 5 s). A publish already in flight keeps retrying with its original sequence
 * numbers, so the broker drops a copy it had already written, for up to publishRetryMs;
 * operations issued while the broker is away wait up to reconnectWaitMs for it and then
 * reject with an error that names Kafka. Subscriptions resume by themselves.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ReachabilityProbe } from '../shared/probe.ts';
import { backoffDelays } from '../shared/backoff.ts';
import { EngineUnavailableError } from '../shared/unavailable.ts';
import { describeError, encodeEvent, hasProtocolError, isConnectionError, isTransient, safeBrokers } from './kafka-codec.ts';
import { KafkaCluster, UnknownTopicError } from './kafka-cluster.ts';
import { GroupMember, type MemberSettings } from './kafka-member.ts';
import { SerialProducer } from './kafka-producer.ts';
import type { BatchHandler, EventLog, EventRecord, OutgoingEvent, PartitionLag, SubscribeOptions, Subscription, TopicOptions } from './port.ts';
import { checkSubscribeOptions } from './subscribe-options.ts';

export interface KafkaEventLogOptions {
  /** Prefix of the client ids the broker sees. Default 'orbit'. */
  clientId?: string;
  /** Partitions of a topic created implicitly by publish or subscribe. Default 8. */
  defaultPartitions?: number;
  /** Consumer group session: a member that stops heartbeating loses its partitions after this. Default 20 s. */
  sessionTimeoutMs?: number;
  /** Default 1 s: a rebalance is noticed within about this long. */
  heartbeatIntervalMs?: number;
  /** How long the group waits for members to finish their batches and rejoin; at least the session. Default 25 s. */
  rebalanceTimeoutMs?: number;
  /** Pause before a failed batch is retried; doubles per failure up to maxRetryBackoffMs. Default 100 ms. */
  retryBackoffMs?: number;
  /** Default 5 s; also the cap of reconnection backoff. */
  maxRetryBackoffMs?: number;
  /** How long close() waits for running handlers. Default 10 s. */
  closeGraceMs?: number;
  /** How long an operation issued while the broker is unreachable waits for it. Default 5 s. */
  reconnectWaitMs?: number;
  /** How long a publish that was in flight when the broker went away keeps retrying. Default 30 s. */
  publishRetryMs?: number;
  /** How long subscribe() may take to join the group. Default 30 s. */
  subscribeTimeoutMs?: number;
  /** Reports handler failures (the batch is retried) and background trouble, e.g. to a logger. */
  onError?: (error: Error) => void;
}

const DEFAULTS = {
  clientId: 'orbit',
  defaultPartitions: 8,
  sessionTimeoutMs: 20_000,
  heartbeatIntervalMs: 1000,
  rebalanceTimeoutMs: 25_000,
  retryBackoffMs: 100,
  maxRetryBackoffMs: 5000,
  closeGraceMs: 10_000,
  reconnectWaitMs: 5000,
  publishRetryMs: 30_000,
  subscribeTimeoutMs: 30_000,
  onError: (() => undefined) as (error: Error) => void,
};
type Settings = typeof DEFAULTS;

const REQUEST_TIMEOUT_MS = 15_000;
const FETCH_WAIT_MS = 500;
const PROBE_INTERVAL_MS = 2000;

/** The broker could not be reached in time; the operation may succeed later. */
export class KafkaUnavailableError extends EngineUnavailableError {
  constructor(message: string, cause?: unknown) {
    super('Kafka', message, { cause });
  }
}

export class KafkaEventLog implements EventLog {
  readonly settings: Settings;
  private readonly brokers: string[];
  private readonly cluster: KafkaCluster;
  private readonly producer: SerialProducer;
  private readonly members = new Set<GroupMember>();
  private readonly topics = new Set<string>();
  /** Asks the broker for metadata: every 2 s while it is quiet, with backoff (capped) while it is away. */
  private readonly probe: ReachabilityProbe;
  private closing = false;

  private constructor(brokers: string[], settings: Settings) {
    this.brokers = brokers;
    this.settings = settings;
    this.cluster = new KafkaCluster({ brokers, clientId: settings.clientId, requestTimeoutMs: REQUEST_TIMEOUT_MS });
    this.producer = new SerialProducer({ brokers, clientId: `${settings.clientId}-producer`, retryMs: settings.publishRetryMs, requestTimeoutMs: REQUEST_TIMEOUT_MS });
    this.probe = new ReachabilityProbe({
      check: () => this.check(),
      intervalMs: PROBE_INTERVAL_MS,
      backoff: { initialMs: 250, maxMs: settings.maxRetryBackoffMs },
      onLost: (error) => this.settings.onError(new KafkaUnavailableError(`kafka (${safeBrokers(this.brokers)}) is unreachable, reconnecting: ${describeError(error)}`, error)),
    });
  }

  /**
   * Connects to `brokers` ("host:port,host:port", the value of ORBIT_EVENTS_BROKERS).
   * Rejects when no broker answers; the caller retries with backoff at start-up.
   */
  static async open(brokers: string, options: KafkaEventLogOptions = {}): Promise<KafkaEventLog> {
    const settings: Settings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
      if (options[key] !== undefined) (settings as Record<string, unknown>)[key] = options[key];
    }
    if (!(Number.isInteger(settings.defaultPartitions) && settings.defaultPartitions >= 1)) {
      throw new RangeError(`defaultPartitions must be an integer >= 1, got ${settings.defaultPartitions}`);
    }
    const list = brokers.split(',').map((b) => b.trim()).filter(Boolean);
    if (list.length === 0) throw new RangeError('no Kafka broker given');
    const log = new KafkaEventLog(list, settings);
    try {
      await log.cluster.admin.metadata({ topics: [] });
    } catch (error) {
      await log.probe.close();
      await log.release();
      throw new KafkaUnavailableError(`kafka (${safeBrokers(list)}) is unreachable: ${describeError(error)}`, error);
    }
    return log;
  }

  /* --------------------------------------------------------------- topics */

  async createTopic(name: string, options: TopicOptions): Promise<void> {
    this.assertOpen();
    if (!name) throw new RangeError('topic name must not be empty');
    if (!(Number.isInteger(options.partitions) && options.partitions >= 1)) {
      throw new RangeError(`partitions must be an integer >= 1, got ${options.partitions}`);
    }
    await this.call(`create topic "${name}"`, () => this.cluster.createTopic(name, options.partitions));
    this.topics.add(name);
  }

  async partitions(topic: string): Promise<number> {
    this.assertOpen();
    return (await this.call(`partitions of "${topic}"`, () => this.cluster.knownTopic(topic))).partitionsCount;
  }

  /** Creates a topic that publish or subscribe names before it exists, as the embedded log does. */
  private async ensureTopic(name: string): Promise<void> {
    if (this.topics.has(name)) return;
    if (!name) throw new RangeError('topic name must not be empty');
    await this.call(`create topic "${name}"`, async () => {
      if (!(await this.cluster.topic(name))) await this.cluster.createTopic(name, this.settings.defaultPartitions);
    });
    this.topics.add(name);
  }

  /* ------------------------------------------------------------ producing */

  async publish<T>(topic: string, events: OutgoingEvent<T>[]): Promise<void> {
    this.assertOpen();
    if (events.length === 0) return;
    const now = Date.now();
    const messages = events.map((event) => encodeEvent(topic, event, now));
    await this.ensureTopic(topic);
    // Not retried here: a new send would get new sequence numbers and could write the events twice.
    await this.awaitConnection(`publish to "${topic}"`);
    try {
      await this.producer.send(messages);
    } catch (error) {
      throw this.failure(`publish to "${topic}"`, error);
    }
  }

  /* ------------------------------------------------------------ consuming */

  async subscribe<T>(options: SubscribeOptions, handler: BatchHandler<T>): Promise<Subscription> {
    this.assertOpen();
    const { maxBatch } = checkSubscribeOptions(options);
    const topics = [...new Set(options.topics)];
    for (const topic of topics) await this.ensureTopic(topic);
    await this.awaitConnection(`subscribe group "${options.group}"`);
    // A broker just back (or its group coordinator still loading) refuses joins for a while:
    // that is an outage to wait out, as the connection's is, not a reason for a target to exit.
    const delay = backoffDelays();
    let member: GroupMember;
    for (;;) {
      member = new GroupMember(this.cluster, this.memberSettings(), { group: options.group, topics, from: options.from ?? 'earliest', maxBatch }, handler as BatchHandler<unknown>);
      // Known before it has joined, so that close() meanwhile closes it too.
      this.members.add(member);
      try {
        await member.start(this.settings.subscribeTimeoutMs);
        break;
      } catch (error) {
        this.members.delete(member);
        const failure = this.failure(`subscribe group "${options.group}"`, error);
        if (!(failure instanceof KafkaUnavailableError) || this.closing) throw failure;
        const wait = delay();
        this.settings.onError(new KafkaUnavailableError(`${failure.message}; joining again in ${wait} ms`, error));
        await sleep(wait);
        this.assertOpen();
      }
    }
    const joined = member;
    return {
      close: async () => {
        this.members.delete(joined);
        await joined.close();
      },
    };
  }

  private memberSettings(): MemberSettings {
    const s = this.settings;
    return {
      brokers: this.brokers,
      clientId: `${s.clientId}-consumer`,
      sessionTimeoutMs: s.sessionTimeoutMs,
      heartbeatIntervalMs: s.heartbeatIntervalMs,
      rebalanceTimeoutMs: Math.max(s.rebalanceTimeoutMs, s.sessionTimeoutMs),
      // A JoinGroup waits on the broker for the other members, up to the rebalance timeout.
      requestTimeoutMs: Math.max(REQUEST_TIMEOUT_MS, s.rebalanceTimeoutMs, s.sessionTimeoutMs) + 5000,
      retryBackoffMs: s.retryBackoffMs,
      maxRetryBackoffMs: s.maxRetryBackoffMs,
      closeGraceMs: s.closeGraceMs,
      fetchWaitMs: FETCH_WAIT_MS,
      onError: s.onError,
      onConnection: (up, error) => this.setConnected(up, error),
    };
  }

  /* --------------------------------------------------------------- replay */

  async read<T>(topic: string, partition: number, fromOffset: number, limit: number): Promise<EventRecord<T>[]> {
    this.assertOpen();
    return this.call(`read ${topic}/${partition}`, async () => {
      const meta = { ...(await this.cluster.knownTopic(topic)), name: topic };
      this.assertPartition(topic, partition, meta.partitionsCount);
      if (limit <= 0) return [];
      const from = BigInt(Math.max(0, Math.floor(fromOffset)));
      try {
        return await this.cluster.read<T>(meta, partition, from, limit);
      } catch (error) {
        if (!hasProtocolError(error, 'OFFSET_OUT_OF_RANGE')) throw error;
        // Before the oldest record kept (retention): read from there, as the embedded log does; past the end: nothing.
        const start = (await this.cluster.earliest(topic, [partition])).get(partition) ?? 0n;
        return from < start ? this.cluster.read<T>(meta, partition, start, limit) : [];
      }
    });
  }

  async offsetForTime(topic: string, partition: number, time: number): Promise<number> {
    this.assertOpen();
    return this.call(`offset for time in ${topic}/${partition}`, async () => {
      this.assertPartition(topic, partition, (await this.cluster.knownTopic(topic)).partitionsCount);
      const found = (await this.cluster.offsets(topic, [partition], BigInt(Math.max(0, Math.floor(time))))).get(partition) ?? -1n;
      if (found >= 0n) return Number(found);
      return Number((await this.cluster.latest(topic, [partition])).get(partition) ?? 0n);
    });
  }

  async lag(group: string, topic: string): Promise<PartitionLag[]> {
    this.assertOpen();
    return this.call(`lag of group "${group}" on "${topic}"`, async () => {
      const meta = await this.cluster.topic(topic);
      if (!meta) return [];
      const partitions = Array.from({ length: meta.partitionsCount }, (_, p) => p);
      const [committed, start, end] = await Promise.all([this.cluster.committed(group, topic, partitions), this.cluster.earliest(topic, partitions), this.cluster.latest(topic, partitions)]);
      return partitions.map((partition) => {
        const first = Number(start.get(partition) ?? 0n);
        const last = Number(end.get(partition) ?? 0n);
        const known = Number(committed.get(partition) ?? -1n);
        const position = known >= 0 ? Math.max(known, first) : first;
        return { topic, partition, committed: known >= 0 ? known : first, end: last, lag: Math.max(0, last - position) };
      });
    });
  }

  private assertPartition(topic: string, partition: number, count: number): void {
    if (!(Number.isInteger(partition) && partition >= 0 && partition < count)) {
      throw new RangeError(`topic "${topic}" has no partition ${partition} (it has ${count})`);
    }
  }

  /* ----------------------------------------------------------- connection */

  isReady(): boolean {
    return this.probe.isReady() && !this.closing;
  }

  /**
   * Runs a request that is safe to repeat; while the broker is unreachable it waits for
   * it (reconnectWaitMs) and tries again, then rejects naming Kafka.
   */
  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.settings.reconnectWaitMs;
    for (;;) {
      await this.awaitConnection(what, deadline);
      try {
        const result = await request();
        this.setConnected(true);
        return result;
      } catch (error) {
        if (error instanceof UnknownTopicError || error instanceof RangeError || !isTransient(error) || Date.now() >= deadline) throw this.failure(what, error);
        this.setConnected(false, error);
        await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
      }
    }
  }

  /** Resolves at once while connected; otherwise waits for the probe to reconnect, until `deadline`. */
  private async awaitConnection(what: string, deadline = Date.now() + this.settings.reconnectWaitMs): Promise<void> {
    this.assertOpen();
    if (await this.probe.waitUntilReachable(deadline)) return;
    this.assertOpen();
    throw new KafkaUnavailableError(`kafka (${safeBrokers(this.brokers)}) is unreachable: ${what} gave up after ${this.settings.reconnectWaitMs / 1000} s`);
  }

  private failure(what: string, error: unknown): Error {
    if (error instanceof UnknownTopicError || error instanceof RangeError || error instanceof KafkaUnavailableError) return error;
    if (isConnectionError(error)) this.setConnected(false, error);
    const reason = describeError(error);
    if (isTransient(error)) return new KafkaUnavailableError(`kafka (${safeBrokers(this.brokers)}) is unreachable: ${what} failed: ${reason}`, error);
    return new Error(`kafka: ${what} failed: ${reason}`, { cause: error });
  }

  /** Told by the requests of this log and its members whether the broker answered them. */
  private setConnected(up: boolean, error?: unknown): void {
    if (up) this.probe.answered();
    else if (error === undefined || isConnectionError(error) || isTransient(error)) this.probe.lost(error);
  }

  /** Fails only when the broker cannot be reached: an error it answers with is an answer. */
  private async check(): Promise<void> {
    try {
      await this.cluster.admin.metadata({ topics: [], forceUpdate: true });
    } catch (error) {
      if (isConnectionError(error) || isTransient(error)) throw error;
    }
  }

  /* ------------------------------------------------------------ lifecycle */

  /** Closes every subscription and lets publishes in flight finish (each waiting up to closeGraceMs), then the clients. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const probing = this.probe.close();
    await Promise.allSettled([...this.members].map((m) => m.close()));
    this.members.clear();
    await probing;
    await this.release();
  }

  private async release(): Promise<void> {
    await Promise.allSettled([this.producer.close(this.settings.closeGraceMs), this.cluster.close()]);
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('event log is closed');
  }
}
