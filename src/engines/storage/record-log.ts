/**
 * A durable, append-only log of opaque records numbered 0, 1, 2, ... (sequence numbers),
 * stored as segment files named after their first sequence number.
 *
 * - append() resolves only once the record is on disk; appends issued while a write is
 *   in progress are batched into the next write and share one fdatasync (group commit).
 * - Each record carries a numeric stamp (a time, usually) kept in the index, so callers can
 *   search by time without decoding payloads.
 * - Opening verifies the last segment frame by frame and truncates a torn tail left by a
 *   crash mid-write; earlier segments were fsynced before the next one was created.
 * - A record damaged in the middle of a segment (intact frames follow it) is not a torn
 *   tail: its sequence number becomes a hole that readers skip, its bytes are copied to a
 *   `.quarantine` file beside the segment and `onDamage` is told (damage.ts).
 * - Recently appended records stay in memory, so readers that keep up never touch the disk.
 * - Space is reclaimed by deleting whole segments from the front (deleteBefore).
 * - A full disk (ENOSPC, EDQUOT) fails the appends under way with DiskFullError and cuts
 *   their partial bytes off again; the log stays usable and `error` reports the condition
 *   until a write succeeds or the file system has room again (checked every second).
 *
 * Single writer: one process owns a log directory at a time.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { Segment } from './segment.ts';
import { FRAME_HEADER_BYTES, decodeFrame, encodeFrame, frameSizeAt, readExactly, scanFrames } from './frame.ts';
import type { DamagedRange, PayloadPart } from './frame.ts';
import { mkdirDurable, syncDir } from './files.ts';
import { quarantine } from './damage.ts';
import { DiskFullError, isDiskFull } from '../shared/unavailable.ts';
import type { DamageListener } from './damage.ts';
import type { DamageHandler } from './segment.ts';

export interface RecordLogOptions {
  /** A segment is sealed and a new one started once it would grow beyond this. Default 64 MiB. */
  segmentBytes?: number;
  /** A non-empty segment older than this is sealed on the next append, so age-based deletion can act. */
  rollAfterMs?: number;
  /** Bytes of recent records kept in memory for readers. Default 16 MiB. */
  cacheBytes?: number;
  /** Told of every damaged range found in a segment (the log skips it and goes on). */
  onDamage?: DamageListener;
}

export interface LogRecord {
  seq: number;
  stamp: number;
  payload: Buffer;
}

export interface SegmentInfo {
  base: number;
  end: number;
  bytes: number;
  modifiedAt: number;
  /** The segment still being appended to; it is never deleted. */
  active: boolean;
}

