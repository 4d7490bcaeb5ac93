/**
 * How a task queue maps onto RabbitMQ: queue names and arguments, and how messages,
 * attempts and dead letters are carried in AMQP properties and headers.
 *
 * Per Orbit queue `q`:
 *  - `q`: the work queue, a durable quorum queue; the broker counts redeliveries in
 *    `x-delivery-count`, also after a consumer or connection died with a message unacked;
 *  - `q.retry.<ms>ms`: one quorum queue per retry delay, without consumers; its message TTL
 *    dead-letters each message back to `q` when the delay is over;
 *  - `q.dead-letters`: a classic queue bound to the dead-letter exchange with key `q`.
 */
import type { Message, Options } from 'amqplib';
import type { DeadLetter, QueueMessage, QueueOptions } from './port.ts';
import { retryDelayFor } from './queue-options.ts';

export const DEAD_LETTER_EXCHANGE = 'orbit.dead-letters';

/** How long dead letters are kept, as the embedded queue does. */
const DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** The largest message TTL RabbitMQ takes (2^32 - 1 ms, about 49 days). */
const MAX_TTL_MS = 2 ** 32 - 1;

const HEADER = {
  /** Deliveries a message had before this copy was published (a retry starts at its failed attempt). */
  attempt: 'x-orbit-attempt',
  publishedAt: 'x-orbit-published-at',
  reason: 'x-orbit-reason',
  deadAt: 'x-orbit-dead-at',
} as const;

/** Queue arguments RabbitMQ does not check on redeclaration: they record the options a queue was created with. */
const OPTION_ARGUMENT = { maxAttempts: 'x-orbit-max-attempts', retryDelayMs: 'x-orbit-retry-delay-ms' } as const;

const BROKER_HEADERS = new Set(['x-delivery-count', 'x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason']);

function isReservedHeader(name: string): boolean {
  return name.startsWith('x-orbit-') || BROKER_HEADERS.has(name);
}

export const deadLetterQueueOf = (queue: string): string => `${queue}.dead-letters`;
export const retryQueueOf = (queue: string, delayMs: number): string => `${queue}.retry.${delayMs}ms`;

/** The work queue, its retry queues and its dead-letter queue, as a regular expression on names. */
export function queueFamilyPattern(queue: string): string {
  return `^${queue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.retry\\.[0-9]+ms|\\.dead-letters)?$`;
}

export function isRetryQueueOf(queue: string, name: string): boolean {
  return name.startsWith(`${queue}.retry.`) && /^\d+ms$/.test(name.slice(queue.length + '.retry.'.length));
}

/** retryDelayFor() as a message TTL: whole milliseconds, within what AMQP can carry. */
export function retryDelayMs(options: QueueOptions, attempt: number): number {
  return Math.min(MAX_TTL_MS, Math.round(retryDelayFor(options, attempt)));
}

export function workQueueArguments(queue: string, options: QueueOptions): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    // Only the broker itself dead-letters through these (e.g. a delivery-limit policy an operator adds).
    'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
    'x-dead-letter-routing-key': queue,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
    [OPTION_ARGUMENT.maxAttempts]: options.maxAttempts,
    [OPTION_ARGUMENT.retryDelayMs]: options.retryDelayMs,
  };
}

export function retryQueueArguments(queue: string, delayMs: number): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-message-ttl': delayMs,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': queue,
    // The broker keeps a message here until the work queue has confirmed it: none is lost on the way back.
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/**
 * A classic queue: reading dead letters takes them and hands them back, and a classic queue
 * puts them back where they were (a quorum queue would reorder them). Lazy keeps a long
 * backlog on disk.
 */
export function deadLetterQueueArguments(): Record<string, unknown> {
  return { 'x-queue-type': 'classic', 'x-queue-mode': 'lazy', 'x-message-ttl': DEAD_LETTER_RETENTION_MS };
}

/** The options a queue was created with, from its arguments as the management API lists them. */
export function optionsFromArguments(args: Record<string, unknown> | undefined): Partial<QueueOptions> {
  const maxAttempts = Number(args?.[OPTION_ARGUMENT.maxAttempts]);
  const retryDelayMs = Number(args?.[OPTION_ARGUMENT.retryDelayMs]);
  const out: Partial<QueueOptions> = {};
  if (Number.isInteger(maxAttempts) && maxAttempts >= 1) out.maxAttempts = maxAttempts;
  if (Number.isFinite(retryDelayMs) && retryDelayMs >= 0) out.retryDelayMs = retryDelayMs;
  return out;
}

export function encodeBody(body: unknown): Buffer {
  return Buffer.from(JSON.stringify(body ?? null), 'utf8');
}

