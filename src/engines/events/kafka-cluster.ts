/**
 * Requests to the Kafka cluster that belong to no consumer group member: topics, offsets,
 * committed group offsets, replay reads, and offset commits made on behalf of a member
 * with the generation under which it owns the partition.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, ConnectionPool, Consumer, kGetApi, ListOffsetTimestamps } from '@platformatic/kafka';
import type { API, Broker, ClusterTopicMetadata, Connection, offsetCommitV9 } from '@platformatic/kafka';
import { Serial } from '../../lib/serial.ts';

type OffsetCommitRequestTopic = offsetCommitV9.OffsetCommitRequestTopic;
type OffsetCommitResponse = offsetCommitV9.OffsetCommitResponse;
import { decodeBatches, hasProtocolError, isConnectionError, isUnknownTopic } from './kafka-codec.ts';
import type { EventRecord } from './port.ts';

const GROUP_COORDINATOR = 0;
const READ_MAX_BYTES = 8 * 1024 * 1024;
/** How long createTopic waits for every partition of a new topic to have a leader. */
const LEADERS_TIMEOUT_MS = 10_000;

export class UnknownTopicError extends Error {
  constructor(topic: string) {
    super(`unknown topic "${topic}"`);
    this.name = 'UnknownTopicError';
  }
}

export interface ClusterOptions {
  brokers: string[];
  clientId: string;
  /** Request timeout; a broker that accepts connections but does not answer fails after this. */
  requestTimeoutMs: number;
}

export class KafkaCluster {
  readonly admin: Admin;
  /** Fetches for read(): a consumer that never joins a group, on its own connections. */
  private readonly reader: Consumer;
  private readonly readerPool: ConnectionPool;
  /** Fetch sessions are per connection, so replay reads go one at a time. */
  private readonly reading = new Serial();
  private readonly coordinators = new Map<string, Broker>();

  constructor(options: ClusterOptions) {
    const common = {
      bootstrapBrokers: options.brokers,
      // Retries stay short here: the event log decides how long to wait for a broker that is away.
      retries: 1,
      retryDelay: 200,
      connectTimeout: 3000,
      requestTimeout: options.requestTimeoutMs,
    };
    this.admin = new Admin({ clientId: `${options.clientId}-admin`, ...common });
    this.reader = new Consumer({ clientId: `${options.clientId}-reader`, groupId: `${options.clientId}-reader`, ...common });
    this.readerPool = new ConnectionPool(`${options.clientId}-reader`, { connectTimeout: 3000, requestTimeout: options.requestTimeoutMs });
  }

  /** The topic's metadata, or undefined when the cluster does not know it. */
  async topic(name: string, fresh = false): Promise<ClusterTopicMetadata | undefined> {
    try {
      const metadata = await this.admin.metadata({ topics: [name], forceUpdate: fresh });
      return metadata.topics.get(name);
    } catch (error) {
      if (isUnknownTopic(error)) return undefined;
      throw error;
    }
  }

  async knownTopic(name: string): Promise<ClusterTopicMetadata> {
    const topic = await this.topic(name);
    if (!topic) throw new UnknownTopicError(name);
    return topic;
  }

