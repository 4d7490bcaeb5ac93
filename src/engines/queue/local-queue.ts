/**
 * One queue of the embedded task queue.
 *
 * A queue is a directory with a record log of publish / ack / retry records and a
 * second log of dead letters. Memory holds a small entry per unsettled message (sequence
 * number, attempt, next due time); bodies stay on disk, served from the log's in-memory
 * tail while consumers keep up. Opening a queue replays the log: every message published
 * and neither acked nor dead-lettered is ready again, with the attempt count of its last
 * recorded retry.
 *
 * Space: segments are deleted from the front once every message in them is settled. A few
 * long-lived stragglers (say, waiting out a retry delay) would pin an old segment and all
 * later ones, so they are copied to the tail and the old segment freed.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { RecordLog } from '../storage/record-log.ts';
import { FRAME_HEADER_BYTES } from '../storage/frame.ts';
import type { DamageListener } from '../storage/damage.ts';
import type { LocalConsumer } from './consumer.ts';
import { Fifo } from './fifo.ts';
import type { DeadLetter, PublishOptions, QueueDepth, QueueMessage, QueueOptions } from './port.ts';
import { retryDelayFor } from './queue-options.ts';
import { ACK, DEAD, PUBLISH, RETRY, ackRecord, decodeRecord, encodeRecord, retryRecord } from './records.ts';
import type { AckMeta, DeadMeta, PublishMeta, RetryMeta } from './records.ts';
import { TimeHeap } from './time-heap.ts';

/** The store-wide settings a queue uses. */
export interface QueueStorage {
  segmentBytes: number;
  cacheBytes: number;
  deadLetterRetentionMs: number;
  onDamage?: DamageListener;
}

type EntryState = 'ready' | 'waiting' | 'inflight' | 'moving' | 'dying';

interface Entry {
  seq: number;
  /** Base of the log segment holding the record. */
  segment: number;
  bytes: number;
  /** Attempt number of the next delivery. */
  attempt: number;
  notBefore: number;
  state: EntryState;
  /** Bumped on every (re)queueing so stale references in the FIFO or the heap are skipped. */
  ticket: number;
}

interface Ticketed {
  entry: Entry;
  ticket: number;
  at: number;
}

export interface DeliveryState {
  entry: Entry;
  consumer: LocalConsumer;
  settled: boolean;
}

interface SegmentLive {
  count: number;
  bytes: number;
}

export class LocalQueue {
  readonly name: string;
  options: QueueOptions;
  private readonly dir: string;
  private readonly settings: QueueStorage;
  private readonly log: RecordLog;
  private readonly dead: RecordLog;
  private readonly entries = new Map<number, Entry>();
  private readonly ready = new Fifo<Ticketed>();
  private readonly waiting = new TimeHeap<Ticketed>();
  private readonly live = new Map<number, SegmentLive>();
  private consumers: LocalConsumer[] = [];
  private nextConsumer = 0;
  private inflight = 0;
  private dying = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private reclaiming = false;
  private closed = false;

  private constructor(name: string, dir: string, options: QueueOptions, settings: QueueStorage, log: RecordLog, dead: RecordLog) {
    this.name = name;
    this.dir = dir;
    this.options = options;
    this.settings = settings;
    this.log = log;
    this.dead = dead;
  }

  static async open(name: string, dir: string, options: QueueOptions, settings: QueueStorage): Promise<LocalQueue> {
    const log = await RecordLog.open(path.join(dir, 'log'), {
      segmentBytes: settings.segmentBytes,
      cacheBytes: settings.cacheBytes,
      onDamage: settings.onDamage,
    });
    const dead = await RecordLog.open(path.join(dir, 'dead'), {
      segmentBytes: settings.segmentBytes,
      rollAfterMs: settings.deadLetterRetentionMs / 10,
      cacheBytes: 0,
      onDamage: settings.onDamage,
    });
    const queue = new LocalQueue(name, dir, options, settings, log, dead);
    await queue.recover();
    return queue;
  }

