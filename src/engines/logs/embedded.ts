/**
 * Embedded log index. Entries are appended to one JSON-lines file per UTC day and
 * the newest `maxEntries` of them are searchable through an in-memory inverted
 * index, rebuilt from the newest files on open. Writes are not synced one by one:
 * a crash may lose the last instant of logs, which is the usual bargain for logs.
 */
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { cloneJson } from '../storage/json.ts';
import { forEachLine, writeAll } from '../storage/lines.ts';
import type { LogEntry, LogIndex, LogQuery } from './port.ts';
import { checkEntries, checkQuery, collectStrings, entryProblem, LEVEL_RANK, portFields, wordsIn } from './entries.ts';

export interface EmbeddedLogIndexOptions {
  /** Entries kept searchable in memory; older ones stay on disk only. */
  maxEntries?: number;
  /** Day files older than this many days are deleted. */
  retentionDays?: number;
}

const DEFAULT_MAX_ENTRIES = 200_000;
const DEFAULT_RETENTION_DAYS = 7;
const DAY_MS = 86_400_000;
const FILE_RE = /^logs-(\d{4}-\d{2}-\d{2})\.jsonl$/;
/** Open day files kept at once; late entries for older days reopen theirs. */
const MAX_OPEN_FILES = 3;

// Keys for exact-match filters share the postings map with words; a control
// character prefix keeps them out of reach of any word or prefix.
const SERVICE_KEY = '\u0001s';
const MODULE_KEY = '\u0001m';
const TRACE_KEY = '\u0001t';

// ---------------------------------------------------------------------------
// Tokens

function words(text: string): string[] {
  return wordsIn(text.toLowerCase());
}

function entryKeys(e: LogEntry): Set<string> {
  const keys = new Set<string>(words(e.msg));
  if (e.fields) {
    const strings: string[] = [];
    collectStrings(e.fields, strings, 0);
    for (const s of strings) for (const w of words(s)) keys.add(w);
  }
  keys.add(SERVICE_KEY + e.service);
  if (e.module !== undefined) keys.add(MODULE_KEY + e.module);
  if (e.traceId !== undefined) keys.add(TRACE_KEY + e.traceId);
  return keys;
}

// ---------------------------------------------------------------------------
// Entries

function validEntry(e: unknown): e is LogEntry {
  return entryProblem(e) === undefined;
}

function serialise(e: LogEntry): string {
  return JSON.stringify(portFields(e));
}

function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function fileFor(day: string): string {
  return `logs-${day}.jsonl`;
}

interface Stored {
  entry: LogEntry;
  rank: number;
  /** Latest time of this entry and every earlier one: bounds what an older scan can still find. */
  maxTimeSoFar: number;
}

// ---------------------------------------------------------------------------
// Top-k of (time, id), newest first

interface Hit {
  id: number;
  time: number;
}

function older(a: Hit, b: Hit): boolean {
  return a.time < b.time || (a.time === b.time && a.id < b.id);
}

/** Min-heap holding the `size` newest hits seen. */
class NewestHits {
  private readonly heap: Hit[] = [];
  private readonly size: number;

  constructor(size: number) {
    this.size = size;
  }

  get full(): boolean {
    return this.heap.length >= this.size;
  }

  /** The oldest hit kept; only meaningful when full. */
  get oldest(): Hit {
    return this.heap[0];
  }

  offer(h: Hit): void {
    const heap = this.heap;
    if (heap.length < this.size) {
      heap.push(h);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!older(heap[i], heap[p])) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
      return;
    }
    if (!older(heap[0], h)) return;
    heap[0] = h;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && older(heap[l], heap[m])) m = l;
      if (r < heap.length && older(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }

  newestFirst(): Hit[] {
    return [...this.heap].sort((a, b) => (older(a, b) ? 1 : older(b, a) ? -1 : 0));
  }
}

// ---------------------------------------------------------------------------
// Day files