export function checkHeaders(headers: Record<string, string> | undefined): void {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (isReservedHeader(name)) throw new RangeError(`header ${name} is reserved for the task queue itself`);
    if (typeof value !== 'string') throw new TypeError(`header ${name} must be a string, got ${typeof value}`);
  }
}

/** Properties every copy of a message carries: persistent JSON, with its id and publish time. */
function messageProperties(id: string, publishedAt: number, headers: Record<string, unknown>): Options.Publish {
  return {
    persistent: true,
    contentType: 'application/json',
    messageId: id,
    timestamp: Math.floor(publishedAt / 1000),
    headers,
  };
}

/** Properties of a newly published message. */
export function publishProperties(id: string, headers: Record<string, string> | undefined, publishedAt: number): Options.Publish {
  return messageProperties(id, publishedAt, { ...headers, [HEADER.publishedAt]: publishedAt });
}

function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function userHeaders(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (!isReservedHeader(name) && value !== undefined && value !== null) out[name] = headerText(value);
  return out;
}

/** A message as received, before it becomes a delivery or a dead letter. */
export interface Received extends Omit<QueueMessage, 'attempt'> {
  /** The message's bytes, republished unchanged for retries and dead letters. */
  content: Buffer;
  /** Deliveries before this one: earlier copies' attempts plus the broker's redeliveries of this copy. */
  previousDeliveries: number;
  /** Set when the body is not JSON: it is dead-lettered with this reason, no handler sees it. */
  unreadable?: string;
  raw: Record<string, unknown>;
}

export function decodeMessage(message: Message, queue: string): Received {
  const raw = (message.properties.headers ?? {}) as Record<string, unknown>;
  const publishedAt = Number(raw[HEADER.publishedAt]);
  const timestampMs = Number(message.properties.timestamp) * 1000;
  const received: Received = {
    id: message.properties.messageId ? String(message.properties.messageId) : `amqp-${message.fields.deliveryTag}`,
    queue,
    body: undefined,
    headers: userHeaders(raw),
    publishedAt: Number.isFinite(publishedAt) ? publishedAt : Number.isFinite(timestampMs) ? timestampMs : Date.now(),
    content: message.content,
    previousDeliveries: (Number(raw[HEADER.attempt]) || 0) + (Number(raw['x-delivery-count']) || 0),
    raw,
  };
  try {
    received.body = JSON.parse(message.content.toString('utf8'));
  } catch (error) {
    received.unreadable = `unreadable message: body is not JSON (${(error as Error).message})`;
  }
  return received;
}

function copyHeaders(received: Received, extra: Record<string, unknown>): Record<string, unknown> {
  return { ...received.headers, [HEADER.publishedAt]: received.publishedAt, ...extra };
}

/** Properties of the copy that waits out a retry delay; it records the attempt that failed. */
export function retryProperties(received: Received, failedAttempt: number): Options.Publish {
  return messageProperties(received.id, received.publishedAt, copyHeaders(received, { [HEADER.attempt]: failedAttempt }));
}

export function deadLetterProperties(received: Received, attempt: number, reason: string, deadAt: number): Options.Publish {
  return messageProperties(received.id, received.publishedAt, copyHeaders(received, { [HEADER.attempt]: attempt, [HEADER.reason]: reason, [HEADER.deadAt]: deadAt }));
}

interface DeathRecord {
  reason?: unknown;
  time?: unknown;
  count?: unknown;
}

export function decodeDeadLetter<T>(message: Message, queue: string): DeadLetter<T> {
  const received = decodeMessage(message, queue);
  const raw = received.raw;
  // Dead-lettered by the broker itself rather than by a nack: the reason is the broker's.
  const death = (Array.isArray(raw['x-death']) ? raw['x-death'][0] : undefined) as DeathRecord | undefined;
  const deathTime = death?.time;
  const deadAt = Number(raw[HEADER.deadAt]);
  return {
    id: received.id,
    queue,
    body: (received.unreadable ? message.content.toString('utf8') : received.body) as T,
    headers: received.headers,
    attempt: Number(raw[HEADER.attempt]) || Number(death?.count) || 1,
    publishedAt: received.publishedAt,
    reason: raw[HEADER.reason] !== undefined ? headerText(raw[HEADER.reason]) : `dead-lettered by RabbitMQ: ${death?.reason === undefined ? 'unknown reason' : headerText(death.reason)}`,
    deadAt: Number.isFinite(deadAt) ? deadAt : typeof deathTime === 'number' ? deathTime * 1000 : received.publishedAt,
  };
}
