/**
 * One partition of a consumer group member: its records in offset order, handed to the
 * handler in batches, each committed once the handler resolves; a failed batch is
 * offered again with backoff.
 */
import { Serial } from '../../lib/serial.ts';
import { Wakeup } from '../../lib/wakeup.ts';
import { backoffDelays } from '../shared/backoff.ts';
import { describeError } from './kafka-codec.ts';
import type { BatchHandler, EventRecord } from './port.ts';

/** Records, and bytes as fetched, that a partition worker keeps ahead of its handler. */
const QUEUE_LIMIT = 2000;
const QUEUE_BYTES = 8 * 1024 * 1024;

/** What a worker needs of the member that owns it. */
export interface PartitionOwner {
  readonly group: string;
  readonly maxBatch: number;
  readonly retryBackoffMs: number;
  readonly maxRetryBackoffMs: number;
  readonly handler: BatchHandler<unknown>;
  onError(error: Error): void;
  /** Commits under the worker's generation; false when the partition is no longer the member's. */
  commit(worker: PartitionWorker, offset: bigint): Promise<boolean>;
}

/** Hands the records of one partition to the handler in order, committing after each batch. */
export class PartitionWorker {
  readonly topic: string;
  readonly partition: number;
  /** The group generation, and this member's id in it, under which it owns the partition. */
  readonly generation: number;
  readonly memberId: string;
  /** Next offset to fetch. */
  fetchOffset: bigint;
  private queue: EventRecord<unknown>[] = [];
  /** Approximate: the fetched size of the records queued. */
  private queuedBytes = 0;
  private readonly member: PartitionOwner;
  /** Woken by new records or stop. */
  private readonly wakeup = new Wakeup();
  /** Cuts a retry backoff short: woken by stop only, so arriving records do not hurry a failing handler. */
  private readonly interrupt = new Wakeup();
  private stopping = false;
  /** Commits of this partition go out one after another, so an older one never lands last. */
  private readonly committing = new Serial();
  private done: Promise<void> = Promise.resolve();

  constructor(member: PartitionOwner, topic: string, partition: number, generation: number, memberId: string, position: bigint) {
    this.member = member;
    this.topic = topic;
    this.partition = partition;
    this.generation = generation;
    this.memberId = memberId;
    this.fetchOffset = position;
  }

  start(): void {
    this.done = this.loop();
  }

  get wantsRecords(): boolean {
    return !this.stopping && this.queue.length < QUEUE_LIMIT && this.queuedBytes < QUEUE_BYTES;
  }

  /** Records fetched from `fetchOffset` on; `next` is where the following fetch starts. */
  append(records: EventRecord<unknown>[], bytes: number, next: bigint): void {
    for (const record of records) this.queue.push(record);
    if (records.length) this.queuedBytes += bytes;
    this.fetchOffset = next;
    if (records.length) this.wakeup.wake();
  }

  /** After OFFSET_OUT_OF_RANGE (records deleted by retention). */
  restartAt(offset: bigint): void {
    this.clearQueue();
    this.fetchOffset = offset;
  }

  /** Lets the batch in flight finish and commit, then stops. */
  stop(): Promise<void> {
    this.stopping = true;
    this.wakeup.wake();
    this.interrupt.wake();
    return this.done;
  }

  private clearQueue(): void {
    this.queue = [];
    this.queuedBytes = 0;
  }

  private commit(offset: bigint): Promise<boolean> {
    return this.committing.run(() => this.member.commit(this, offset));
  }

  private async loop(): Promise<void> {
    const delay = backoffDelays({ initialMs: this.member.retryBackoffMs, maxMs: this.member.maxRetryBackoffMs });
    while (!this.stopping) {
      if (this.queue.length === 0) {
        await this.wakeup.wait(1000);
        continue;
      }
      const batch = this.queue.slice(0, this.member.maxBatch);
      try {
        await this.member.handler(batch);
      } catch (error) {
        this.member.onError(new Error(`handler of group "${this.member.group}" failed on ${this.topic}/${this.partition} at offset ${batch[0].offset}; the batch is offered again: ${describeError(error)}`, { cause: error }));
        if (this.stopping) break;
        await this.interrupt.wait(delay());
        continue;
      }
      delay.reset();
      const committed = await this.commit(BigInt(batch[batch.length - 1].offset) + 1n);
      this.queuedBytes = this.queue.length > batch.length ? Math.round(this.queuedBytes * (1 - batch.length / this.queue.length)) : 0;
      this.queue.splice(0, batch.length);
      if (!committed) break;
    }
    this.stopping = true;
  }
}
