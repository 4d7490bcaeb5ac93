/**
 * A consumer of one RabbitMQ queue on a channel of its own, so that its prefetch bounds
 * only its own unsettled deliveries. A handler runs for each delivery as it arrives.
 * When the channel is lost (the broker restarted, the connection dropped) the broker puts
 * the unsettled messages back, counting a delivery; the consumer subscribes again by
 * itself as soon as the connection is back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ConsumeMessage } from 'amqplib';
import { waitAtMost } from '../../lib/wait-at-most.ts';
import { backoffDelays } from '../shared/backoff.ts';
import { errorText, RabbitUnavailableError, RECONNECT_BACKOFF, type RabbitConnection } from './rabbitmq-connection.ts';
import { decodeMessage, retryDelayMs, type Received } from './rabbitmq-codec.ts';
import type { Consumer, Delivery, Handler, QueueOptions } from './port.ts';
import { reasonOf } from './queue-options.ts';

/** What a consumer needs from the task queue that owns it. */
export interface ConsumerHost {
  connection: RabbitConnection;
  optionsOf(queue: string): QueueOptions;
  /** Declares the queue on the current connection if that was not done yet. */
  ensureQueue(queue: string): Promise<void>;
  /** Stores a copy that comes back after `delayMs`, recording `failedAttempt`; resolves once confirmed. */
  scheduleRetry(received: Received, failedAttempt: number, delayMs: number): Promise<void>;
  /** Stores the message in the dead-letter queue; resolves once confirmed. */
  deadLetter(received: Received, attempt: number, reason: string): Promise<void>;
  forget(consumer: RabbitConsumer): void;
}

export class RabbitConsumer implements Consumer {
  private readonly host: ConsumerHost;
  readonly queue: string;
  private readonly handler: Handler<unknown>;
  private readonly prefetch: number;
  private readonly graceMs: number;
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private readonly running = new Set<Promise<void>>();
  private closing: Promise<void> | null = null;
  private resubscribing = false;

  constructor(host: ConsumerHost, queue: string, handler: Handler<unknown>, prefetch: number, graceMs: number) {
    this.host = host;
    this.queue = queue;
    this.handler = handler;
    this.prefetch = prefetch;
    this.graceMs = graceMs;
  }

