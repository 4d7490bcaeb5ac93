/**
 * A consumer of one queue. A handler runs for each delivery as it arrives, so a consumer
 * runs up to `prefetch` handlers at once. close() waits for running handlers up to a
 * grace period; deliveries still unsettled after it go back to the queue for another
 * consumer.
 */
import { waitAtMost } from '../../lib/wait-at-most.ts';
import type { DeliveryState, LocalQueue } from './local-queue.ts';
import type { Consumer, Delivery, Handler, QueueMessage } from './port.ts';
import { reasonOf } from './queue-options.ts';

export class LocalConsumer implements Consumer {
  private readonly queue: LocalQueue;
  private readonly handler: Handler<unknown>;
  private readonly prefetch: number;
  private readonly graceMs: number;
  private readonly deliveries = new Set<DeliveryState>();
  private readonly running = new Set<Promise<void>>();
  private closing: Promise<void> | null = null;

  constructor(queue: LocalQueue, handler: Handler<unknown>, prefetch: number, graceMs: number) {
    this.queue = queue;
    this.handler = handler;
    this.prefetch = prefetch;
    this.graceMs = graceMs;
  }

  hasCapacity(): boolean {
    return this.closing === null && this.deliveries.size < this.prefetch;
  }

  deliver(delivery: DeliveryState): void {
    this.deliveries.add(delivery);
    const run = this.run(delivery).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  forget(delivery: DeliveryState): void {
    this.deliveries.delete(delivery);
  }

  private async run(state: DeliveryState): Promise<void> {
    const attempt = state.entry.attempt;
    let message: Omit<QueueMessage, 'attempt'>;
    try {
      message = await this.queue.load(state.entry);
    } catch {
      this.queue.requeueAfterError(state);
      return;
    }
    if (state.settled) return;
    const delivery: Delivery = {
      ...message,
      attempt,
      ack: () => this.queue.settle(state, null),
      nack: (reason: string) => this.queue.settle(state, String(reason)),
    };
    try {
      await this.handler(delivery);
      if (!state.settled) await this.queue.settle(state, null);
    } catch (error) {
      if (!state.settled) await this.queue.settle(state, reasonOf(error)).catch(() => undefined);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.queue.removeConsumer(this);
    if (this.running.size > 0) await waitAtMost(Promise.allSettled([...this.running]), this.graceMs);
    for (const delivery of [...this.deliveries]) this.queue.release(delivery);
  }

  /** The store is closing: stop at once, leaving unsettled messages to be redelivered after reopen. */
  abandon(): void {
    this.closing ??= Promise.resolve();
    this.deliveries.clear();
  }
}
