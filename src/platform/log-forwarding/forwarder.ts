/**
 * The buffered, batching forwarder every log destination shares, written once.
 *
 * `push` only queues, never waits and never throws: a log line must not slow or stop the
 * code that wrote it. The queue is bounded; when full, the oldest entry goes, and is
 * counted. A timer, or a full batch, sends what is queued through the transport, one batch
 * in flight at a time. A batch that fails because the backend is away or busy goes back to
 * the front of the queue and is tried again after a backoff delay that doubles (with
 * jitter) up to a cap; a batch the backend rejects as malformed is dropped and counted,
 * since sending it again would fail again.
 */
import { backoffDelays, type Backoff, type BackoffOptions } from '../../lib/backoff.ts';
import { waitAtMost } from '../../lib/wait-at-most.ts';
import { BoundedQueue } from './queue.ts';

/** The backend refused the batch itself (HTTP 4xx, a malformed entry): resending it would not help. */
export class BatchRejectedError extends Error {}

export interface Transport<T> {
  /** Resolves once the backend has the batch; rejects with BatchRejectedError, or any other error while it is away. */
  send(batch: T[]): Promise<void>;
  /** Releases connections; called once, at stop. */
  close?(): Promise<void>;
}

export type DropReason = 'overflow' | 'rejected' | 'shutdown';

export interface ForwarderEvents {
  sent?(count: number): void;
  dropped?(reason: DropReason, count: number, error?: unknown): void;
  /** Called once per change: the backend failed a send after working (or from the start), or answered again after failing. */
  availability?(available: boolean, error?: unknown): void;
}

export interface ForwarderOptions {
  /** Most entries kept while the backend is slow or away. Default 10,000. */
  maxBuffered?: number;
  /** Most entries in one send. Default 500. */
  batchSize?: number;
  /** How long an entry may wait for a batch to fill before it is sent. Default 1 s. */
  flushMs?: number;
  /** Retry delays while the backend is away. Default 500 ms doubling to 30 s. */
  backoff?: BackoffOptions;
}

export class BatchForwarder<T> {
  readonly #queue: BoundedQueue<T>;
  readonly #batchSize: number;
  readonly #flushMs: number;
  readonly #delay: Backoff;
  readonly #events: ForwarderEvents;
  #transport: Transport<T> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Infinity;
  #sending: Promise<void> | undefined;
  #inFlight = 0;
  #away = false;
  #stopped = false;

  constructor(options: ForwarderOptions = {}, events: ForwarderEvents = {}) {
    this.#queue = new BoundedQueue<T>(options.maxBuffered ?? 10_000);
    this.#batchSize = options.batchSize ?? 500;
    this.#flushMs = options.flushMs ?? 1000;
    this.#delay = backoffDelays(options.backoff ?? { initialMs: 500, maxMs: 30_000 });
    this.#events = events;
  }

  /** Entries waiting or being sent. */
  get buffered(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Whether the last send failed because the backend was away or busy. */
  get away(): boolean {
    return this.#away;
  }

  /** Sends through `transport` from now on; entries pushed before wait for it (bounded). */
  start(transport: Transport<T>): void {
    this.#transport = transport;
    if (this.#queue.length) this.#schedule(this.#flushMs);
  }

  push(entry: T): void {
    if (this.#stopped) return void this.#events.dropped?.('shutdown', 1);
    if (this.#queue.push(entry)) this.#events.dropped?.('overflow', 1);
    // While the backend is away the retry timer decides; otherwise a full batch goes at once.
    this.#schedule(!this.#away && this.#queue.length >= this.#batchSize ? 0 : this.#flushMs);
  }

  /** Puts entries back at the front, e.g. ones a broken connection may not have delivered. */
  requeue(entries: T[]): void {
    const dropped = this.#queue.requeue(entries);
    if (dropped) this.#events.dropped?.('overflow', dropped);
    if (!this.#stopped) this.#schedule(this.#away ? this.#flushMs : 0);
  }

  /** Sends everything queued, batch by batch; stops at the first failure (the retry is scheduled). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Infinity;
    return (this.#sending ??= this.#drain(true).finally(() => {
      this.#sending = undefined;
      if (!this.#away && this.#queue.length) this.#schedule(this.#flushMs);
    }));
  }

  /**
   * A last flush, bounded: a backend that is away, or hangs, must not hold up the shutdown.
   * What is still queued after `budgetMs` is counted as dropped.
   */
  async stop(budgetMs = 2000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const began = Date.now();
    if (this.#transport) {
      await waitAtMost(
        (async () => {
          // A send already in flight finishes first; then one more go at whatever is left.
          await this.#sending;
          await this.flush();
        })(),
        budgetMs,
      );
    }
    // Whatever did not make it, including a batch still hanging in a send.
    const left = this.#queue.take(this.#queue.length).length + this.#inFlight;
    if (left) this.#events.dropped?.('shutdown', left);
    await waitAtMost(this.#transport?.close?.().catch(() => undefined) ?? Promise.resolve(), Math.max(100, budgetMs - (Date.now() - began)));
  }

  #schedule(ms: number): void {
    if (!this.#transport || this.#stopped || this.#sending) return;
    // While the backend is away, the retry timer alone decides when to try again.
    if (this.#away && this.#timer) return;
    const due = Date.now() + ms;
    if (this.#timer && this.#timerDue <= due) return;
    this.#setTimer(ms);
  }

  #setTimer(ms: number): void {
    clearTimeout(this.#timer);
    this.#timerDue = Date.now() + ms;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerDue = Infinity;
      void (this.#sending ??= this.#drain(false).finally(() => {
        this.#sending = undefined;
        if (!this.#away && this.#queue.length) this.#schedule(this.#queue.length >= this.#batchSize ? 0 : this.#flushMs);
      }));
    }, ms);
    // Forwarding never keeps the process alive by itself.
    this.#timer.unref();
  }

  /** Sends batches while full ones are queued (or, with `all`, until the queue is empty). */
  async #drain(all: boolean): Promise<void> {
    const transport = this.#transport;
    if (!transport) return;
    let first = true;
    while (this.#queue.length && (all || first || this.#queue.length >= this.#batchSize)) {
      first = false;
      const batch = this.#queue.take(this.#batchSize);
      this.#inFlight = batch.length;
      try {
        await transport.send(batch);
        this.#inFlight = 0;
        this.#events.sent?.(batch.length);
        this.#delay.reset();
        if (this.#away) {
          this.#away = false;
          this.#events.availability?.(true);
        }
      } catch (error) {
        this.#inFlight = 0;
        if (error instanceof BatchRejectedError) {
          this.#events.dropped?.('rejected', batch.length, error);
          continue;
        }
        const dropped = this.#queue.requeue(batch);
        if (dropped) this.#events.dropped?.('overflow', dropped);
        if (!this.#away) {
          this.#away = true;
          this.#events.availability?.(false, error);
        }
        if (!this.#stopped) this.#setTimer(this.#delay());
        return;
      }
    }
  }
}