interface PendingAppend {
  seq: number;
  stamp: number;
  frame: Buffer;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

interface CachedRecord {
  stamp: number;
  payload: Buffer;
}

const SEGMENT_SUFFIX = '.seg';
const MAX_SEGMENT_BYTES = 2 ** 31;
const MAX_BUFFERS_PER_WRITE = 512;
/** Room a full disk must have again before the log reports itself usable. */
const MIN_FREE_BYTES = 64 * 1024;

function segmentFileName(base: number): string {
  return `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

export class RecordLog {
  readonly dir: string;
  private readonly segmentBytes: number;
  private readonly rollAfterMs: number;
  private readonly cacheLimit: number;
  private readonly segmentList: Segment[];
  private activeHandle: FileHandle;
  private activeSince = Date.now();
  private nextSeq: number;
  private durableEnd: number;
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private failure: Error | null = null;
  private diskFull: DiskFullError | null = null;
  private spaceProbe: NodeJS.Timeout | null = null;
  private closed = false;
  private waiters = new Set<{ seq: number; wake: () => void }>();
  private cache: CachedRecord[] = [];
  private cacheHead = 0;
  private cacheStart: number;
  private cacheBytes = 0;
  private readonly onDamage: DamageHandler;

  private constructor(dir: string, options: RecordLogOptions, segments: Segment[], activeHandle: FileHandle) {
    this.dir = dir;
    this.onDamage = damageHandler(options.onDamage);
    this.segmentBytes = Math.min(options.segmentBytes ?? 64 * 1024 * 1024, MAX_SEGMENT_BYTES);
    this.rollAfterMs = options.rollAfterMs ?? Infinity;
    this.cacheLimit = options.cacheBytes ?? 16 * 1024 * 1024;
    this.segmentList = segments;
    this.activeHandle = activeHandle;
    const end = segments[segments.length - 1].end;
    this.nextSeq = end;
    this.durableEnd = end;
    this.cacheStart = end;
  }

  static async open(dir: string, options: RecordLogOptions = {}): Promise<RecordLog> {
    await mkdirDurable(dir);
    const bases = (await fs.readdir(dir))
      .filter((name) => name.endsWith(SEGMENT_SUFFIX))
      .map((name) => Number(name.slice(0, -SEGMENT_SUFFIX.length)))
      .filter((base) => Number.isSafeInteger(base))
      .sort((a, b) => a - b);
    if (bases.length === 0) {
      const fh = await fs.open(path.join(dir, segmentFileName(0)), 'wx+');
      await syncDir(dir);
      const segment = new Segment(0, path.join(dir, segmentFileName(0)), 0, 0, Date.now(), fh);
      segment.resetIndex();
      return new RecordLog(dir, options, [segment], fh);
    }
    const segments: Segment[] = [];
    for (let i = 0; i < bases.length - 1; i += 1) {
      const file = path.join(dir, segmentFileName(bases[i]));
      const stat = await fs.stat(file);
      segments.push(new Segment(bases[i], file, bases[i + 1] - bases[i], stat.size, stat.mtimeMs, null));
    }
    const lastBase = bases[bases.length - 1];
    const lastFile = path.join(dir, segmentFileName(lastBase));
    const fh = await fs.open(lastFile, 'r+');
    const stat = await fh.stat();
    const last = new Segment(lastBase, lastFile, 0, 0, stat.mtimeMs, fh);
    last.resetIndex();
    const damaged: { range: DamagedRange; seq: number }[] = [];
    let lastStamp = 0;
    const validEnd = await scanFrames(
      fh, 0, stat.size,
      (frame) => {
        last.indexFrame(last.count, frame.position, frame.stamp);
        last.count += 1;
        lastStamp = frame.stamp;
      },
      (range) => {
        damaged.push({ range, seq: last.end });
        last.damaged.add(last.end);
        last.indexFrame(last.count, range.start, lastStamp);
        last.count += 1;
      },
    );
    for (const { range, seq } of damaged) await damageHandler(options.onDamage)(fh, lastFile, range, seq, 1);
    last.bytes = validEnd;
    if (validEnd < stat.size) {
      // A torn tail: the write was cut short by a crash and its append never resolved.
      await fh.truncate(validEnd);
      await fh.datasync();
    }
    segments.push(last);
    return new RecordLog(dir, options, segments, fh);
  }

  /** First sequence number still stored. */
  get start(): number {
    return this.segmentList[0].base;
  }

  /** One past the last durable record: readers see records below this. */
  get end(): number {
    return this.durableEnd;
  }

  /** Bytes on disk across all segments. */
  get size(): number {
    let total = 0;
    for (const segment of this.segmentList) total += segment.bytes;
    return total;
  }

  /**
   * Why the log cannot take appends now: the error that stopped writing for good (every
   * append fails), or a full disk (appends are still tried, and succeed once there is room).
   */
  get error(): Error | null {
    return this.failure ?? this.diskFull;
  }

  segments(): SegmentInfo[] {
    const last = this.segmentList.length - 1;
    return this.segmentList.map((s, i) => ({
      base: s.base,
      end: s.end,
      bytes: s.bytes,
      modifiedAt: s.modifiedAt,
      active: i === last,
    }));
  }

  /** Base of the segment holding `seq` (which must be stored). */
  segmentOf(seq: number): number {
    return this.segmentList[this.indexOfSegment(seq)].base;
  }

  /**
   * Appends one record made of `parts` (concatenated). Resolves with its sequence number
   * once it is durable. Sequence numbers follow call order.
   */
  append(parts: readonly PayloadPart[], stamp: number = Date.now()): Promise<number> {
    if (this.closed) return Promise.reject(new Error(`record log ${this.dir} is closed`));
    if (this.failure) return Promise.reject(this.failure);
    let frame: Buffer;
    try {
      frame = encodeFrame(parts, stamp);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const seq = this.nextSeq;
    this.nextSeq += 1;
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ seq, stamp, frame, resolve, reject });
      if (!this.flushing) {
        // setImmediate lets appends issued in the same turn join the first write.
        this.flushing = new Promise<void>((done) => setImmediate(() => void this.flushLoop().finally(done)));
      }
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failure) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.writeBatch(batch);
          this.clearDiskFull();
        } catch (error) {
          if (isDiskFull(error)) {
            await this.giveBackSpace(batch, error);
            continue;
          }
          this.failure = error instanceof Error ? error : new Error(String(error));
          for (const item of batch) if (item.seq >= this.durableEnd) item.reject(this.failure);
        }
      }
      if (this.failure) {
        for (const item of this.pending) item.reject(this.failure);
        this.pending = [];
      }
    } finally {
      this.flushing = null;
    }
  }

  /**
   * After a write or sync failed for lack of space: fails every append not yet durable
   * (later ones included, so that sequence numbers stay gapless) and cuts the partial
   * bytes off, so that neither a reader nor a restart takes them for records.
   */
  private async giveBackSpace(batch: PendingAppend[], error: unknown): Promise<void> {
    const full = new DiskFullError('embedded storage', this.dir, error);
    const failed = [...batch.filter((item) => item.seq >= this.durableEnd), ...this.pending];
    this.pending = [];
    this.nextSeq = this.durableEnd;
    for (const item of failed) item.reject(full);
    this.diskFull = full;
    this.spaceProbe ??= setInterval(() => void this.probeSpace(), 1000).unref();
    const active = this.segmentList[this.segmentList.length - 1];
    await this.activeHandle.truncate(active.bytes).catch(() => undefined);
  }

  private async probeSpace(): Promise<void> {
    const stats = await fs.statfs(this.dir).catch(() => undefined);
    if (stats && stats.bavail * stats.bsize >= MIN_FREE_BYTES) this.clearDiskFull();
  }

  private clearDiskFull(): void {
    this.diskFull = null;
    if (this.spaceProbe) clearInterval(this.spaceProbe);
    this.spaceProbe = null;
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    let i = 0;
    while (i < batch.length) {
      let active = this.segmentList[this.segmentList.length - 1];
      const tooOld = Date.now() - this.activeSince > this.rollAfterMs;
      if (active.count > 0 && (tooOld || active.bytes + batch[i].frame.length > this.segmentBytes)) {
        await this.roll();
        active = this.segmentList[this.segmentList.length - 1];
      }
      let j = i;
      let size = active.bytes;
      while (j < batch.length && (j === i || size + batch[j].frame.length <= this.segmentBytes)) {
        size += batch[j].frame.length;
        j += 1;
      }
      await this.writeAll(batch, i, j, active.bytes);
      await this.activeHandle.datasync();
      let position = active.bytes;
      for (let k = i; k < j; k += 1) {
        const item = batch[k];
        active.indexFrame(active.count, position, item.stamp);
        active.count += 1;
        position += item.frame.length;
        this.remember(item);
      }
      active.bytes = position;
      active.modifiedAt = Date.now();
      this.durableEnd = batch[j - 1].seq + 1;
      for (let k = i; k < j; k += 1) batch[k].resolve(batch[k].seq);
      this.wakeWaiters();
      i = j;
    }
  }

  private async writeAll(batch: PendingAppend[], from: number, to: number, position: number): Promise<void> {
    for (let i = from; i < to; i += MAX_BUFFERS_PER_WRITE) {
      let buffers = batch.slice(i, Math.min(to, i + MAX_BUFFERS_PER_WRITE)).map((item) => item.frame);
      let remaining = buffers.reduce((sum, b) => sum + b.length, 0);
      while (remaining > 0) {
        const { bytesWritten } = await this.activeHandle.writev(buffers, position);
        position += bytesWritten;
        remaining -= bytesWritten;
        if (remaining > 0) buffers = dropBytes(buffers, bytesWritten);
      }
    }
  }

  private async roll(): Promise<void> {
    const previous = this.segmentList[this.segmentList.length - 1];
    const base = previous.end;
    const file = path.join(this.dir, segmentFileName(base));
    // 'w+', not 'wx+': a roll that failed for lack of space may have left this (empty) file behind.
    const fh = await fs.open(file, 'w+');
    try {
      await syncDir(this.dir);
    } catch (error) {
      await fh.close();
      throw error;
    }
    const segment = new Segment(base, file, 0, 0, Date.now(), fh);
    segment.resetIndex();
    this.segmentList.push(segment);
    this.activeHandle = fh;
    this.activeSince = Date.now();
  }

  private remember(item: PendingAppend): void {
    if (this.cacheLimit <= 0) return;
    if (this.cacheStart + (this.cache.length - this.cacheHead) !== item.seq) {
      this.cache = [];
      this.cacheHead = 0;
      this.cacheBytes = 0;
      this.cacheStart = item.seq;
    }
    const payload = item.frame.subarray(FRAME_HEADER_BYTES);
    this.cache.push({ stamp: item.stamp, payload });
    this.cacheBytes += item.frame.length;
    while (this.cacheBytes > this.cacheLimit && this.cacheHead < this.cache.length) {
      const evicted = this.cache[this.cacheHead];
      this.cache[this.cacheHead] = undefined as unknown as CachedRecord;
      this.cacheHead += 1;
      this.cacheStart += 1;
      this.cacheBytes -= evicted.payload.length + FRAME_HEADER_BYTES;
    }
    if (this.cacheHead > 4096 && this.cacheHead * 2 > this.cache.length) {
      this.cache = this.cache.slice(this.cacheHead);
      this.cacheHead = 0;
    }
  }

  /**
   * Up to `maxRecords` durable records from `from` (clamped to start; damaged records are
   * skipped, so sequence numbers may jump), stopping early once
   * `maxBytes` of payload are gathered (at least one record is always returned).
   */
  async read(from: number, maxRecords: number, maxBytes: number = 16 * 1024 * 1024): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    let seq = Math.max(from, this.start);
    let to = Math.min(this.durableEnd, seq + Math.max(0, maxRecords));
    let bytes = 0;
    while (seq < to && (out.length === 0 || bytes < maxBytes)) {
      const cached = this.cached(seq);
      if (cached) {
        out.push({ seq, stamp: cached.stamp, payload: cached.payload });
        bytes += cached.payload.length;
        seq += 1;
        continue;
      }
      if (seq < this.start) {
        seq = this.start;
        continue;
      }
      const limit = Math.min(to, this.cacheStart > seq ? this.cacheStart : to);
      let got: number;
      const had = out.length;
      try {
        got = await this.readFromDisk(seq, limit, maxBytes - bytes, out);
      } catch (error) {
        // The segment may have been deleted while we waited; carry on from the new start.
        if (seq < this.start) continue;
        throw error;
      }
      if (got === 0) break;
      for (let k = had; k < out.length; k += 1) bytes += out[k].payload.length;
      seq += got;
      // Damaged records skipped do not count towards maxRecords.
      to = Math.min(this.durableEnd, to + got - (out.length - had));
    }
    return out;
  }

  private cached(seq: number): CachedRecord | undefined {
    if (seq < this.cacheStart) return undefined;
    return this.cache[this.cacheHead + (seq - this.cacheStart)];
  }

  /** Reads records [from, to) of one segment into `out`, skipping damaged ones; returns how many sequence numbers it went past. */
  private async readFromDisk(from: number, to: number, maxBytes: number, out: LogRecord[]): Promise<number> {
    const segment = this.segmentList[this.indexOfSegment(from)];
    const fh = await segment.acquire();
    try {
      await segment.ensureIndex(this.onDamage);
      const last = Math.min(to, segment.end);
      const startAt = segment.positionOf(from);
      let stop = from + 1;
      while (stop < last && segment.positionOf(stop) - startAt < maxBytes) stop += 1;
      const endAt = segment.positionOf(stop);
      const buf = await readExactly(fh, startAt, endAt - startAt);
      for (let seq = from; seq < stop; seq += 1) {
        if (segment.isDamaged(seq)) continue;
        const at = segment.positionOf(seq) - startAt;
        const size = frameSizeAt(buf, at);
        const frame = size > 0 && at + size <= buf.length ? decodeFrame(buf, at, startAt + at) : null;
        if (!frame) throw new Error(`record ${seq} in ${segment.file} at byte offset ${startAt + at} is damaged`);
        out.push({ seq, stamp: frame.stamp, payload: frame.payload });
      }
      return stop - from;
    } finally {
      segment.release();
    }
  }

  /**
   * Visits every stored record from `from` in order, reading segments sequentially; meant
   * for rebuilding state when a log is opened.
   */
  async scan(from: number, visit: (record: LogRecord, segmentBase: number) => void): Promise<void> {
    for (const segment of [...this.segmentList]) {
      if (segment.end <= from) continue;
      const fh = await segment.acquire();
      try {
        // The index (built here for a sealed segment) knows the damaged records; frames are matched to it by position.
        await segment.ensureIndex(this.onDamage);
        let seq = segment.base;
        const limit = segment.end;
        await scanFrames(
          fh, 0, segment.bytes,
          (frame) => {
            while (seq < limit && (segment.isDamaged(seq) || segment.positionOf(seq) < frame.position)) seq += 1;
            if (seq >= from && seq < limit) visit({ seq, stamp: frame.stamp, payload: frame.payload }, segment.base);
            seq += 1;
          },
          () => undefined,
        );
      } finally {
        segment.release();
      }
    }
  }

  /**
   * First sequence number whose stamp is >= `stamp`, or end if none. Assumes stamps grow
   * roughly with sequence numbers (true for append times): whole segments are skipped by
   * their first stamp, then the candidate segments are searched record by record.
   */
  async seqForStamp(stamp: number): Promise<number> {
    let first = 0;
    for (let i = this.segmentList.length - 1; i > 0; i -= 1) {
      const segment = this.segmentList[i];
      if (segment.count === 0) continue;
      if ((await this.firstStamp(segment)) < stamp) {
        first = i;
        break;
      }
    }
    for (let i = first; i < this.segmentList.length; i += 1) {
      const segment = this.segmentList[i];
      if (segment.count === 0) continue;
      const fh = await segment.acquire().catch(() => null);
      if (!fh) continue;
      try {
        await segment.ensureIndex(this.onDamage);
        const end = Math.min(segment.end, this.durableEnd);
        for (let seq = segment.base; seq < end; seq += 1) if (segment.stampOf(seq) >= stamp) return seq;
      } finally {
        segment.release();
      }
    }
    return this.durableEnd;
  }

  private async firstStamp(segment: Segment): Promise<number> {
    if (segment.indexed) return segment.stampOf(segment.base);
    const fh = await segment.acquire();
    try {
      return (await readExactly(fh, 0, FRAME_HEADER_BYTES)).readDoubleLE(8);
    } finally {
      segment.release();
    }
  }

  /** Deletes whole segments that hold only records below `seq`. The active segment stays. */
  async deleteBefore(seq: number): Promise<number> {
    let deleted = 0;
    while (this.segmentList.length > 1 && this.segmentList[0].end <= seq) {
      const segment = this.segmentList.shift() as Segment;
      await segment.retire();
      deleted += 1;
    }
    return deleted;
  }

  /** Resolves once a record at or beyond `seq` is durable, or when `signal` aborts. */
  waitFor(seq: number, signal?: AbortSignal): Promise<void> {
    if (this.durableEnd > seq || this.closed || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = {
        seq,
        wake: () => {
          this.waiters.delete(waiter);
          signal?.removeEventListener('abort', waiter.wake);
          resolve();
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', waiter.wake, { once: true });
    });
  }

  private wakeWaiters(): void {
    for (const waiter of this.waiters) if (this.durableEnd > waiter.seq) waiter.wake();
  }

  /** Waits for pending appends to reach the disk, then releases files. Later appends fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing) await this.flushing;
    this.closed = true;
    this.clearDiskFull();
    for (const waiter of this.waiters) waiter.wake();
    for (const segment of this.segmentList) await segment.closeHandle();
    this.cache = [];
  }

  private indexOfSegment(seq: number): number {
    const list = this.segmentList;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (list[mid].base <= seq) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function damageHandler(listener: DamageListener | undefined): DamageHandler {
  return (fh, file, range, firstSeq, records) => quarantine(fh, file, range, firstSeq, records, listener);
}

function dropBytes(buffers: Buffer[], count: number): Buffer[] {
  let skip = count;
  const rest: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}
