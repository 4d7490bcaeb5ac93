/**
 * In-process, durable task queue.
 *
 * Each queue is a directory with a record log of publish / ack / retry records and a
 * second log of dead letters. Memory holds a small entry per unsettled message (sequence
 * number, attempt, next due time); bodies stay on disk, served from the log's in-memory
 * tail while consumers keep up. Opening a store replays the log: every message published
 * and neither acked nor dead-lettered is ready again, with the attempt count of its last
 * recorded retry.
 *
 * Space: segments are deleted from the front once every message in them is settled. A few
 * long-lived stragglers (say, waiting out a retry delay) would pin an old segment and all
 * later ones, so they are copied to the tail and the old segment freed.
 *
 * A handler runs for each delivery as it arrives, so a consumer runs up to `prefetch`
 * handlers at once. Consumer.close() waits for running handlers up to a grace period;
 * deliveries still unsettled after it go back to the queue for another consumer.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { RecordLog } from '../storage/record-log.ts';
import type { PayloadPart } from '../storage/frame.ts';
import { FRAME_HEADER_BYTES } from '../storage/frame.ts';
import { dirToName, listDirs, nameToDir, readJsonIfExists, writeJsonAtomic } from '../storage/files.ts';
import { lockDir } from '../storage/lock.ts';
import type { DirLock } from '../storage/lock.ts';
import type {
  ConsumeOptions,
  Consumer,
  DeadLetter,
  Delivery,
  Handler,
  PublishOptions,
  QueueDepth,
  QueueMessage,
  QueueOptions,
  TaskQueue,
} from './port.ts';

export interface EmbeddedTaskQueueOptions {
  /** Segment size of each queue's log. Default 16 MiB. */
  segmentBytes?: number;
  /** Recent message bytes per queue kept in memory for delivery. Default 32 MiB. */
  cacheBytes?: number;
  /** How long Consumer.close() waits for running handlers before handing their messages back. Default 10 s. */
  closeGraceMs?: number;
  /** Dead letters older than this are deleted (whole segments at a time). Default 30 days. */
  deadLetterRetentionMs?: number;
  /** Period of space reclamation and dead-letter expiry. Default 1 s. */
  maintenanceIntervalMs?: number;
}

export const DEFAULT_QUEUE_OPTIONS: Readonly<QueueOptions> = { maxAttempts: 5, retryDelayMs: 1000 };

const DEFAULTS = {
  segmentBytes: 16 * 1024 * 1024,
  cacheBytes: 32 * 1024 * 1024,
  closeGraceMs: 10_000,
  deadLetterRetentionMs: 30 * 24 * 3600 * 1000,
  maintenanceIntervalMs: 1000,
};
type Settings = typeof DEFAULTS;

/* ---------------------------------------------------------------- records */

const PUBLISH = 1;
const ACK = 2;
const RETRY = 3;
const DEAD = 4;

interface PublishMeta {
  id: string;
  h: Record<string, string>;
  at: number;
  /** Attempt and due time, present on copies of a message that had been retried. */
  a?: number;
  nb?: number;
  /** On a copy: the sequence number of the record it replaces. */
  from?: number;
}
interface AckMeta {
  s: number;
}
interface RetryMeta {
  s: number;
  a: number;
  nb: number;
}
interface DeadMeta {
  id: string;
  h: Record<string, string>;
  at: number;
  a: number;
  reason: string;
  deadAt: number;
  src: number;
}

interface Encoded {
  parts: PayloadPart[];
  bytes: number;
}

/** Layout: u8 type | u32 LE meta length | meta JSON | body JSON (publish and dead records only). */
function encodeRecord(type: number, meta: object, body?: PayloadPart): Encoded {
  const metaJson = JSON.stringify(meta);
  const head = Buffer.allocUnsafe(5);
  head[0] = type;
  const metaBytes = Buffer.byteLength(metaJson);
  head.writeUInt32LE(metaBytes, 1);
  if (body === undefined) return { parts: [head, metaJson], bytes: FRAME_HEADER_BYTES + 5 + metaBytes };
  const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  return { parts: [head, metaJson, body], bytes: FRAME_HEADER_BYTES + 5 + metaBytes + bodyBytes };
}

function decodeRecord<M>(payload: Buffer): { type: number; meta: M; body: Buffer } {
  const metaEnd = 5 + payload.readUInt32LE(1);
  return {
    type: payload[0],
    meta: JSON.parse(payload.toString('utf8', 5, metaEnd)) as M,
    body: payload.subarray(metaEnd),
  };
}

/* ------------------------------------------------------- small structures */

