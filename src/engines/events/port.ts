/**
 * Event log port: an append-only, partitioned, replayable log in the manner of Kafka.
 * Records with the same key land on the same partition and keep their order.
 */

import { service } from '../../core/service.ts';

/** The partition of `partitions` that events with this key land on: the same in every implementation (Kafka's default). */
export { partitionForKey } from '../shared/partitioner.ts';

export interface TopicOptions {
  partitions: number;
}

export interface OutgoingEvent<T = unknown> {
  key: string;
  value: T;
  headers?: Record<string, string>;
  /** Epoch milliseconds; defaults to now. */
  timestamp?: number;
}

export interface EventRecord<T = unknown> {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: T;
  headers: Record<string, string>;
  timestamp: number;
}

export type StartFrom = 'earliest' | 'latest';

export interface SubscribeOptions {
  /** Consumer group: members share partitions; each group has its own committed offsets. */
  group: string;
  topics: string[];
  /** Where a group with no committed offset starts. Default 'earliest'. */
  from?: StartFrom;
  /** Records handed to one handler call at most. Default 500. */
  maxBatch?: number;
}

/**
 * Called with records of one partition in offset order. The offset after the batch
 * is committed only once the handler resolves; if it throws, the same batch is retried.
 * A record's value may be shared with the other groups of the process: read it, never change it.
 */
export type BatchHandler<T> = (records: EventRecord<T>[]) => Promise<void>;

export interface Subscription {
  close(): Promise<void>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: number;
  end: number;
  lag: number;
}

export interface EventLog {
  createTopic(name: string, options: TopicOptions): Promise<void>;
  /**
   * Resolves once every event is durable. Partition = hash(key) mod partitions. On rejection
   * some events may already be written (not atomic across partitions): a retry can write them twice.
   */
  publish<T>(topic: string, events: OutgoingEvent<T>[]): Promise<void>;
  subscribe<T>(options: SubscribeOptions, handler: BatchHandler<T>): Promise<Subscription>;
  /** Replay (orbit replay): read a partition from an offset without joining any group. */
  read<T>(topic: string, partition: number, fromOffset: number, limit: number): Promise<EventRecord<T>[]>;
  /** The first offset whose timestamp is >= time (the end offset if none). */
  offsetForTime(topic: string, partition: number, time: number): Promise<number>;
  partitions(topic: string): Promise<number>;
  lag(group: string, topic: string): Promise<PartitionLag[]>;
  isReady(): boolean;
  close(): Promise<void>;
}

/** The name modules depend on. */
export const EVENTS = service<EventLog>('events');