function parseLine(line: string): LogEntry | undefined {
  try {
    const e: unknown = JSON.parse(line);
    return validEntry(e) ? e : undefined;
  } catch {
    return undefined;
  }
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Appends lines to day files; concurrent callers share writes. */
class DayWriter {
  private readonly dir: string;
  /** Called whenever a day file is opened, so retention also applies to long-running processes. */
  private readonly onOpenFile: () => Promise<void>;
  private readonly handles = new Map<string, FileHandle>();
  private pending = new Map<string, string[]>();
  private waiters: Waiter[] = [];
  private active = false;
  private running: Promise<void> | undefined;

  constructor(dir: string, onOpenFile: () => Promise<void>) {
    this.dir = dir;
    this.onOpenFile = onOpenFile;
  }

  append(byDay: Map<string, string[]>): Promise<void> {
    for (const [day, lines] of byDay) {
      const list = this.pending.get(day);
      if (list) for (const l of lines) list.push(l);
      else this.pending.set(day, lines);
    }
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.active) {
      this.active = true;
      this.running = this.run();
    }
    return done;
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const batch = this.pending;
        const waiters = this.waiters;
        this.pending = new Map();
        this.waiters = [];
        try {
          for (const [day, lines] of batch) await writeAll(await this.handle(day), Buffer.from(`${lines.join('\n')}\n`));
          for (const w of waiters) w.resolve();
        } catch (e) {
          const err = new Error(`writing logs under ${this.dir} failed: ${(e as Error).message}`, { cause: e });
          for (const w of waiters) w.reject(err);
        }
      }
    } finally {
      this.active = false;
    }
  }

  private async handle(day: string): Promise<FileHandle> {
    let fh = this.handles.get(day);
    if (fh) {
      // Most recently used last, so the first is the one to close.
      this.handles.delete(day);
      this.handles.set(day, fh);
      return fh;
    }
    await this.onOpenFile();
    fh = await open(path.join(this.dir, fileFor(day)), 'a+');
    const { size } = await fh.stat();
    if (size > 0) {
      // A crash can leave a line without its newline; start ours on a fresh line.
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 10) await fh.write('\n');
    }
    this.handles.set(day, fh);
    while (this.handles.size > MAX_OPEN_FILES) {
      const [oldDay, oldFh] = this.handles.entries().next().value as [string, FileHandle];
      this.handles.delete(oldDay);
      await oldFh.close();
    }
    return fh;
  }

  async close(): Promise<void> {
    while (this.active) await this.running;
    for (const fh of this.handles.values()) {
      await fh.datasync();
      await fh.close();
    }
    this.handles.clear();
  }
}

// ---------------------------------------------------------------------------
// Index

/** How a required term is tested against candidate ids. */
type Term = { kind: 'list'; ids: number[] } | { kind: 'set'; base: number; marks: Uint8Array };