  private async recover(): Promise<void> {
    const found = new Map<number, { segment: number; bytes: number; attempt: number; notBefore: number }>();
    await this.log.scan(this.log.start, (record, segment) => {
      const { type, meta } = decodeRecord<PublishMeta & AckMeta & RetryMeta>(record.payload);
      if (type === PUBLISH) {
        if (meta.from !== undefined) found.delete(meta.from);
        found.set(record.seq, {
          segment,
          bytes: record.payload.length + FRAME_HEADER_BYTES,
          attempt: meta.a ?? 1,
          notBefore: meta.nb ?? 0,
        });
      } else if (type === ACK) {
        found.delete(meta.s);
      } else if (type === RETRY) {
        const entry = found.get(meta.s);
        if (entry) {
          entry.attempt = meta.a;
          entry.notBefore = meta.nb;
        }
      }
    });
    // A crash between writing a dead letter and acking its source leaves both; the dead letter wins.
    const orphans: number[] = [];
    await this.dead.scan(this.dead.start, (record) => {
      const { meta } = decodeRecord<DeadMeta>(record.payload);
      if (found.delete(meta.src)) orphans.push(meta.src);
    });
    for (const [seq, e] of found) this.add(seq, e.segment, e.bytes, e.attempt, e.notBefore);
    for (const seq of orphans) await this.log.append(ackRecord(seq));
  }

  /* ----------------------------------------------------------- publishing */

  async publish(body: unknown, options: PublishOptions): Promise<string> {
    const id = options.id ?? randomUUID();
    const at = Date.now();
    const meta: PublishMeta = { id, h: { ...options.headers }, at };
    const record = encodeRecord(PUBLISH, meta, JSON.stringify(body) ?? 'null');
    const seq = await this.log.append(record.parts, at);
    if (!this.closed) {
      this.add(seq, this.log.segmentOf(seq), record.bytes, 1, 0);
      this.dispatch();
    }
    return id;
  }

  private add(seq: number, segment: number, bytes: number, attempt: number, notBefore: number): void {
    const entry: Entry = { seq, segment, bytes, attempt, notBefore, state: 'ready', ticket: 0 };
    this.entries.set(seq, entry);
    this.countLive(entry, 1);
    this.enqueue(entry, false);
  }

  private countLive(entry: Entry, sign: 1 | -1): void {
    const live = this.live.get(entry.segment) ?? { count: 0, bytes: 0 };
    live.count += sign;
    live.bytes += sign * entry.bytes;
    this.live.set(entry.segment, live);
  }

  private enqueue(entry: Entry, front: boolean): void {
    entry.ticket += 1;
    const item: Ticketed = { entry, ticket: entry.ticket, at: entry.notBefore };
    if (entry.notBefore > Date.now()) {
      entry.state = 'waiting';
      this.waiting.push(item);
      this.armTimer();
    } else {
      entry.state = 'ready';
      if (front) this.ready.unshift(item);
      else this.ready.push(item);
    }
  }