/** FIFO with O(1) push/shift and occasional compaction. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  unshift(item: T): void {
    if (this.head > 0) {
      this.head -= 1;
      this.items[this.head] = item;
    } else {
      this.items.unshift(item);
    }
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined as T;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** Min-heap on `at`. */
class TimeHeap<T extends { at: number }> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent].at <= items[i].at) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && items[l].at < items[m].at) m = l;
        if (r < items.length && items[r].at < items[m].at) m = r;
        if (m === i) break;
        [items[m], items[i]] = [items[i], items[m]];
        i = m;
      }
    }
    return top;
  }
}

/* ------------------------------------------------------------------ state */

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

interface DeliveryState {
  entry: Entry;
  consumer: LocalConsumer;
  settled: boolean;
}

interface SegmentLive {
  count: number;
  bytes: number;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function validateOptions(options: Partial<QueueOptions>): void {
  if (options.maxAttempts !== undefined && !(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${options.maxAttempts}`);
  }
  if (options.retryDelayMs !== undefined && !(Number.isFinite(options.retryDelayMs) && options.retryDelayMs >= 0)) {
    throw new RangeError(`retryDelayMs must be a number >= 0, got ${options.retryDelayMs}`);
  }
}

class LocalQueue {
  readonly name: string;
  options: QueueOptions;
  private readonly dir: string;
  private readonly settings: Settings;
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

  private constructor(name: string, dir: string, options: QueueOptions, settings: Settings, log: RecordLog, dead: RecordLog) {
    this.name = name;
    this.dir = dir;
    this.options = options;
    this.settings = settings;
    this.log = log;
    this.dead = dead;
  }

  static async open(name: string, dir: string, options: QueueOptions, settings: Settings): Promise<LocalQueue> {
    const log = await RecordLog.open(path.join(dir, 'log'), {
      segmentBytes: settings.segmentBytes,
      cacheBytes: settings.cacheBytes,
    });
    const dead = await RecordLog.open(path.join(dir, 'dead'), {
      segmentBytes: settings.segmentBytes,
      rollAfterMs: settings.deadLetterRetentionMs / 10,
      cacheBytes: 0,
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
    for (const seq of orphans) await this.log.append(encodeRecord(ACK, { s: seq } satisfies AckMeta).parts);
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
    if (delivery.settled || this.closed) return Promise.resolve();
    delivery.settled = true;
    delivery.consumer.forget(delivery);
    const entry = delivery.entry;
    this.inflight -= 1;
    let done: Promise<unknown>;
    if (reason === null) {
      this.entries.delete(entry.seq);
      this.countLive(entry, -1);
      done = this.log.append(encodeRecord(ACK, { s: entry.seq } satisfies AckMeta).parts);
      this.reclaimSoon();
    } else if (entry.attempt >= this.options.maxAttempts) {
      done = this.deadLetter(entry, reason);
    } else {
      const failed = entry.attempt;
      entry.attempt += 1;
      entry.notBefore = Date.now() + this.options.retryDelayMs * 2 ** (failed - 1);
      done = this.log.append(encodeRecord(RETRY, { s: entry.seq, a: entry.attempt, nb: entry.notBefore } satisfies RetryMeta).parts);
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
    this.entries.delete(entry.seq);
    this.countLive(entry, -1);
    this.reclaimSoon();
    await this.log.append(encodeRecord(ACK, { s: entry.seq } satisfies AckMeta).parts);
  }

  /** Hands an unsettled delivery back (its consumer went away); it counts as a redelivery. */
  release(delivery: DeliveryState): void {
    if (delivery.settled || this.closed) return;
    delivery.settled = true;
    delivery.consumer.forget(delivery);
    this.inflight -= 1;
    const entry = delivery.entry;
    entry.attempt += 1;
    entry.notBefore = 0;
    this.log.append(encodeRecord(RETRY, { s: entry.seq, a: entry.attempt, nb: 0 } satisfies RetryMeta).parts).catch(() => undefined);
    this.enqueue(entry, true);
    this.dispatch();
  }

  /** Puts a message whose record could not be read back after a pause, without counting an attempt. */
  requeueAfterError(delivery: DeliveryState): void {
    if (delivery.settled || this.closed) return;
    delivery.settled = true;
    delivery.consumer.forget(delivery);
    this.inflight -= 1;
    delivery.entry.notBefore = Date.now() + 1000;
    this.enqueue(delivery.entry, false);
    this.dispatch();
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
      void this.reclaim().finally(() => {
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

class LocalConsumer implements Consumer {
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
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.running]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    for (const delivery of [...this.deliveries]) this.queue.release(delivery);
  }

  /** The store is closing: stop at once, leaving unsettled messages to be redelivered after reopen. */
  abandon(): void {
    this.closing ??= Promise.resolve();
    this.deliveries.clear();
  }
}

export class EmbeddedTaskQueue implements TaskQueue {
  private readonly dir: string;
  private readonly settings: Settings;
  private readonly queues = new Map<string, LocalQueue>();
  private readonly declaring = new Map<string, Promise<LocalQueue>>();
  private readonly maintenance: NodeJS.Timeout;
  private readonly lock: DirLock;
  private closed = false;

  private constructor(dir: string, settings: Settings, lock: DirLock) {
    this.dir = dir;
    this.settings = settings;
    this.lock = lock;
    this.maintenance = setInterval(() => void this.maintain(), settings.maintenanceIntervalMs);
    this.maintenance.unref();
  }

  static async open(dir: string, options: EmbeddedTaskQueueOptions = {}): Promise<EmbeddedTaskQueue> {
    const settings: Settings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
      if (options[key] !== undefined) settings[key] = options[key];
    }
    await fs.mkdir(dir, { recursive: true });
    const store = new EmbeddedTaskQueue(dir, settings, await lockDir(dir, 'queue.lock'));
    try {
      for (const sub of await listDirs(dir)) {
        const saved = await readJsonIfExists<QueueOptions>(path.join(dir, sub, 'queue.json'));
        if (!saved) continue;
        const name = dirToName(sub);
        store.queues.set(name, await LocalQueue.open(name, path.join(dir, sub), { ...DEFAULT_QUEUE_OPTIONS, ...saved }, settings));
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async assertQueue(name: string, options: Partial<QueueOptions> = {}): Promise<void> {
    await this.declare(name, options);
  }

  private async declare(name: string, options: Partial<QueueOptions>): Promise<LocalQueue> {
    this.assertOpen();
    if (!name) throw new RangeError('queue name must not be empty');
    validateOptions(options);
    const pending = this.declaring.get(name);
    if (pending) await pending.catch(() => undefined);
    const existing = this.queues.get(name);
    if (existing) {
      const merged = { ...existing.options, ...definedOnly(options) };
      if (merged.maxAttempts !== existing.options.maxAttempts || merged.retryDelayMs !== existing.options.retryDelayMs) {
        existing.options = merged;
        await writeJsonAtomic(path.join(existing.directory, 'queue.json'), merged);
      }
      return existing;
    }
    const creating = (async () => {
      const dir = path.join(this.dir, nameToDir(name));
      await fs.mkdir(dir, { recursive: true });
      const queueOptions = { ...DEFAULT_QUEUE_OPTIONS, ...definedOnly(options) };
      const queue = await LocalQueue.open(name, dir, queueOptions, this.settings);
      await writeJsonAtomic(path.join(dir, 'queue.json'), queueOptions);
      this.queues.set(name, queue);
      return queue;
    })();
    this.declaring.set(name, creating);
    try {
      return await creating;
    } finally {
      this.declaring.delete(name);
    }
  }

  private async queue(name: string): Promise<LocalQueue> {
    return this.queues.get(name) ?? (await this.declare(name, {}));
  }

  async publish<T>(queue: string, body: T, options: PublishOptions = {}): Promise<string> {
    this.assertOpen();
    return (await this.queue(queue)).publish(body, options);
  }

  async consume<T>(queue: string, handler: Handler<T>, options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    if (!(Number.isInteger(options.prefetch) && options.prefetch >= 1)) {
      throw new RangeError(`prefetch must be an integer >= 1, got ${options.prefetch}`);
    }
    const local = await this.queue(queue);
    const consumer = new LocalConsumer(local, handler as Handler<unknown>, options.prefetch, this.settings.closeGraceMs);
    local.addConsumer(consumer);
    return consumer;
  }

  async deadLetters<T>(queue: string, limit = 100): Promise<DeadLetter<T>[]> {
    this.assertOpen();
    const local = this.queues.get(queue);
    return local ? local.deadLetters<T>(limit) : [];
  }

  async depth(queue: string): Promise<QueueDepth> {
    this.assertOpen();
    return this.queues.get(queue)?.depth() ?? { ready: 0, unacked: 0, deadLettered: 0 };
  }

  isReady(): boolean {
    if (this.closed) return false;
    for (const queue of this.queues.values()) if (queue.error) return false;
    return true;
  }

  /** Reclaims space and expires dead letters now; also runs periodically. */
  async maintain(): Promise<void> {
    for (const queue of this.queues.values()) await queue.maintain().catch(() => undefined);
  }

  /**
   * Stops every consumer at once (running handlers are not awaited; close consumers first
   * for a graceful stop), writes out pending records and releases the files. Unsettled
   * messages are delivered again after reopening.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.maintenance);
    await Promise.allSettled([...this.declaring.values()]);
    for (const queue of this.queues.values()) await queue.close();
    await this.lock.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('task queue is closed');
  }
}

function definedOnly(options: Partial<QueueOptions>): Partial<QueueOptions> {
  const out: Partial<QueueOptions> = {};
  if (options.maxAttempts !== undefined) out.maxAttempts = options.maxAttempts;
  if (options.retryDelayMs !== undefined) out.retryDelayMs = options.retryDelayMs;
  return out;
}