  /** Creates the topic unless it exists (whatever its partition count), then waits until every partition has a leader. */
  async createTopic(name: string, partitions: number): Promise<void> {
    try {
      await this.admin.createTopics({ topics: [name], partitions, replicas: -1 });
    } catch (error) {
      if (!hasProtocolError(error, 'TOPIC_ALREADY_EXISTS')) throw error;
    }
    const deadline = Date.now() + LEADERS_TIMEOUT_MS;
    for (;;) {
      const topic = await this.topic(name, true);
      if (topic && topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0)) return;
      if (Date.now() > deadline) throw new Error(`topic "${name}" has no leader for every partition after ${LEADERS_TIMEOUT_MS / 1000} s`);
      await sleep(100);
    }
  }

  /**
   * ListOffsets for partitions of a topic: by timestamp, or ListOffsetTimestamps.EARLIEST /
   * LATEST. -1 where no record is at or after the timestamp.
   */
  async offsets(topic: string, partitions: readonly number[], timestamp: bigint): Promise<Map<number, bigint>> {
    const listed = await this.admin.listOffsets({
      topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
    });
    const out = new Map<number, bigint>();
    for (const t of listed) for (const p of t.partitions) out.set(p.partitionIndex, p.offset);
    return out;
  }

  earliest(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return this.offsets(topic, partitions, ListOffsetTimestamps.EARLIEST);
  }

  latest(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return this.offsets(topic, partitions, ListOffsetTimestamps.LATEST);
  }

  /** The group's committed offsets of the partitions; -1 where it has none. */
  async committed(group: string, topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    const groups = await this.admin.listConsumerGroupOffsets({ groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [...partitions] }] }] });
    const out = new Map<number, bigint>(partitions.map((p) => [p, -1n]));
    for (const g of groups) for (const t of g.topics) if (t.name === topic) for (const p of t.partitions) out.set(p.partitionIndex, p.committedOffset);
    return out;
  }

  /**
   * Commits as a member of the group's given generation. The broker refuses it once the
   * group has moved to a later generation, so a member that lost a partition in a
   * rebalance can never overwrite the progress of its new owner.
   */
  async commit(group: string, generation: number, memberId: string, offsets: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    const topics = new Map<string, OffsetCommitRequestTopic>();
    for (const { topic, partition, offset } of offsets) {
      const entry = topics.get(topic) ?? { name: topic, partitions: [] };
      entry.partitions.push({ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null });
      topics.set(topic, entry);
    }
    try {
      const coordinator = await this.coordinator(group);
      const connection = await this.admin.connections.get(coordinator);
      const api = await this.api<[string, number, string, string | null, OffsetCommitRequestTopic[]], OffsetCommitResponse>('OffsetCommit');
      await api.async(connection as Connection, group, generation, memberId, null, [...topics.values()]);
    } catch (error) {
      if (isConnectionError(error) || hasProtocolError(error, 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS')) {
        this.coordinators.delete(group);
      }
      throw error;
    }
  }

  /** Up to `limit` records of a partition from `from`, without joining any group. */
  read<T>(topic: ClusterTopicMetadata & { name: string }, partition: number, from: bigint, limit: number): Promise<EventRecord<T>[]> {
    return this.reading.run(() => this.fetchOnce<T>(topic, partition, from, limit));
  }

  private async fetchOnce<T>(topic: ClusterTopicMetadata & { name: string }, partition: number, from: bigint, limit: number): Promise<EventRecord<T>[]> {
    this.reader.topics.track(topic.name);
    const response = await this.reader.fetch({
      node: topic.partitions[partition].leader,
      topics: [{ topicId: topic.id, partitions: [{ partition, fetchOffset: from, partitionMaxBytes: READ_MAX_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes: READ_MAX_BYTES,
      connectionPool: this.readerPool,
    });
    const records: EventRecord<T>[] = [];
    for (const t of response.responses) {
      for (const p of t.partitions) if (p.partitionIndex === partition) decodeBatches<T>(topic.name, partition, p.records, from, records, limit);
    }
    return records;
  }

  private async coordinator(group: string): Promise<Broker> {
    const known = this.coordinators.get(group);
    if (known) return known;
    const [found] = await this.admin.findCoordinator({ keyType: GROUP_COORDINATOR, keys: [group] });
    if (!found || found.nodeId < 0) throw new Error(`no coordinator for group "${group}"`);
    const broker = { host: found.host, port: found.port };
    this.coordinators.set(group, broker);
    return broker;
  }

  private api<A extends unknown[], R>(name: string): Promise<API<A, R>> {
    return new Promise((resolve, reject) => {
      this.admin[kGetApi]<A, R>(name, (error, api) => (error || !api ? reject(error ?? new Error(`the broker offers no ${name} API`)) : resolve(api)));
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.close(), this.reader.close(), this.readerPool.close()]);
  }
}
