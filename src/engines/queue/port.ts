/**
 * Task queue port: work items handed to competing consumers, settled one by one.
 * Semantics follow AMQP 0-9-1 so that the RabbitMQ adapter is a thin mapping.
 */

import { service } from '../../core/service.ts';

export interface QueueOptions {
  /** Deliveries before a message is dead-lettered (first delivery counts as 1). */
  maxAttempts: number;
  /** Delay before a nacked message is offered again; doubles per attempt. */
  retryDelayMs: number;
}

export interface PublishOptions {
  /** Message id; generated when absent. Lets publishers make retries idempotent. */
  id?: string;
  headers?: Record<string, string>;
}

export interface QueueMessage<T = unknown> {
  id: string;
  queue: string;
  body: T;
  headers: Record<string, string>;
  /** 1 on first delivery, incremented on every redelivery. */
  attempt: number;
  /** Epoch milliseconds when first published. */
  publishedAt: number;
}

export interface Delivery<T = unknown> extends QueueMessage<T> {
  /**
   * The message is done: it will not be delivered again, unless the connection is lost
   * before a broker receives the ack. Delivery is at least once: handlers must be idempotent.
   */
  ack(): Promise<void>;
  /**
   * The message failed. It is retried after a delay unless it has reached
   * maxAttempts, then it goes to the dead-letter queue carrying `reason`.
   */
  nack(reason: string): Promise<void>;
}

export interface ConsumeOptions {
  /** Unsettled deliveries this consumer holds at most at once. */
  prefetch: number;
}

export interface Consumer {
  /** Stops taking deliveries; waits for in-flight handlers. Unsettled messages are redelivered. */
  close(): Promise<void>;
}

export interface DeadLetter<T = unknown> extends QueueMessage<T> {
  reason: string;
  deadAt: number;
}

export interface QueueDepth {
  /** Waiting for a consumer (including those waiting out a retry delay). */
  ready: number;
  /** Delivered and not yet settled. */
  unacked: number;
  deadLettered: number;
}

/**
 * A handler settles its delivery explicitly, or implicitly: resolving acks,
 * throwing nacks with the error's message as reason.
 */
export type Handler<T> = (delivery: Delivery<T>) => Promise<void>;

export interface TaskQueue {
  /**
   * Declares a queue (idempotent). Publishing to an undeclared queue declares it with defaults.
   * Options apply to this process; a broker keeps those the queue was created with for processes that do not declare it.
   */
  assertQueue(name: string, options?: Partial<QueueOptions>): Promise<void>;
  /** Resolves once the message is durable: a crash after this never loses it. */
  publish<T>(queue: string, body: T, options?: PublishOptions): Promise<string>;
  consume<T>(queue: string, handler: Handler<T>, options: ConsumeOptions): Promise<Consumer>;
  deadLetters<T>(queue: string, limit?: number): Promise<DeadLetter<T>[]>;
  depth(queue: string): Promise<QueueDepth>;
  /** True while the engine is reachable. */
  isReady(): boolean;
  close(): Promise<void>;
}

/** The name modules depend on. */
export const QUEUE = service<TaskQueue>('queue');
