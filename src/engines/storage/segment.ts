/**
 * One segment file of a record log: records [base, base + count). Keeps an in-memory
 * index (byte position and stamp per record) so a record is found without scanning;
 * for sealed segments the index is built on first use only, which keeps opening a large
 * log cheap.
 */
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { scanFrames } from './frame.ts';
import type { DamagedRange } from './frame.ts';

/** Called once per damaged range found while indexing, with the records it held. */
export type DamageHandler = (fh: FileHandle, file: string, range: DamagedRange, firstSeq: number, records: number) => Promise<unknown>;

const INITIAL_INDEX_CAPACITY = 1024;

export class Segment {
  readonly base: number;
  readonly file: string;
  count: number;
  /** Bytes of complete, durable frames. */
  bytes: number;
  modifiedAt: number;
  private positions: Uint32Array | null = null;
  private stamps: Float64Array | null = null;
  private indexing: Promise<void> | null = null;
  private handle: FileHandle | null;
  private opening: Promise<FileHandle> | null = null;
  private users = 0;
  private retired = false;
  /** Sequence numbers whose bytes are damaged: readers skip them. */
  readonly damaged = new Set<number>();

  constructor(base: number, file: string, count: number, bytes: number, modifiedAt: number, handle: FileHandle | null) {
    this.base = base;
    this.file = file;
    this.count = count;
    this.bytes = bytes;
    this.modifiedAt = modifiedAt;
    this.handle = handle;
  }

  get end(): number {
    return this.base + this.count;
  }

  get indexed(): boolean {
    return this.positions !== null;
  }

  /** Starts an empty index; used when the segment's records are learnt by writing or scanning them. */
  resetIndex(): void {
    this.positions = new Uint32Array(INITIAL_INDEX_CAPACITY);
    this.stamps = new Float64Array(INITIAL_INDEX_CAPACITY);
  }

  /** Records one more frame in the index (the caller updates count and bytes). */
  indexFrame(ordinal: number, position: number, stamp: number): void {
    if (!this.positions || !this.stamps) this.resetIndex();
    let positions = this.positions as Uint32Array;
    let stamps = this.stamps as Float64Array;
    if (ordinal >= positions.length) {
      const grown = new Uint32Array(positions.length * 2);
      grown.set(positions);
      const grownStamps = new Float64Array(stamps.length * 2);
      grownStamps.set(stamps);
      positions = grown;
      stamps = grownStamps;
      this.positions = positions;
      this.stamps = stamps;
    }
    positions[ordinal] = position;
    stamps[ordinal] = stamp;
  }

  /** Byte position of record `seq`; `end` maps to the end of the last frame. Index must be built. */
  positionOf(seq: number): number {
    if (seq >= this.end) return this.bytes;
    return (this.positions as Uint32Array)[seq - this.base];
  }

  stampOf(seq: number): number {
    return (this.stamps as Float64Array)[seq - this.base];
  }

  isDamaged(seq: number): boolean {
    return this.damaged.size > 0 && this.damaged.has(seq);
  }

  async ensureIndex(onDamage?: DamageHandler): Promise<void> {
    if (this.positions) return;
    this.indexing ??= this.buildIndex(onDamage).finally(() => {
      this.indexing = null;
    });
    await this.indexing;
  }

  /**
   * Indexes a sealed segment, whose record count is known from the next segment's base.
   * A damaged range between intact frames is taken as one record (damage hits a frame,
   * whose length then no longer leads to the next); records still unaccounted for at the
   * end were lost in the last damaged range, or at the end of the file if it is cut short.
   */
  private async buildIndex(onDamage?: DamageHandler): Promise<void> {
    const fh = await this.acquire();
    try {
      let positions = new Uint32Array(Math.max(this.count, 1));
      let stamps = new Float64Array(Math.max(this.count, 1));
      const ranges: { range: DamagedRange; ordinal: number; records: number }[] = [];
      let n = 0;
      const put = (position: number, stamp: number): void => {
        if (n < this.count) {
          positions[n] = position;
          stamps[n] = stamp;
        }
        n += 1;
      };
      const validEnd = await scanFrames(
        fh, 0, this.bytes,
        (frame) => put(frame.position, frame.stamp),
        (range) => {
          ranges.push({ range, ordinal: n, records: 1 });
          put(range.start, n > 0 ? stamps[Math.min(n, this.count) - 1] : 0);
        },
      );
      // More frames than the count (as before damage was tracked) keeps the first `count`.
      const missing = this.count - n;
      if (missing > 0) {
        const atEnd = validEnd < this.bytes || ranges.length === 0;
        const widened = atEnd ? { range: { start: validEnd, end: this.bytes }, ordinal: n, records: 0 } : ranges[ranges.length - 1];
        if (atEnd) ranges.push(widened);
        // The later records move up by `missing` places to make room in the widened range.
        const from = widened.ordinal + widened.records;
        positions = shiftUp(positions, from, n, missing, widened.range.start);
        stamps = shiftUp(stamps, from, n, missing, from > 0 ? stamps[from - 1] : 0);
        widened.records += missing;
      }
      for (const { range, ordinal, records } of ranges) {
        if (ordinal >= this.count) continue;
        for (let k = 0; k < records; k += 1) this.damaged.add(this.base + ordinal + k);
        await onDamage?.(fh, this.file, range, this.base + ordinal, records);
      }
      this.positions = positions;
      this.stamps = stamps;
    } finally {
      this.release();
    }
  }

  /** A handle for positional reads; pair every acquire with release so retiring waits for readers. */
  async acquire(): Promise<FileHandle> {
    if (this.retired) throw new Error(`segment ${this.file} was deleted`);
    this.users += 1;
    try {
      if (this.handle) return this.handle;
      this.opening ??= fs.open(this.file, 'r');
      this.handle = await this.opening;
      return this.handle;
    } catch (error) {
      this.users -= 1;
      throw error;
    }
  }

  release(): void {
    this.users -= 1;
    if (this.users === 0 && this.retired) void this.closeHandle();
  }

  /** Unlinks the file now; the handle stays usable by current readers and is closed after them. */
  async retire(): Promise<void> {
    this.retired = true;
    await fs.rm(this.file, { force: true });
    if (this.users === 0) await this.closeHandle();
  }

  async closeHandle(): Promise<void> {
    const handle = this.handle ?? (this.opening ? await this.opening.catch(() => null) : null);
    this.handle = null;
    this.opening = null;
    this.positions = this.retired ? null : this.positions;
    this.stamps = this.retired ? null : this.stamps;
    await handle?.close().catch(() => undefined);
  }
}

/** Moves entries [from, used) of `array` `by` places up, filling the gap with `fill`. */
function shiftUp<A extends Uint32Array | Float64Array>(array: A, from: number, used: number, by: number, fill: number): A {
  array.copyWithin(from + by, from, used);
  array.fill(fill, from, from + by);
  return array;
}
