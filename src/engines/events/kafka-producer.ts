/**
 * The event log's one idempotent producer, fed one request at a time.
 *
 * Concurrent send() calls on the client's idempotent producer (2.12) write some batches
 * twice under load. So publishes wait in an outbox and go out together, in call order,
 * one request at a time: ordering per key holds across calls, the broker drops every
 * copy the producer retries, and many small publishes still share a round trip.
 */
import { ProduceAcks, Producer } from '@platformatic/kafka';
import type { MessageToProduce } from '@platformatic/kafka';
import { waitAtMost } from '../../lib/wait-at-most.ts';
import { isTransient, javaCompatiblePartition } from './kafka-codec.ts';

/** Publishes that go out together stay below this many value bytes (one publish alone may exceed it). */
const REQUEST_BYTES = 4 * 1024 * 1024;

interface Outgoing {
  messages: MessageToProduce[];
  bytes: number;
  settle: (error?: unknown) => void;
}

export interface ProducerSettings {
  brokers: string[];
  clientId: string;
  /** How long a send keeps retrying (with its sequence numbers) while the broker is away. */
  retryMs: number;
  requestTimeoutMs: number;
}

export class SerialProducer {
  private readonly producer: Producer;
  private outbox: Outgoing[] = [];
  private sending = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(settings: ProducerSettings) {
    this.producer = new Producer({
      clientId: settings.clientId,
      bootstrapBrokers: settings.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      partitioner: javaCompatiblePartition,
      retries: Math.max(1, Math.ceil(settings.retryMs / 1000)),
      retryDelay: (_client, _operation, attempt) => Math.min(250 * attempt, 1000),
      connectTimeout: 3000,
      requestTimeout: settings.requestTimeoutMs,
    });
  }

  /** Resolves once the broker has acknowledged every message (acks=all). */
  send(messages: MessageToProduce[]): Promise<void> {
    const bytes = messages.reduce((sum, m) => sum + ((m.value as Buffer | undefined)?.length ?? 0) + ((m.key as Buffer | undefined)?.length ?? 0), 0);
    return new Promise<void>((resolve, reject) => {
      this.outbox.push({ messages, bytes, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.sending) this.drained = this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.outbox.length) {
        let bytes = this.outbox[0].bytes;
        let count = 1;
        while (count < this.outbox.length && bytes + this.outbox[count].bytes <= REQUEST_BYTES) bytes += this.outbox[count++].bytes;
        const together = this.outbox.splice(0, count);
        try {
          await this.producer.send({ messages: together.flatMap((o) => o.messages) });
          for (const o of together) o.settle();
        } catch (error) {
          // The broker stayed away for the whole retry time: what waited behind this send fails too, unsent.
          const failed = isTransient(error) ? [...together, ...this.outbox.splice(0)] : together;
          for (const o of failed) o.settle(error ?? new Error('send failed'));
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** Lets the publishes already handed over finish (up to `graceMs`), then closes the connections. */
  async close(graceMs: number): Promise<void> {
    await waitAtMost(this.drained, graceMs);
    await this.producer.close(true);
  }
}