  /** Subscribes for the first time; rejects when the broker cannot be reached. */
  async start(): Promise<void> {
    await this.subscribe();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async subscribe(): Promise<void> {
    const model = await this.host.connection.live();
    const channel = await model.createChannel();
    // A channel error (e.g. the queue was deleted) closes the channel; the close handler takes over.
    channel.on('error', () => undefined);
    channel.on('close', () => this.lost(channel));
    try {
      await this.host.ensureQueue(this.queue);
      await channel.prefetch(this.prefetch);
      if (this.closing) throw new Error('consumer closed while subscribing');
      this.channel = channel;
      const { consumerTag } = await channel.consume(this.queue, (message) => this.receive(channel, message), { noAck: false });
      this.consumerTag = consumerTag;
    } catch (error) {
      if (this.channel === channel) this.channel = undefined;
      await channel.close().catch(() => undefined);
      throw error;
    }
  }

  private lost(channel: Channel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.consumerTag = undefined;
    if (!this.closing) void this.resubscribe();
  }

  /** Subscribes again until it works or the consumer is closed, backing off up to 5 s. */
  private async resubscribe(): Promise<void> {
    if (this.resubscribing) return;
    this.resubscribing = true;
    try {
      const delay = backoffDelays(RECONNECT_BACKOFF);
      while (!this.closing && !this.channel) {
        try {
          await this.subscribe();
        } catch {
          if (!this.closing) await sleep(delay());
        }
      }
    } finally {
      this.resubscribing = false;
    }
  }

  private receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the subscription (its queue was deleted): start over on a new channel.
      channel.close().catch(() => undefined);
      return;
    }
    // Arrived while closing: left unsettled, the broker hands it to another consumer.
    if (this.closing || this.channel !== channel) return;
    const run = this.handle(channel, message).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    const received = decodeMessage(message, this.queue);
    const options = this.host.optionsOf(this.queue);
    const attempt = received.previousDeliveries + 1;
    if (received.unreadable) {
      await this.giveUp(channel, message, received, attempt, received.unreadable);
      return;
    }
    if (attempt > options.maxAttempts) {
      // Its consumers kept dying with it (or the broker kept restarting): stop the loop.
      const reason = `abandoned after ${attempt - 1} deliveries that ended without an ack or nack (the consumer stopped or lost its connection)`;
      await this.giveUp(channel, message, received, attempt - 1, reason);
      return;
    }
    let settled: Promise<void> | undefined;
    const settle = (reason: string | null): Promise<void> => {
      if (!settled) {
        settled = reason === null ? this.ack(channel, message, received) : this.nack(channel, message, received, attempt, options, reason);
        // A handler that does not await its ack must not turn a lost channel into an unhandled rejection.
        settled.catch(() => undefined);
      }
      return settled;
    };
    const delivery: Delivery<unknown> = {
      id: received.id,
      queue: this.queue,
      body: received.body,
      headers: received.headers,
      attempt,
      publishedAt: received.publishedAt,
      ack: () => settle(null),
      nack: (reason: string) => settle(String(reason)),
    };
    try {
      await this.handler(delivery);
      if (!settled) await settle(null).catch(() => undefined);
    } catch (error) {
      if (!settled) await settle(reasonOf(error)).catch(() => undefined);
    }
    // An explicit settle still in progress (a retry being stored) is part of this delivery.
    await settled?.catch(() => undefined);
  }

  private async ack(channel: Channel, message: ConsumeMessage, received: Received): Promise<void> {
    try {
      if (this.channel !== channel) throw new Error('channel closed');
      channel.ack(message);
    } catch {
      throw new RabbitUnavailableError(`RabbitMQ channel of message ${received.id} on ${this.queue} was lost before its ack: it will be delivered again`);
    }
  }

  private async nack(channel: Channel, message: ConsumeMessage, received: Received, attempt: number, options: QueueOptions, reason: string): Promise<void> {
    // The broker has already put the message back: a copy now would make it twice.
    if (this.channel !== channel) {
      throw new RabbitUnavailableError(`RabbitMQ channel of message ${received.id} on ${this.queue} was lost before its nack: it will be delivered again`);
    }
    try {
      if (attempt >= options.maxAttempts) await this.host.deadLetter(received, attempt, reason);
      else await this.host.scheduleRetry(received, attempt, retryDelayMs(options, attempt));
    } catch (error) {
      // Not stored elsewhere: hand it back now (another delivery) rather than hold it unsettled.
      try {
        channel.nack(message, false, true);
      } catch {
        // The channel is gone, which hands it back as well.
      }
      throw new RabbitUnavailableError(`RabbitMQ could not take the nack of message ${received.id} on ${this.queue}: ${errorText(error)}; it will be delivered again`, { cause: error });
    }
    try {
      channel.ack(message);
    } catch {
      // Lost between storing the copy and removing the original: the original comes back too.
    }
  }

  private async giveUp(channel: Channel, message: ConsumeMessage, received: Received, attempt: number, reason: string): Promise<void> {
    try {
      await this.host.deadLetter(received, attempt, reason);
      channel.ack(message);
    } catch {
      // Left unsettled: it comes back once the broker or the channel recovers, and is given up on then.
    }
  }

  private async shutdown(): Promise<void> {
    const channel = this.channel;
    if (channel && this.consumerTag) await waitAtMost(channel.cancel(this.consumerTag), 2000).catch(() => undefined);
    if (this.running.size > 0) await waitAtMost(Promise.allSettled([...this.running]), this.graceMs);
    this.channel = undefined;
    // Closing the channel hands every unsettled delivery back to the broker.
    if (channel) await waitAtMost(channel.close(), 2000).catch(() => undefined);
    this.host.forget(this);
  }
}