function firstAtLeast(ids: readonly number[], id: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function inList(ids: readonly number[], id: number): boolean {
  const at = firstAtLeast(ids, id);
  return at < ids.length && ids[at] === id;
}

export class EmbeddedLogIndex implements LogIndex {
  private readonly maxEntries: number;
  private readonly retentionDays: number;
  private readonly dir: string;
  private writer!: DayWriter;
  /** entries[i] has id base + i; ids below base + head are evicted. */
  private entries: Stored[] = [];
  private base = 0;
  private head = 0;
  private readonly postings = new Map<string, number[]>();
  /** Words grouped by their first two characters, so a prefix search reads one group, not the vocabulary. */
  private readonly vocabulary = new Map<string, Set<string>>();
  private evictedSincePrune = 0;
  private maxTime = -Infinity;
  private closed = false;
  private sweptDay = '';

  private constructor(dir: string, maxEntries: number, retentionDays: number) {
    this.dir = dir;
    this.maxEntries = maxEntries;
    this.retentionDays = retentionDays;
  }

  /** Opens (creating if needed) the index in dir, deletes expired day files and indexes the newest entries. */
  static async open(dir: string, options?: EmbeddedLogIndexOptions): Promise<EmbeddedLogIndex> {
    const maxEntries = options?.maxEntries ?? DEFAULT_MAX_ENTRIES;
    const retentionDays = options?.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
    if (!(retentionDays > 0)) throw new TypeError('retentionDays must be positive');
    await mkdir(dir, { recursive: true });
    const index = new EmbeddedLogIndex(dir, maxEntries, retentionDays);
    index.sweptDay = dayOf(Date.now());
    await index.load(await index.expire(index.sweptDay));
    index.writer = new DayWriter(dir, () => index.sweepOnNewDay());
    return index;
  }

  private async sweepOnNewDay(): Promise<void> {
    // The wall clock, not entry times: a stray future timestamp must not expire everything.
    const today = dayOf(Date.now());
    if (today === this.sweptDay) return;
    this.sweptDay = today;
    await this.expire(today);
  }

  /** Deletes day files past retention, counted back from `today`; returns the remaining days, oldest first. */
  private async expire(today: string): Promise<string[]> {
    const cutoff = dayOf(Date.parse(today) - this.retentionDays * DAY_MS);
    const days: string[] = [];
    for (const name of await readdir(this.dir)) {
      const m = FILE_RE.exec(name);
      if (!m) continue;
      if (m[1] < cutoff) await rm(path.join(this.dir, name), { force: true });
      else days.push(m[1]);
    }
    return days.sort();
  }

  private async load(days: string[]): Promise<void> {
    const perDay: LogEntry[][] = [];
    let total = 0;
    for (let i = days.length - 1; i >= 0 && total < this.maxEntries; i--) {
      const need = this.maxEntries - total;
      // A busy day holds far more lines than are kept; only the tail is worth parsing.
      let tail: string[] = [];
      await forEachLine(path.join(this.dir, fileFor(days[i])), (line) => {
        tail.push(line);
        if (tail.length >= 2 * need + 1024) tail = tail.slice(tail.length - need);
      });
      // Lines that do not parse (a torn last write, a foreign line) are skipped: logs are best effort.
      const list: LogEntry[] = [];
      for (const line of tail) {
        const e = parseLine(line);
        if (e) list.push(e);
      }
      const kept = list.length > need ? list.slice(list.length - need) : list;
      perDay.unshift(kept);
      total += kept.length;
    }
    for (const day of perDay) for (const e of day) this.add(e);
  }

  private add(entry: LogEntry): void {
    const id = this.base + this.entries.length;
    this.maxTime = Math.max(this.maxTime, entry.time);
    this.entries.push({ entry, rank: LEVEL_RANK.get(entry.level) ?? 0, maxTimeSoFar: this.maxTime });
    for (const key of entryKeys(entry)) {
      const list = this.postings.get(key);
      if (list) list.push(id);
      else {
        this.postings.set(key, [id]);
        this.vocabularyGroup(key, true)?.add(key);
      }
    }
    if (this.entries.length - this.head > this.maxEntries) this.evict();
  }

  private evict(): void {
    this.head++;
    this.evictedSincePrune++;
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
    // Postings of evicted entries are trimmed in sweeps; until then searches skip them.
    if (this.evictedSincePrune >= Math.max(1024, this.maxEntries >> 2)) this.prune();
  }

  private prune(): void {
    const minId = this.base + this.head;
    for (const [key, ids] of this.postings) {
      if (ids[0] >= minId) continue;
      const from = firstAtLeast(ids, minId);
      if (from === ids.length) {
        this.postings.delete(key);
        const group = this.vocabularyGroup(key, false);
        group?.delete(key);
        if (group?.size === 0) this.vocabulary.delete(key.slice(0, 2));
      } else ids.splice(0, from);
    }
    this.evictedSincePrune = 0;
  }

  async index(entries: LogEntry[]): Promise<void> {
    if (this.closed) throw new Error('log index is closed');
    checkEntries(entries);
    const lines = entries.map(serialise);
    const byDay = new Map<string, string[]>();
    for (let i = 0; i < lines.length; i++) {
      const stored = JSON.parse(lines[i]) as LogEntry;
      this.add(stored);
      const day = dayOf(stored.time);
      const list = byDay.get(day);
      if (list) list.push(lines[i]);
      else byDay.set(day, [lines[i]]);
    }
    if (byDay.size > 0) await this.writer.append(byDay);
  }

  async search(query: LogQuery): Promise<LogEntry[]> {
    if (this.closed) throw new Error('log index is closed');
    const { limit, minRank } = checkQuery(query);
    const from = query.from ?? -Infinity;
    const to = query.to ?? Infinity;
    const minId = this.base + this.head;
    const maxId = this.base + this.entries.length - 1;

    const terms: Term[] = [];
    const exact = (key: string): boolean => {
      const ids = this.postings.get(key);
      if (!ids) return false;
      terms.push({ kind: 'list', ids });
      return true;
    };
    const textWords = [...new Set(words(query.text ?? ''))];
    const last = textWords.pop();
    for (const w of textWords) if (!exact(w)) return [];
    if (last !== undefined && !this.prefixTerm(last, terms, minId, maxId)) return [];
    if (query.service !== undefined && !exact(SERVICE_KEY + query.service)) return [];
    if (query.module !== undefined && !exact(MODULE_KEY + query.module)) return [];
    if (query.traceId !== undefined && !exact(TRACE_KEY + query.traceId)) return [];

    // Drive the scan with the shortest list, newest id first; test the rest per id.
    let driver: number[] | undefined;
    for (const t of terms) if (t.kind === 'list' && (!driver || t.ids.length < driver.length)) driver = t.ids;
    const others = terms.filter((t) => t.kind !== 'list' || t.ids !== driver);

    const hits = new NewestHits(limit);
    const visit = (id: number): boolean => {
      const s = this.entries[id - this.base];
      // Nothing at or before this id is newer than what is kept, or than `from`.
      if (s.maxTimeSoFar < from) return false;
      if (hits.full && s.maxTimeSoFar <= hits.oldest.time) return false;
      const e = s.entry;
      if (s.rank < minRank || e.time < from || e.time > to) return true;
      for (const t of others) {
        if (t.kind === 'list' ? !inList(t.ids, id) : t.marks[id - t.base] !== 1) return true;
      }
      hits.offer({ id, time: e.time });
      return true;
    };
    if (driver) {
      for (let i = driver.length - 1; i >= 0 && driver[i] >= minId; i--) if (!visit(driver[i])) break;
    } else {
      for (let id = maxId; id >= minId; id--) if (!visit(id)) break;
    }
    return hits.newestFirst().map((h) => cloneJson(this.entries[h.id - this.base].entry));
  }

  /**
   * The last word of a query also matches words it begins, so a search box can
   * answer while the operator is still typing.
   */
  private prefixTerm(prefix: string, terms: Term[], minId: number, maxId: number): boolean {
    const lists: number[][] = [];
    const groups = prefix.length >= 2 ? [this.vocabulary.get(prefix.slice(0, 2))] : [...this.vocabulary].filter(([g]) => g.startsWith(prefix)).map(([, words]) => words);
    for (const group of groups) {
      if (!group) continue;
      for (const word of group) if (word.startsWith(prefix)) lists.push(this.postings.get(word) as number[]);
    }
    if (lists.length === 0) return false;
    if (lists.length === 1) {
      terms.push({ kind: 'list', ids: lists[0] });
      return true;
    }
    const marks = new Uint8Array(Math.max(0, maxId - minId + 1));
    for (const ids of lists) {
      for (let i = ids.length - 1; i >= 0 && ids[i] >= minId; i--) marks[ids[i] - minId] = 1;
    }
    terms.push({ kind: 'set', base: minId, marks });
    return true;
  }

  /** The group a word belongs to; filter keys belong to none. */
  private vocabularyGroup(key: string, create: boolean): Set<string> | undefined {
    if (key.startsWith('\u0001')) return undefined;
    const g = key.slice(0, 2);
    let group = this.vocabulary.get(g);
    if (!group && create) {
      group = new Set();
      this.vocabulary.set(g, group);
    }
    return group;
  }

  isReady(): boolean {
    return !this.closed;
  }

  /** Writes out what is pending and syncs the open day files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    this.entries = [];
    this.postings.clear();
    this.vocabulary.clear();
  }
}
