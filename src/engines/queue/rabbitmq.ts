/**
 * The task queue on RabbitMQ (AMQP 0-9-1, amqplib). Queue layout and message format are in
 * rabbitmq-codec.ts, consumers in rabbitmq-consumer.ts, reconnection in rabbitmq-connection.ts.
 *
 * - publish() resolves once the broker confirmed the message (publisher confirms, persistent
 *   message, quorum queue); it rejects, never hangs, while the broker is unreachable.
 * - A nack stores a copy in the retry queue for its delay (or the dead-letter queue after
 *   maxAttempts) and, once that is confirmed, acks the original. If the connection drops
 *   between the two, the message exists twice: delivery is at least once, as for every ack
 *   that a dropped connection loses.
 * - depth() counts ready messages over AMQP and unacked ones through the management API.
 * - Queue options live in this process (the latest assertQueue wins) and are recorded on the
 *   queue when it is created, for processes that consume without declaring it.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ConfirmChannel, Options } from 'amqplib';
import { errorText, RabbitConnection, RabbitUnavailableError } from './rabbitmq-connection.ts';
import { RabbitConsumer, type ConsumerHost } from './rabbitmq-consumer.ts';
import { RabbitManagement } from './rabbitmq-management.ts';
import {
  checkHeaders,
  DEAD_LETTER_EXCHANGE,
  deadLetterProperties,
  deadLetterQueueArguments,
  deadLetterQueueOf,
  decodeDeadLetter,
  encodeBody,
  isRetryQueueOf,
  optionsFromArguments,
  publishProperties,
  queueFamilyPattern,
  retryProperties,
  retryQueueArguments,
  retryQueueOf,
  workQueueArguments,
  type Received,
} from './rabbitmq-codec.ts';
import type { ConsumeOptions, Consumer, DeadLetter, Handler, PublishOptions, QueueDepth, QueueOptions, TaskQueue } from './port.ts';
import { checkPrefetch, DEFAULT_QUEUE_OPTIONS, definedOptions, validateQueueOptions } from './queue-options.ts';

export interface RabbitMqTaskQueueOptions {
  /** How long Consumer.close() waits for running handlers before handing their messages back. Default 10 s. */
  closeGraceMs?: number;
  /** How long an operation waits for a lost connection to come back before it fails. Default 3 s. */
  reconnectWaitMs?: number;
  /** How long publish() waits for the broker's confirm. Default 10 s. */
  publishTimeoutMs?: number;
  /** Management API, when not given on the URL as `?management=<port or URL>`. */
  managementUrl?: string;
  /** AMQP heartbeat, which notices a dead connection that nobody closed. Default 10 s. */
  heartbeatSeconds?: number;
}

const DEFAULTS = { closeGraceMs: 10_000, reconnectWaitMs: 3000, publishTimeoutMs: 10_000, heartbeatSeconds: 10 };

/** The broker returned a mandatory message: no queue was bound to take it. */
class UnroutableError extends Error {
  override name = 'UnroutableError';
}

/** The confirm channel of one connection, with the messages the broker returned as unroutable. */
interface Publisher {
  channel: ConfirmChannel;
  open: boolean;
  returned: Map<string, number>;
}

const returnKey = (routingKey: string, messageId: unknown): string => `${routingKey}\u0000${String(messageId)}`;

const isNotFound = (error: unknown): boolean => (error as { code?: number }).code === 404;

export class RabbitMqTaskQueue implements TaskQueue {
  private readonly connection: RabbitConnection;
  private readonly management: RabbitManagement;
  private readonly settings: typeof DEFAULTS;
  private readonly options = new Map<string, QueueOptions>();
  private readonly consumers = new Set<RabbitConsumer>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly deadLetterReads = new Map<string, Promise<unknown>>();
  /** Declarations done on the connection of `declaredGeneration`; a reconnect starts them over. */
  private declared = new Map<string, Promise<void>>();
  private declaredGeneration = -1;
  private admin: { generation: number; channel: Promise<Channel> } | undefined;
  private publisher: { generation: number; channel: Promise<Publisher> } | undefined;
  private closing: Promise<void> | null = null;

