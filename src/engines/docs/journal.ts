/**
 * A collection's journal: an append-only JSON-lines file, replayed on open and
 * compacted when dead records dominate it.
 *
 * Records, one per line:
 *   {"_id": ...}                     the full document (insert or replace)
 *   {"$d": "<id>"}                   delete one document
 *   {"$clear": 1}                    delete every document
 *   {"$index": {"fields", "unique"}} index definition
 * Documents may not have top-level keys starting with "$" (as in MongoDB), so the
 * record kinds cannot collide.
 */
import { open, rename, rm, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { syncDir } from '../storage/files.ts';
import { DiskFullError, isDiskFull } from '../shared/unavailable.ts';
import { forEachLine, writeAll } from '../storage/lines.ts';
import { validateIndexSpec } from './indexes.ts';
import type { Doc } from './port.ts';
import type { SortSpec } from './sort.ts';

const JOURNAL_EXT = '.jsonl';
/** Bigger writes would hold the event loop for long while serialising a snapshot. */
const COMPACT_CHUNK_BYTES = 4 * 1024 * 1024;

// ---------------------------------------------------------------------------
// File names

export function fileNameFor(collection: string): string {
  // encodeURIComponent leaves a few characters that are awkward in file names ("." makes ".." possible).
  return encodeURIComponent(collection).replace(/[.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) + JOURNAL_EXT;
}

export function collectionFor(fileName: string): string | undefined {
  if (!fileName.endsWith(JOURNAL_EXT)) return undefined;
  try {
    const name = decodeURIComponent(fileName.slice(0, -JOURNAL_EXT.length));
    // Files this store did not name (e.g. copied in by hand) are not its journals.
    return fileNameFor(name) === fileName ? name : undefined;
  } catch {
    return undefined;
  }
}

/** A compaction that did not reach its rename leaves this file; the journal it was replacing is intact. */
export function isCompactionLeftover(fileName: string): boolean {
  return fileName.endsWith(`${JOURNAL_EXT}.compact`);
}

// ---------------------------------------------------------------------------
// Records

export type JournalRecord =
  | { kind: 'doc'; doc: Doc }
  | { kind: 'delete'; id: string }
  | { kind: 'clear' }
  | { kind: 'index'; fields: SortSpec; unique: boolean };

function toRecord(line: string): JournalRecord | undefined {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return undefined;
  const r = rec as Record<string, unknown>;
  if (typeof r._id === 'string') return { kind: 'doc', doc: r as Doc };
  if (typeof r.$d === 'string') return { kind: 'delete', id: r.$d };
  if (r.$clear === 1) return { kind: 'clear' };
  const idx = r.$index as { fields?: unknown; unique?: unknown } | undefined;
  if (idx && typeof idx === 'object' && typeof idx.unique === 'boolean') {
    try {
      return { kind: 'index', fields: validateIndexSpec(idx.fields), unique: idx.unique };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function indexLine(fields: SortSpec, unique: boolean): string {
  return JSON.stringify({ $index: { fields, unique } });
}

export function deleteLine(id: string): string {
  return JSON.stringify({ $d: id });
}

export const CLEAR_LINE = '{"$clear":1}';

/**
 * Calls apply for every record of a journal, in order, and returns the size of the
 * intact part. A torn last record is cut off the file; damage before the end throws.
 */
export async function replayJournal(file: string, apply: (rec: JournalRecord) => void): Promise<{ bytes: number; records: number }> {
  let goodEnd = 0;
  let records = 0;
  let lineNo = 0;
  let firstBad: number | undefined;
  await forEachLine(file, (text, end, terminated) => {
    lineNo++;
    if (text.trim() === '') {
      if (firstBad === undefined) goodEnd = end;
      return;
    }
    const rec = terminated ? toRecord(text) : undefined;
    if (rec === undefined) {
      firstBad ??= lineNo;
      return;
    }
    if (firstBad !== undefined) {
      throw new Error(`journal ${file} is corrupt at line ${firstBad} (valid records follow it)`);
    }
    apply(rec);
    records++;
    goodEnd = end;
  });
  // Only the tail can be torn (a write cut short by a crash); those records were
  // never acknowledged, so dropping them loses nothing that was promised.
  if (firstBad !== undefined) await truncate(file, goodEnd);
  return { bytes: goodEnd, records };
}

// ---------------------------------------------------------------------------
// Appending with group commit, and compaction

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export interface JournalSnapshot {
  /** Serialised live records, produced lazily so compaction can yield between chunks. */
  lines: Iterable<string>;
  count: number;
}

export class Journal {
  private readonly file: string;
  private readonly dir: string;
  private readonly compactMinBytes: number;
  private readonly snapshot: () => JournalSnapshot;
  private readonly liveCount: () => number;
  private fh: FileHandle | undefined;
  private bytes: number;
  private records: number;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private running: Promise<void> | undefined;
  /** Cleared in the same synchronous step that finds nothing pending, so no append is stranded. */
  private active = false;
  private failure: Error | undefined;
  /** Set while the disk is full: the lines wait in `pending` and are tried again every second. */
  private diskFull: DiskFullError | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** After a failed compaction, wait for the journal to double before trying again. */
  private compactFloor = 0;

  constructor(
    file: string,
    state: { bytes: number; records: number },
    compactMinBytes: number,
    snapshot: () => JournalSnapshot,
    liveCount: () => number,
  ) {
    this.file = file;
    this.dir = path.dirname(file);
    this.bytes = state.bytes;
    this.records = state.records;
    this.compactMinBytes = compactMinBytes;
    this.snapshot = snapshot;
    this.liveCount = liveCount;
  }

  /** Why writes fail now: for good, or until the disk has room again. */
  get failed(): Error | undefined {
    return this.failure ?? this.diskFull;
  }

  /** Resolves once the lines are on disk. Lines from concurrent callers share one write and one sync. */
  append(lines: string[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (lines.length === 0) return Promise.resolve();
    for (const l of lines) this.pending.push(l);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.active) {
      this.active = true;
      this.running = this.run();
    }
    return done;
  }

  /** Waits for every appended line to be written. */
  async drain(): Promise<void> {
    while (this.active) await this.running;
  }

  async close(): Promise<void> {
    clearTimeout(this.retry);
    await this.drain();
    await this.fh?.close();
    this.fh = undefined;
  }

  shouldCompact(): boolean {
    // Records approximate documents of similar size: once most of them are dead, rewrite.
    return this.bytes >= Math.max(this.compactMinBytes, this.compactFloor) && this.records > 2 * this.liveCount() + 1000;
  }

  private async handle(): Promise<FileHandle> {
    if (!this.fh) {
      this.fh = await open(this.file, 'a');
      if (this.bytes === 0) await syncDir(this.dir);
    }
    return this.fh;
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        if (this.shouldCompact()) {
          await this.compact();
          continue;
        }
        const lines = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        const buf = Buffer.from(`${lines.join('\n')}\n`);
        try {
          const fh = await this.handle();
          await writeAll(fh, buf);
          await fh.datasync();
        } catch (e) {
          if (isDiskFull(e)) await this.waitForRoom(e, lines, waiters);
          else this.fail(e as Error, waiters);
          return;
        }
        this.diskFull = undefined;
        this.bytes += buf.length;
        this.records += lines.length;
        for (const w of waiters) w.resolve();
      }
    } finally {
      this.active = false;
    }
  }

  /**
   * A full disk: memory already holds these lines, so they are kept and written once there
   * is room (tried every second, and with the next append); their writers are told now, as
   * an outage, and a writer that tries again writes the same document again, harmlessly.
   */
  private async waitForRoom(e: unknown, lines: string[], waiters: Waiter[]): Promise<void> {
    this.diskFull = new DiskFullError('embedded document store', this.dir, e);
    this.pending = lines.concat(this.pending);
    for (const w of [...waiters, ...this.waiters]) w.reject(this.diskFull);
    this.waiters = [];
    // A partial line would join the next one; the file ends where the last full write did.
    await this.fh?.truncate(this.bytes).catch(() => undefined);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (this.active || this.pending.length === 0) return;
      this.active = true;
      this.running = this.run();
    }, 1000);
    this.retry.unref();
  }

  private fail(e: Error, waiters: Waiter[]): void {
    // Memory already holds these writes; without the journal they would vanish on
    // restart, so the store stops accepting writes rather than drift from its disk.
    this.failure = new Error(`journal ${this.file} failed: ${e.message}`, { cause: e });
    for (const w of [...waiters, ...this.waiters]) w.reject(this.failure);
    this.pending = [];
    this.waiters = [];
  }

  /**
   * Rewrites the live records to a new file and renames it over the journal. The
   * snapshot is taken synchronously and already reflects every pending line, so
   * those lines are dropped and their writers released once the rename is durable.
   */
  async compact(): Promise<void> {
    const covered = this.pending;
    const coveredWaiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const snap = this.snapshot();
    const tmp = `${this.file}.compact`;
    let out: FileHandle | undefined;
    let bytes = 0;
    try {
      out = await open(tmp, 'w');
      let chunk: string[] = [];
      let chunkLen = 0;
      for (const line of snap.lines) {
        chunk.push(line);
        chunkLen += line.length + 1;
        if (chunkLen >= COMPACT_CHUNK_BYTES) {
          const buf = Buffer.from(`${chunk.join('\n')}\n`);
          await writeAll(out, buf);
          bytes += buf.length;
          chunk = [];
          chunkLen = 0;
        }
      }
      if (chunk.length > 0) {
        const buf = Buffer.from(`${chunk.join('\n')}\n`);
        await writeAll(out, buf);
        bytes += buf.length;
      }
      await out.datasync();
      await out.close();
      out = undefined;
      await this.fh?.close();
      this.fh = undefined;
      await rename(tmp, this.file);
      await syncDir(this.dir);
    } catch {
      await out?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      // The rename is atomic, so the journal path holds either the old journal or the
      // complete snapshot; replaying the covered lines on top of either is harmless.
      this.pending = covered.concat(this.pending);
      this.waiters = coveredWaiters.concat(this.waiters);
      this.compactFloor = this.bytes * 2;
      return;
    }
    this.bytes = bytes;
    this.records = snap.count;
    this.compactFloor = 0;
    for (const w of coveredWaiters) w.resolve();
  }
}
