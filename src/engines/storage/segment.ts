/**
 * One segment file of a record log: records [base, base + count). Keeps an in-memory
 * index (byte position and stamp per record) so a record is found without scanning;
 * for sealed segments the index is built on first use only, which keeps opening a large
 * log cheap.
 */
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { scanFrames } from './frame.ts';

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

  async ensureIndex(): Promise<void> {
    if (this.positions) return;
    this.indexing ??= this.buildIndex().finally(() => {
      this.indexing = null;
    });
    await this.indexing;
  }

  private async buildIndex(): Promise<void> {
    const fh = await this.acquire();
    try {
      const positions = new Uint32Array(Math.max(this.count, 1));
      const stamps = new Float64Array(Math.max(this.count, 1));
      let n = 0;
      await scanFrames(fh, 0, this.bytes, (frame) => {
        if (n < this.count) {
          positions[n] = frame.position;
          stamps[n] = frame.stamp;
        }
        n += 1;
      });
      if (n < this.count) {
        throw new Error(`segment ${this.file} is damaged: expected ${this.count} records, found ${n}`);
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