  private constructor(connection: RabbitConnection, management: RabbitManagement, settings: typeof DEFAULTS) {
    this.connection = connection;
    this.management = management;
    this.settings = settings;
  }

  /** Connects to `url` (amqp://user:password@host:port/vhost); rejects when the broker is unreachable. */
  static async open(url: string, options: RabbitMqTaskQueueOptions = {}): Promise<RabbitMqTaskQueue> {
    const settings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      if (options[key] !== undefined) settings[key] = options[key];
    }
    const connection = await RabbitConnection.open(url, settings);
    return new RabbitMqTaskQueue(connection, new RabbitManagement(url, options.managementUrl), settings);
  }

  async assertQueue(name: string, options: Partial<QueueOptions> = {}): Promise<void> {
    this.assertOpen();
    checkQueueName(name);
    validateQueueOptions(options);
    return this.track(async () => {
      const merged = { ...(await this.knownOptions(name)), ...definedOptions(options) };
      this.options.set(name, merged);
      // Declared again even if done before: the queue may have been deleted meanwhile.
      this.declared.delete(name);
      await this.ensureQueue(name);
    });
  }

  async publish<T>(queue: string, body: T, options: PublishOptions = {}): Promise<string> {
    this.assertOpen();
    checkQueueName(queue);
    checkHeaders(options.headers);
    const id = options.id ?? randomUUID();
    const content = encodeBody(body);
    const properties = publishProperties(id, options.headers, Date.now());
    return this.track(async () => {
      await this.ensureQueue(queue);
      await this.sendDeclared(queue, () => this.ensureQueue(queue), '', queue, content, properties);
      return id;
    });
  }

  async consume<T>(queue: string, handler: Handler<T>, options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    checkQueueName(queue);
    checkPrefetch(options.prefetch);
    if (!this.options.has(queue)) this.options.set(queue, await this.knownOptions(queue));
    const consumer = new RabbitConsumer(this.consumerHost(), queue, handler as Handler<unknown>, options.prefetch, this.settings.closeGraceMs);
    this.consumers.add(consumer);
    try {
      await consumer.start();
    } catch (error) {
      this.consumers.delete(consumer);
      throw this.named(error);
    }
    return consumer;
  }

  /** Dead letters oldest first. Reading takes them from the queue and hands them all back in place. */
  async deadLetters<T>(queue: string, limit = 100): Promise<DeadLetter<T>[]> {
    this.assertOpen();
    if (!(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
    // Two reads at once would each see only what the other is not holding.
    const previous = this.deadLetterReads.get(queue) ?? Promise.resolve();
    const read = previous.catch(() => undefined).then(() => this.track(() => this.readDeadLetters<T>(queue, limit)));
    this.deadLetterReads.set(queue, read);
    try {
      return await read;
    } finally {
      if (this.deadLetterReads.get(queue) === read) this.deadLetterReads.delete(queue);
    }
  }

  async depth(queue: string): Promise<QueueDepth> {
    this.assertOpen();
    return this.track(async () => {
      let family;
      try {
        family = await this.management.queues(queueFamilyPattern(queue));
      } catch (error) {
        throw new RabbitUnavailableError(`cannot tell the depth of ${queue}: ${errorText(error)}`, { cause: error });
      }
      const work = family.find((q) => q.name === queue);
      if (!work) return { ready: 0, unacked: 0, deadLettered: 0 };
      const retries = family.filter((q) => isRetryQueueOf(queue, q.name)).map((q) => q.name);
      const counts = await this.readyCounts([queue, ...retries, deadLetterQueueOf(queue)]);
      const deadLettered = counts.pop() ?? 0;
      return { ready: counts.reduce((sum, n) => sum + n, 0), unacked: work.messages_unacknowledged ?? 0, deadLettered };
    });
  }

  isReady(): boolean {
    return this.closing === null && this.connection.connected;
  }

  /** Closes consumers (each waits for its handlers up to closeGraceMs), waits for operations in flight, disconnects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.consumers].map((c) => c.close()));
      await Promise.allSettled([...this.inflight]);
      await this.connection.close();
    })();
    return this.closing;
  }

  /** Deletes a queue with its retry and dead-letter queues, messages included (for tests and operators). */
  async deleteQueue(name: string): Promise<void> {
    this.assertOpen();
    checkQueueName(name);
    // A consumer would declare the queue again when the broker cancels it.
    await Promise.allSettled([...this.consumers].filter((c) => c.queue === name).map((c) => c.close()));
    const listed = await this.management.queues(queueFamilyPattern(name)).catch(() => []);
    const retries = listed.map((q) => q.name).filter((n) => isRetryQueueOf(name, n));
    await this.withAdmin(async (channel) => {
      for (const queue of [name, ...retries, deadLetterQueueOf(name)]) await channel.deleteQueue(queue);
    });
    this.options.delete(name);
    for (const key of [...this.declared.keys()]) if (key === name || isRetryQueueOf(name, key)) this.declared.delete(key);
  }

  // ---- declarations ----

  private optionsOf(queue: string): QueueOptions {
    return this.options.get(queue) ?? DEFAULT_QUEUE_OPTIONS;
  }

  /** Options for a queue this process has not declared: those it was created with, if the broker has it. */
  private async knownOptions(queue: string): Promise<QueueOptions> {
    const local = this.options.get(queue);
    if (local) return local;
    const listed = await this.management.queues(queueFamilyPattern(queue)).catch(() => []);
    return { ...DEFAULT_QUEUE_OPTIONS, ...optionsFromArguments(listed.find((q) => q.name === queue)?.arguments) };
  }

  /** Declares the queue, its dead-letter queue and binding once per connection. */
  private ensureQueue(queue: string): Promise<void> {
    return this.once(queue, () =>
      this.withAdmin(async (channel) => {
        await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'direct', { durable: true });
        await channel.assertQueue(queue, { durable: true, arguments: workQueueArguments(queue, this.optionsOf(queue)) });
        await channel.assertQueue(deadLetterQueueOf(queue), { durable: true, arguments: deadLetterQueueArguments() });
        await channel.bindQueue(deadLetterQueueOf(queue), DEAD_LETTER_EXCHANGE, queue);
      }, `declare queue ${queue}`),
    );
  }

  private ensureRetryQueue(queue: string, delayMs: number): Promise<void> {
    const name = retryQueueOf(queue, delayMs);
    return this.once(name, () => this.withAdmin((channel) => channel.assertQueue(name, { durable: true, arguments: retryQueueArguments(queue, delayMs) }), `declare queue ${name}`));
  }

  private once(key: string, declare: () => Promise<unknown>): Promise<void> {
    if (this.declaredGeneration !== this.connection.generation) {
      this.declared = new Map();
      this.declaredGeneration = this.connection.generation;
    }
    let done = this.declared.get(key);
    if (!done) {
      const declared = this.declared;
      done = declare().then(() => undefined);
      declared.set(key, done);
      done.catch(() => {
        if (declared.get(key) === done) declared.delete(key);
      });
    }
    return done;
  }

  /** Runs declarations on a channel kept for them; a refused declaration closes it, so it is reopened on demand. */
  private async withAdmin<T>(work: (channel: Channel) => Promise<T>, what = 'manage queues'): Promise<T> {
    const model = await this.connection.live();
    if (!this.admin || this.admin.generation !== this.connection.generation) {
      const generation = this.connection.generation;
      const channel = model.createChannel().then((ch) => {
        ch.on('error', () => undefined);
        ch.on('close', () => {
          if (this.admin?.generation === generation) this.admin = undefined;
        });
        return ch;
      });
      channel.catch(() => {
        if (this.admin?.generation === generation) this.admin = undefined;
      });
      this.admin = { generation, channel };
    }
    try {
      return await work(await this.admin.channel);
    } catch (error) {
      if (error instanceof RabbitUnavailableError) throw error;
      if (!this.connection.connected) throw this.connection.unavailable(errorText(error));
      throw new Error(`RabbitMQ at ${this.connection.display} refused to ${what}: ${errorText(error)}`, { cause: error });
    }
  }

  // ---- publishing ----

  /** The confirm channel of the current connection, opened once however many publishes ask at the same time. */
  private async publishChannel(): Promise<Publisher> {
    for (;;) {
      const model = await this.connection.live();
      const cached = this.publisher;
      if (cached?.generation === this.connection.generation) {
        const publisher = await cached.channel.catch(() => undefined);
        if (publisher?.open) return publisher;
        // Another publish replaced it meanwhile: take that one.
        if (this.publisher !== cached) continue;
      }
      const generation = this.connection.generation;
      const channel = model.createConfirmChannel().then((confirmChannel) => {
        const publisher: Publisher = { channel: confirmChannel, open: true, returned: new Map() };
        confirmChannel.on('error', () => undefined);
        confirmChannel.on('close', () => {
          publisher.open = false;
        });
        confirmChannel.on('return', (message) => {
          const key = returnKey(message.fields.routingKey, message.properties.messageId);
          publisher.returned.set(key, (publisher.returned.get(key) ?? 0) + 1);
        });
        return publisher;
      });
      this.publisher = { generation, channel };
      return channel;
    }
  }

  /** Publishes and waits for the broker's confirm; mandatory, so a message no queue takes is an error. */
  private async send(exchange: string, routingKey: string, content: Buffer, properties: Options.Publish): Promise<void> {
    const publisher = await this.publishChannel();
    const what = `message ${String(properties.messageId)} to ${exchange ? `exchange ${exchange} (${routingKey})` : `queue ${routingKey}`}`;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(this.connection.unavailable(`no confirm for ${what} within ${this.settings.publishTimeoutMs} ms`)), this.settings.publishTimeoutMs);
      const key = returnKey(routingKey, properties.messageId);
      try {
        publisher.channel.publish(exchange, routingKey, content, { ...properties, mandatory: true }, (error) => {
          clearTimeout(timer);
          // The broker sends a return before the confirm of the same message.
          const returned = publisher.returned.get(key) ?? 0;
          if (returned > 0) {
            if (returned === 1) publisher.returned.delete(key);
            else publisher.returned.set(key, returned - 1);
            reject(new UnroutableError(`RabbitMQ had no queue to take ${what}`));
          } else if (error) {
            reject(this.connection.unavailable(`${what} was not confirmed (${errorText(error)}); it may or may not have been stored`));
          } else {
            resolve();
          }
        });
      } catch (error) {
        clearTimeout(timer);
        reject(this.connection.unavailable(`could not send ${what}: ${errorText(error)}`));
      }
    });
  }

  /**
   * Sends to queue `name`, declared earlier by `declare`; if it has gone meanwhile,
   * forgets that declaration, declares it again and sends once more.
   */
  private async sendDeclared(name: string, declare: () => Promise<void>, exchange: string, routingKey: string, content: Buffer, properties: Options.Publish): Promise<void> {
    try {
      await this.send(exchange, routingKey, content, properties);
    } catch (error) {
      if (!(error instanceof UnroutableError)) throw error;
      this.declared.delete(name);
      await declare();
      await this.send(exchange, routingKey, content, properties);
    }
  }

  private async scheduleRetry(received: Received, failedAttempt: number, delayMs: number): Promise<void> {
    const queue = received.queue;
    const properties = retryProperties(received, failedAttempt);
    if (delayMs <= 0) {
      await this.sendDeclared(queue, () => this.ensureQueue(queue), '', queue, received.content, properties);
      return;
    }
    const name = retryQueueOf(queue, delayMs);
    await this.ensureRetryQueue(queue, delayMs);
    await this.sendDeclared(name, () => this.ensureRetryQueue(queue, delayMs), '', name, received.content, properties);
  }

  private async deadLetter(received: Received, attempt: number, reason: string): Promise<void> {
    const queue = received.queue;
    await this.ensureQueue(queue);
    await this.sendDeclared(queue, () => this.ensureQueue(queue), DEAD_LETTER_EXCHANGE, queue, received.content, deadLetterProperties(received, attempt, reason, Date.now()));
  }

  // ---- reading ----

  private async readDeadLetters<T>(queue: string, limit: number): Promise<DeadLetter<T>[]> {
    const model = await this.connection.live();
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    const letters: DeadLetter<T>[] = [];
    try {
      while (letters.length < limit) {
        const message = await channel.get(deadLetterQueueOf(queue), { noAck: false });
        if (!message) break;
        letters.push(decodeDeadLetter<T>(message, queue));
      }
      return letters;
    } catch (error) {
      if (isNotFound(error)) return [];
      throw this.connection.connected ? new Error(`RabbitMQ could not read the dead letters of ${queue}: ${errorText(error)}`, { cause: error }) : this.connection.unavailable(errorText(error));
    } finally {
      // Closing without acks hands every message read back, in its place.
      await channel.close().catch(() => undefined);
    }
  }

  /** Ready messages of each queue, 0 for one that does not exist. */
  private async readyCounts(queues: string[]): Promise<number[]> {
    const model = await this.connection.live();
    const counts: number[] = [];
    let channel: Channel | undefined;
    try {
      for (const queue of queues) {
        if (!channel) {
          channel = await model.createChannel();
          channel.on('error', () => undefined);
        }
        try {
          counts.push((await channel.checkQueue(queue)).messageCount);
        } catch (error) {
          if (!isNotFound(error)) throw error;
          // A missing queue closes the channel.
          channel = undefined;
          counts.push(0);
        }
      }
    } catch (error) {
      throw this.connection.connected ? new Error(`RabbitMQ could not count messages: ${errorText(error)}`, { cause: error }) : this.connection.unavailable(errorText(error));
    } finally {
      await channel?.close().catch(() => undefined);
    }
    return counts;
  }

  // ---- plumbing ----

  private consumerHost(): ConsumerHost {
    return {
      connection: this.connection,
      optionsOf: (queue) => this.optionsOf(queue),
      ensureQueue: (queue) => this.ensureQueue(queue),
      scheduleRetry: (received, failedAttempt, delayMs) => this.scheduleRetry(received, failedAttempt, delayMs),
      deadLetter: (received, attempt, reason) => this.deadLetter(received, attempt, reason),
      forget: (consumer) => this.consumers.delete(consumer),
    };
  }

  /** Runs an operation that close() waits for; its errors name the broker. */
  private track<T>(operation: () => Promise<T>): Promise<T> {
    const running = operation().catch((error: unknown) => {
      throw this.named(error);
    });
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
    return running;
  }

  /** A client-level error (e.g. "Channel closed") as an error that says it comes from RabbitMQ, and which one. */
  private named(error: unknown): unknown {
    if (!(error instanceof Error) || error instanceof RangeError || error instanceof TypeError || error.message.includes('RabbitMQ')) return error;
    if (!this.connection.connected) return this.connection.unavailable(error.message);
    return new Error(`RabbitMQ at ${this.connection.display}: ${error.message}`, { cause: error });
  }

  private assertOpen(): void {
    if (this.closing) throw new Error(`task queue on RabbitMQ at ${this.connection.display} is closed`);
  }
}

function checkQueueName(name: string): void {
  if (!name) throw new RangeError('queue name must not be empty');
  // Room for the longest suffix (".retry.<ms>ms") within RabbitMQ's 255 bytes.
  if (Buffer.byteLength(name) > 220) throw new RangeError(`queue name must be at most 220 bytes: ${name.slice(0, 40)}...`);
  if (name.startsWith('amq.')) throw new RangeError(`queue names starting with "amq." are reserved by RabbitMQ: ${name}`);
}