  private armTimer(): void {
    const next = this.waiting.peek();
    if (!next || this.closed || next.at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next.at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.promoteDue();
      this.armTimer();
      this.dispatch();
    }, Math.max(0, next.at - Date.now()));
  }

  private promoteDue(): void {
    const now = Date.now();
    for (let item = this.waiting.peek(); item && item.at <= now; item = this.waiting.peek()) {
      this.waiting.pop();
      if (item.ticket !== item.entry.ticket || item.entry.state !== 'waiting') continue;
      this.enqueue(item.entry, false);
    }
  }

  /* ------------------------------------------------------------ consuming */

  addConsumer(consumer: LocalConsumer): void {
    this.consumers.push(consumer);
    this.dispatch();
  }

  removeConsumer(consumer: LocalConsumer): void {
    this.consumers = this.consumers.filter((c) => c !== consumer);
  }

  dispatch(): void {
    while (!this.closed && this.consumers.length > 0) {
      const consumer = this.pickConsumer();
      if (!consumer) return;
      const entry = this.takeReady();
      if (!entry) return;
      entry.state = 'inflight';
      this.inflight += 1;
      consumer.deliver({ entry, consumer, settled: false });
    }
  }

  private pickConsumer(): LocalConsumer | null {
    const n = this.consumers.length;
    for (let i = 0; i < n; i += 1) {
      const index = (this.nextConsumer + i) % n;
      const consumer = this.consumers[index];
      if (consumer.hasCapacity()) {
        this.nextConsumer = (index + 1) % n;
        return consumer;
      }
    }
    return null;
  }

  private takeReady(): Entry | null {
    for (let item = this.ready.shift(); item; item = this.ready.shift()) {
      if (item.ticket === item.entry.ticket && item.entry.state === 'ready') return item.entry;
    }
    return null;
  }

  async load(entry: Entry): Promise<Omit<QueueMessage, 'attempt'>> {
    const payload = await this.readPayload(entry.seq);
    const { meta, body } = decodeRecord<PublishMeta>(payload);
    return {
      id: meta.id,
      queue: this.name,
      body: JSON.parse(body.toString('utf8')) as unknown,
      headers: { ...meta.h },
      publishedAt: meta.at,
    };
  }

  private async readPayload(seq: number): Promise<Buffer> {
    const [record] = await this.log.read(seq, 1);
    if (!record || record.seq !== seq) throw new Error(`message record ${seq} of queue ${this.name} is missing`);
    return record.payload;
  }

  /** Settles a delivery: ack when `reason` is null, nack otherwise. Late or repeated settles do nothing. */
  settle(delivery: DeliveryState, reason: string | null): Promise<void> {
    if (!this.markSettled(delivery)) return Promise.resolve();
    const entry = delivery.entry;
    let done: Promise<unknown>;
    if (reason === null) {
      done = this.acknowledge(entry);
    } else if (entry.attempt >= this.options.maxAttempts) {
      done = this.deadLetter(entry, reason);
    } else {
      const failed = entry.attempt;
      entry.attempt += 1;
      entry.notBefore = Date.now() + retryDelayFor(this.options, failed);
      done = this.log.append(retryRecord(entry.seq, entry.attempt, entry.notBefore));
      this.enqueue(entry, false);
    }
    this.dispatch();
    return done.then(() => undefined);
  }

  private async deadLetter(entry: Entry, reason: string): Promise<void> {
    entry.state = 'dying';
    this.dying += 1;
    try {
      const { meta, body } = decodeRecord<PublishMeta>(await this.readPayload(entry.seq));
      const deadAt = Date.now();
      const deadMeta: DeadMeta = { id: meta.id, h: meta.h, at: meta.at, a: entry.attempt, reason, deadAt, src: entry.seq };
      // The dead letter must be durable before the source may be acked and its segment deleted.
      await this.dead.append(encodeRecord(DEAD, deadMeta, body).parts, deadAt);
    } catch (error) {
      this.dying -= 1;
      if (!this.closed) {
        entry.notBefore = Date.now() + Math.max(this.options.retryDelayMs, 1000);
        this.enqueue(entry, false);
      }
      throw error;
    }
    this.dying -= 1;
    await this.acknowledge(entry);
  }

  /** Forgets a settled message and records its ack; its segment can go once no other message pins it. */
  private acknowledge(entry: Entry): Promise<number> {
    this.entries.delete(entry.seq);
    this.countLive(entry, -1);
    this.reclaimSoon();
    return this.log.append(ackRecord(entry.seq));
  }

  /** Hands an unsettled delivery back (its consumer went away); it counts as a redelivery. */
  release(delivery: DeliveryState): void {
    if (!this.markSettled(delivery)) return;
    const entry = delivery.entry;
    entry.attempt += 1;
    entry.notBefore = 0;
    this.log.append(retryRecord(entry.seq, entry.attempt, 0)).catch(() => undefined);
    this.enqueue(entry, true);
    this.dispatch();
  }

  /** Puts a message whose record could not be read back after a pause, without counting an attempt. */
  requeueAfterError(delivery: DeliveryState): void {
    if (!this.markSettled(delivery)) return;
    delivery.entry.notBefore = Date.now() + 1000;
    this.enqueue(delivery.entry, false);
    this.dispatch();
  }

  /** Ends a delivery and frees its consumer's slot; false when it had ended already or the queue is closed. */
  private markSettled(delivery: DeliveryState): boolean {
    if (delivery.settled || this.closed) return false;
    delivery.settled = true;
    delivery.consumer.forget(delivery);
    this.inflight -= 1;
    return true;
  }

  /* ---------------------------------------------------------- inspection */

  depth(): QueueDepth {
    return {
      ready: this.entries.size - this.inflight - this.dying,
      unacked: this.inflight + this.dying,
      deadLettered: this.dead.end - this.dead.start,
    };
  }

  async deadLetters<T>(limit: number): Promise<DeadLetter<T>[]> {
    const records = await this.dead.read(this.dead.start, limit);
    return records.map((record) => {
      const { meta, body } = decodeRecord<DeadMeta>(record.payload);
      return {
        id: meta.id,
        queue: this.name,
        body: JSON.parse(body.toString('utf8')) as T,
        headers: { ...meta.h },
        attempt: meta.a,
        publishedAt: meta.at,
        reason: meta.reason,
        deadAt: meta.deadAt,
      };
    });
  }

  get error(): Error | null {
    return this.log.error ?? this.dead.error;
  }

  /* --------------------------------------------------------------- space */

  private reclaimSoon(): void {
    if (this.reclaiming) return;
    this.reclaiming = true;
    setImmediate(() => {
      // Reclaiming space is housekeeping: a failure is retried on the next settle, never fatal.
      this.reclaim()
        .catch(() => undefined)
        .finally(() => {
          this.reclaiming = false;
        });
    });
  }

  /** Deletes leading segments in which every message is settled. */
  private async reclaim(): Promise<void> {
    if (this.closed) return;
    const segments = this.log.segments();
    let cut = -1;
    for (let i = 0; i < segments.length - 1; i += 1) {
      if ((this.live.get(segments[i].base)?.count ?? 0) > 0) break;
      cut = segments[i + 1].base;
    }
    if (cut < 0) return;
    await this.log.deleteBefore(cut);
    for (const base of this.live.keys()) if (base < cut) this.live.delete(base);
  }

  async maintain(): Promise<void> {
    if (this.closed) return;
    await this.reclaim();
    await this.relocateStragglers();
    const cutoff = Date.now() - this.settings.deadLetterRetentionMs;
    const expired = this.dead.segments().filter((s) => !s.active && s.modifiedAt < cutoff);
    if (expired.length > 0) await this.dead.deleteBefore(expired[expired.length - 1].end);
  }

  /**
   * When the oldest segment is mostly settled but a few waiting messages pin it, copies
   * them to the tail so it can go. A large live share means a real backlog: left alone.
   */
  private async relocateStragglers(): Promise<void> {
    const segments = this.log.segments();
    if (segments.length < 3) return;
    const head = segments[0];
    const live = this.live.get(head.base);
    if (!live || live.count === 0 || live.bytes * 4 > head.bytes) return;
    const movable: Entry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.seq >= head.end) break;
      if (entry.state === 'ready' || entry.state === 'waiting') movable.push(entry);
    }
    await Promise.all(movable.map((entry) => this.relocate(entry)));
    await this.reclaim();
  }

  private async relocate(entry: Entry): Promise<void> {
    const previous = { state: entry.state, seq: entry.seq };
    entry.state = 'moving';
    entry.ticket += 1;
    try {
      const { meta, body } = decodeRecord<PublishMeta>(await this.readPayload(entry.seq));
      const copy: PublishMeta = { id: meta.id, h: meta.h, at: meta.at, a: entry.attempt, nb: entry.notBefore, from: entry.seq };
      const record = encodeRecord(PUBLISH, copy, body);
      const seq = await this.log.append(record.parts, meta.at);
      if (this.closed) return;
      this.countLive(entry, -1);
      this.entries.delete(previous.seq);
      entry.seq = seq;
      entry.segment = this.log.segmentOf(seq);
      entry.bytes = record.bytes;
      this.entries.set(seq, entry);
      this.countLive(entry, 1);
    } finally {
      if (!this.closed) {
        this.enqueue(entry, previous.state === 'ready');
        this.dispatch();
      }
    }
  }

  /* ------------------------------------------------------------ lifecycle */

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const consumer of this.consumers) consumer.abandon();
    this.consumers = [];
    await this.log.close();
    await this.dead.close();
  }

  get directory(): string {
    return this.dir;
  }
}
