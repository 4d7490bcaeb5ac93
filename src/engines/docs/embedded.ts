/**
 * Embedded document store. Every collection is held in memory and backed by an
 * append-only JSON-lines journal (one file per collection) that is replayed on open
 * and compacted when dead records dominate it. Secondary indexes are kept in memory
 * only and rebuilt on open from the index definitions recorded in the journal.
 *
 * Journal records, one per line:
 *   {"_id": ...}                     the full document (insert or replace)
 *   {"$d": "<id>"}                   delete one document
 *   {"$clear": 1}                    delete every document
 *   {"$index": {"fields", "unique"}} index definition
 * Documents may not have top-level keys starting with "$" (as in MongoDB), so the
 * record kinds cannot collide.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Collection, Doc, DocumentStore, Filter, FindOptions, Scalar } from './port.ts';

/** Raised when an upsert or createIndex would break a unique index. Code as in MongoDB. */
export class DuplicateKeyError extends Error {
  readonly code = 11000;
  readonly index: string;
  constructor(collection: string, index: string, id: string) {
    super(`duplicate key in collection "${collection}" on unique index ${index} (document _id "${id}")`);
    this.name = 'DuplicateKeyError';
    this.index = index;
  }
}

export interface EmbeddedDocumentStoreOptions {
  /** A journal smaller than this is never compacted. */
  compactMinBytes?: number;
}

const JOURNAL_EXT = '.jsonl';
const DEFAULT_COMPACT_MIN_BYTES = 8 * 1024 * 1024;
/** Bigger writes would hold the event loop for long while serialising a snapshot. */
const COMPACT_CHUNK_BYTES = 4 * 1024 * 1024;

// ---------------------------------------------------------------------------
// Values: ordering, equality keys, paths, cloning

type Getter = (doc: unknown) => unknown;

/** Cross-type order follows MongoDB's: null/missing < numbers < strings < objects < arrays < booleans. */
function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 0;
  switch (typeof v) {
    case 'number':
      return 1;
    case 'string':
      return 2;
    case 'boolean':
      return 5;
    case 'object':
      return Array.isArray(v) ? 4 : 3;
    default:
      return 6;
  }
}

function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return (a as number) - (b as number);
    case 2:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 5:
      return Number(a) - Number(b);
    default: {
      const ja = JSON.stringify(a);
      const jb = JSON.stringify(b);
      return ja < jb ? -1 : ja > jb ? 1 : 0;
    }
  }
}

/** A string equal for exactly the values that compareValues calls equal; used as a Map key. */
function valueKey(v: unknown): string {
  switch (typeRank(v)) {
    case 0:
      return 'z';
    case 1:
      return `n${v as number}`;
    case 2:
      return `s${v as string}`;
    case 5:
      return v ? 'T' : 'F';
    default:
      return `j${JSON.stringify(v)}`;
  }
}

/** Unambiguous concatenation of value keys (they may contain any character). */
function joinKeys(keys: readonly string[]): string {
  let out = '';
  for (const k of keys) out += `${k.length}:${k}`;
  return out;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const getterCache = new Map<string, Getter>();

/** Dotted paths descend into objects and, with numeric segments, into arrays. Only own properties count. */
function getter(field: string): Getter {
  let g = getterCache.get(field);
  if (g) return g;
  const parts = field.split('.');
  if (parts.length === 1) {
    g = (doc) => (doc !== null && typeof doc === 'object' && Object.hasOwn(doc, field) ? (doc as Record<string, unknown>)[field] : undefined);
  } else {
    g = (doc) => {
      let cur: unknown = doc;
      for (const part of parts) {
        if (cur === null || typeof cur !== 'object') return undefined;
        if (Array.isArray(cur)) {
          if (!/^\d+$/.test(part)) return undefined;
          cur = cur[Number(part)];
        } else {
          if (!Object.hasOwn(cur, part)) return undefined;
          cur = (cur as Record<string, unknown>)[part];
        }
      }
      return cur;
    };
  }
  // Filters can come from API callers; do not let arbitrary field names pile up.
  if (getterCache.size >= 10_000) getterCache.clear();
  getterCache.set(field, g);
  return g;
}

/** Stored documents are shared between indexes, so callers get their own copy. */
function cloneJson<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = cloneJson((v as Record<string, unknown>)[k]);
  return out as T;
}

// ---------------------------------------------------------------------------
// Filters

const RANGE_OPS = new Set(['$eq', '$gt', '$gte', '$lt', '$lte', '$in']);

interface Condition {
  field: string;
  get: Getter;
  /** Accepted values (plain equality, $eq, $in); undefined when unconstrained. */
  values?: Scalar[];
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function compileFilter(filter: Filter): Condition[] {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) throw new TypeError('filter must be an object');
  const conditions: Condition[] = [];
  for (const [field, spec] of Object.entries(filter)) {
    if (field.startsWith('$')) throw new TypeError(`unsupported filter operator ${field}`);
    const c: Condition = { field, get: getter(field) };
    if (isScalar(spec)) {
      c.values = [spec];
    } else if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
      const ops = Object.entries(spec);
      if (ops.length === 0) throw new TypeError(`empty condition on ${field}`);
      for (const [op, operand] of ops) {
        if (!RANGE_OPS.has(op)) throw new TypeError(`unsupported operator ${op} on ${field}`);
        if (op === '$in') {
          if (!Array.isArray(operand) || !operand.every(isScalar)) throw new TypeError(`$in on ${field} needs an array of scalars`);
          c.values = c.values ? c.values.filter((v) => operand.some((o) => compareValues(v, o) === 0)) : [...operand];
          continue;
        }
        if (!isScalar(operand)) throw new TypeError(`${op} on ${field} needs a scalar`);
        if (op === '$eq') c.values = c.values ? c.values.filter((v) => compareValues(v, operand) === 0) : [operand];
        else if (op === '$gt') c.gt = operand;
        else if (op === '$gte') c.gte = operand;
        else if (op === '$lt') c.lt = operand;
        else c.lte = operand;
      }
    } else {
      throw new TypeError(`unsupported condition on ${field}`);
    }
    conditions.push(c);
  }
  return conditions;
}

/** Range operators only match values of the operand's type, as MongoDB's type bracketing does. */
function holds(c: Condition, v: unknown): boolean {
  if (c.values && !c.values.some((q) => compareValues(v, q) === 0)) return false;
  const r = typeRank(v);
  if (c.gt !== undefined && (r !== typeRank(c.gt) || compareValues(v, c.gt) <= 0)) return false;
  if (c.gte !== undefined && (r !== typeRank(c.gte) || compareValues(v, c.gte) < 0)) return false;
  if (c.lt !== undefined && (r !== typeRank(c.lt) || compareValues(v, c.lt) >= 0)) return false;
  if (c.lte !== undefined && (r !== typeRank(c.lte) || compareValues(v, c.lte) > 0)) return false;
  return true;
}

function matches(conditions: readonly Condition[], doc: Doc): boolean {
  for (const c of conditions) if (!holds(c, c.get(doc))) return false;
  return true;
}

function hasRange(c: Condition): boolean {
  return c.gt !== undefined || c.gte !== undefined || c.lt !== undefined || c.lte !== undefined;
}

// ---------------------------------------------------------------------------
// Sorting

type SortSpec = Record<string, 1 | -1>;

function compileSort(sort: SortSpec | undefined): ((a: Doc, b: Doc) => number) | undefined {
  if (!sort) return undefined;
  const keys = Object.entries(sort).map(([field, dir]) => {
    if (dir !== 1 && dir !== -1) throw new TypeError(`sort direction for ${field} must be 1 or -1`);
    return { get: getter(field), dir };
  });
  if (keys.length === 0) return undefined;
  // Ties are broken by _id in the direction of the last key, which is also the
  // order an index scan yields, so both paths answer identically.
  const tieDir = keys[keys.length - 1].dir;
  return (a, b) => {
    for (const k of keys) {
      const c = compareValues(k.get(a), k.get(b));
      if (c !== 0) return c * k.dir;
    }
    return compareIds(a._id, b._id) * tieDir;
  };
}

// ---------------------------------------------------------------------------
// Secondary index: equality prefix -> documents sorted by the last field

/** Documents sharing the values of every index field but the last, sorted by (last field, _id). */
interface Leaf {
  prefix: string[];
  docs: Doc[];
}

function firstIndex(docs: readonly Doc[], from: number, to: number, pred: (d: Doc) => boolean): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(docs[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface Interval {
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
}

class SecondaryIndex {
  readonly name: string;
  readonly spec: SortSpec;
  readonly fields: string[];
  readonly unique: boolean;
  private readonly prefixGetters: Getter[];
  private readonly lastGet: Getter;
  readonly leaves = new Map<string, Leaf>();

  constructor(spec: SortSpec, unique: boolean) {
    this.spec = { ...spec };
    this.fields = Object.keys(spec);
    this.name = indexName(spec);
    this.unique = unique;
    this.prefixGetters = this.fields.slice(0, -1).map(getter);
    this.lastGet = getter(this.fields[this.fields.length - 1]);
  }

  get prefixLength(): number {
    return this.prefixGetters.length;
  }

  private prefixOf(doc: Doc): string[] {
    return this.prefixGetters.map((g) => valueKey(g(doc)));
  }

  private compareToEntry(entry: Doc, value: unknown, id: string): number {
    return compareValues(this.lastGet(entry), value) || compareIds(entry._id, id);
  }

  insert(doc: Doc): void {
    const prefix = this.prefixOf(doc);
    const key = joinKeys(prefix);
    let leaf = this.leaves.get(key);
    if (!leaf) {
      leaf = { prefix, docs: [] };
      this.leaves.set(key, leaf);
    }
    const docs = leaf.docs;
    const value = this.lastGet(doc);
    // Readings mostly arrive in time order, so appending is the common case.
    if (docs.length === 0 || this.compareToEntry(docs[docs.length - 1], value, doc._id) < 0) {
      docs.push(doc);
      return;
    }
    const at = firstIndex(docs, 0, docs.length, (d) => this.compareToEntry(d, value, doc._id) > 0);
    docs.splice(at, 0, doc);
  }

  remove(doc: Doc): void {
    const key = joinKeys(this.prefixOf(doc));
    const leaf = this.leaves.get(key);
    if (!leaf) return;
    const value = this.lastGet(doc);
    const at = firstIndex(leaf.docs, 0, leaf.docs.length, (d) => this.compareToEntry(d, value, doc._id) >= 0);
    if (at < leaf.docs.length && leaf.docs[at]._id === doc._id) {
      leaf.docs.splice(at, 1);
      if (leaf.docs.length === 0) this.leaves.delete(key);
    }
  }

  clear(): void {
    this.leaves.clear();
  }

  /** Bulk build: group, then sort each leaf once. */
  build(docs: Iterable<Doc>): void {
    this.leaves.clear();
    for (const doc of docs) {
      const prefix = this.prefixOf(doc);
      const key = joinKeys(prefix);
      let leaf = this.leaves.get(key);
      if (!leaf) {
        leaf = { prefix, docs: [] };
        this.leaves.set(key, leaf);
      }
      leaf.docs.push(doc);
    }
    for (const leaf of this.leaves.values()) {
      leaf.docs.sort((a, b) => compareValues(this.lastGet(a), this.lastGet(b)) || compareIds(a._id, b._id));
    }
  }

  /** The _id of a document sharing another's full key, if any (leaves are sorted, so neighbours). */
  findDuplicate(): string | undefined {
    for (const leaf of this.leaves.values()) {
      for (let i = 1; i < leaf.docs.length; i++) {
        if (compareValues(this.lastGet(leaf.docs[i - 1]), this.lastGet(leaf.docs[i])) === 0) return leaf.docs[i]._id;
      }
    }
    return undefined;
  }

  fullKey(doc: Doc): string {
    return joinKeys([...this.prefixOf(doc), valueKey(this.lastGet(doc))]);
  }

  /** Documents whose every index field equals doc's. */
  sameKey(doc: Doc): Doc[] {
    const leaf = this.leaves.get(joinKeys(this.prefixOf(doc)));
    if (!leaf) return [];
    const v = (this.lastGet(doc) ?? null) as Scalar;
    return this.slice(leaf, { gte: v, lte: v });
  }

  /** Documents of a leaf whose last field lies in the interval, in index order. */
  slice(leaf: Leaf, iv: Interval): Doc[] {
    const [from, to] = this.bounds(leaf, iv);
    return leaf.docs.slice(from, to);
  }

  bounds(leaf: Leaf, iv: Interval): [number, number] {
    const docs = leaf.docs;
    const get = this.lastGet;
    const lowOperand = iv.gte !== undefined ? iv.gte : iv.gt;
    const highOperand = iv.lte !== undefined ? iv.lte : iv.lt;
    const lowRank = lowOperand === undefined ? -1 : typeRank(lowOperand);
    const highRank = highOperand === undefined ? -1 : typeRank(highOperand);
    let from = 0;
    if (lowOperand !== undefined || highOperand !== undefined) {
      from = firstIndex(docs, 0, docs.length, (d) => {
        const v = get(d);
        if (iv.gte !== undefined && compareValues(v, iv.gte) < 0) return false;
        if (iv.gt !== undefined && compareValues(v, iv.gt) <= 0) return false;
        if (lowOperand === undefined && typeRank(v) < highRank) return false;
        return true;
      });
    }
    let to = docs.length;
    if (lowOperand !== undefined || highOperand !== undefined) {
      to = firstIndex(docs, from, docs.length, (d) => {
        const v = get(d);
        if (iv.lte !== undefined && compareValues(v, iv.lte) > 0) return true;
        if (iv.lt !== undefined && compareValues(v, iv.lt) >= 0) return true;
        if (highOperand === undefined && typeRank(v) > lowRank) return true;
        return false;
      });
    }
    return [from, to];
  }
}

function indexName(spec: SortSpec): string {
  return Object.entries(spec)
    .map(([f, d]) => `${f}_${d}`)
    .join('_');
}

function validateIndexSpec(fields: unknown): SortSpec {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new TypeError('index fields must be an object');
  const entries = Object.entries(fields as Record<string, unknown>);
  if (entries.length === 0) throw new TypeError('an index needs at least one field');
  for (const [f, d] of entries) {
    if (d !== 1 && d !== -1) throw new TypeError(`index direction for ${f} must be 1 or -1`);
    if (f === '' || f.startsWith('$')) throw new TypeError(`invalid index field "${f}"`);
  }
  return fields as SortSpec;
}

// ---------------------------------------------------------------------------
// Query planning

interface IndexPlan {
  index: SecondaryIndex;
  /** Leaves that can hold matches. */
  leaves: Leaf[];
  /** Disjoint intervals on the last index field, ascending. */
  intervals: Interval[];
}

/** Up to this many prefix combinations are looked up directly rather than by walking leaves. */
const MAX_PREFIX_COMBINATIONS = 256;

function planIndex(indexes: Iterable<SecondaryIndex>, conditions: readonly Condition[]): IndexPlan | undefined {
  const byField = new Map<string, Condition>();
  for (const c of conditions) {
    // Two conditions on one field cannot happen with an object filter; keep the first regardless.
    if (!byField.has(c.field)) byField.set(c.field, c);
  }
  let best: { index: SecondaryIndex; score: number } | undefined;
  for (const index of indexes) {
    let k = 0;
    while (k < index.prefixLength && byField.get(index.fields[k])?.values) k++;
    const last = byField.get(index.fields[index.fields.length - 1]);
    const lastUsable = k === index.prefixLength && last !== undefined && (last.values !== undefined || hasRange(last));
    const score = k * 2 + (lastUsable ? 1 : 0);
    if (score > 0 && (!best || score > best.score)) best = { index, score };
  }
  if (!best) return undefined;
  const index = best.index;

  const prefixValues: (Set<string> | undefined)[] = [];
  let combinations = 1;
  for (let i = 0; i < index.prefixLength; i++) {
    const values = byField.get(index.fields[i])?.values;
    if (!values) {
      prefixValues.push(undefined);
      combinations = Infinity;
      continue;
    }
    const keys = new Set(values.map(valueKey));
    prefixValues.push(keys);
    combinations *= keys.size;
  }

  let leaves: Leaf[];
  if (combinations <= MAX_PREFIX_COMBINATIONS) {
    let prefixes: string[][] = [[]];
    for (const keys of prefixValues) prefixes = prefixes.flatMap((p) => [...(keys as Set<string>)].map((k) => [...p, k]));
    leaves = [];
    for (const p of prefixes) {
      const leaf = index.leaves.get(joinKeys(p));
      if (leaf) leaves.push(leaf);
    }
  } else {
    leaves = [...index.leaves.values()].filter((leaf) => leaf.prefix.every((k, i) => prefixValues[i]?.has(k) ?? true));
  }

  const last = byField.get(index.fields[index.fields.length - 1]);
  let intervals: Interval[] = [{}];
  if (last?.values) {
    const sorted = [...last.values].sort(compareValues).filter((v, i, a) => i === 0 || compareValues(a[i - 1], v) !== 0);
    intervals = sorted.map((v) => ({ gte: v, lte: v }));
  } else if (last && hasRange(last)) {
    intervals = [{ gt: last.gt, gte: last.gte, lt: last.lt, lte: last.lte }];
  }
  return { index, leaves, intervals };
}

// ---------------------------------------------------------------------------
// Journal: append-only file with group commit

/** Calls onLine for every line of a file, with the byte offset just past it. */
async function forEachLine(file: string, onLine: (text: string, end: number, terminated: boolean) => void): Promise<void> {
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  let carry: Buffer | undefined;
  let offset = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(10, start)) !== -1) {
      onLine(buf.toString('utf8', start, nl), offset + nl + 1, true);
      start = nl + 1;
    }
    offset += start;
    carry = start < buf.length ? buf.subarray(start) : undefined;
  }
  if (carry && carry.length > 0) onLine(carry.toString('utf8'), offset + carry.length, false);
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}

/** A new or renamed directory entry is only durable once the directory itself is synced. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

interface JournalSnapshot {
  /** Serialised live records, produced lazily so compaction can yield between chunks. */
  lines: Iterable<string>;
  count: number;
}

class Journal {
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

  get failed(): Error | undefined {
    return this.failure;
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
          this.fail(e as Error, waiters);
          return;
        }
        this.bytes += buf.length;
        this.records += lines.length;
        for (const w of waiters) w.resolve();
      }
    } finally {
      this.active = false;
    }
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

// ---------------------------------------------------------------------------
// Collection

type JournalRecord =
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

function normalise(doc: unknown): { doc: Doc; line: string } {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new TypeError('a document must be an object');
  const d = doc as Record<string, unknown>;
  if (typeof d._id !== 'string' || d._id === '') throw new TypeError('a document needs a non-empty string _id');
  for (const k of Object.keys(d)) {
    if (k.startsWith('$')) throw new TypeError(`document "${d._id}": field names may not start with "$" (${k})`);
  }
  // Round-trip through JSON so what is read before a restart equals what is read after.
  const line = JSON.stringify(d);
  return { doc: JSON.parse(line) as Doc, line };
}

class EmbeddedCollection implements Collection<Doc> {
  readonly name: string;
  private readonly store: EmbeddedDocumentStore;
  readonly docs = new Map<string, Doc>();
  readonly indexes = new Map<string, SecondaryIndex>();
  journal!: Journal;

  constructor(store: EmbeddedDocumentStore, name: string) {
    this.store = store;
    this.name = name;
  }

  attach(file: string, state: { bytes: number; records: number }, compactMinBytes: number): void {
    this.journal = new Journal(file, state, compactMinBytes, () => this.snapshot(), () => this.docs.size);
  }

  private snapshot(): JournalSnapshot {
    const indexes = [...this.indexes.values()].map((i) => JSON.stringify({ $index: { fields: i.spec, unique: i.unique } }));
    const docs = [...this.docs.values()];
    return {
      count: indexes.length + docs.length,
      lines: (function* () {
        yield* indexes;
        for (const d of docs) yield JSON.stringify(d);
      })(),
    };
  }

  /** Applies one journal record during replay; indexes are built afterwards. */
  replay(rec: JournalRecord, indexSpecs: Map<string, { fields: SortSpec; unique: boolean }>): void {
    switch (rec.kind) {
      case 'doc':
        this.docs.set(rec.doc._id, rec.doc);
        break;
      case 'delete':
        this.docs.delete(rec.id);
        break;
      case 'clear':
        this.docs.clear();
        break;
      case 'index':
        indexSpecs.set(indexName(rec.fields), { fields: rec.fields, unique: rec.unique });
        break;
    }
  }

  release(): void {
    this.docs.clear();
    this.indexes.clear();
  }

  buildIndexes(specs: Iterable<{ fields: SortSpec; unique: boolean }>): void {
    for (const s of specs) {
      const index = new SecondaryIndex(s.fields, s.unique);
      index.build(this.docs.values());
      this.indexes.set(index.name, index);
    }
  }

  async createIndex(fields: Record<string, 1 | -1>, options?: { unique?: boolean }): Promise<void> {
    this.store.assertWritable(this);
    const spec = validateIndexSpec(fields);
    const unique = options?.unique === true;
    const name = indexName(spec);
    if (name === '_id_1' || name === '_id_-1') return;
    const existing = this.indexes.get(name);
    if (existing) {
      if (existing.unique !== unique) throw new Error(`index ${name} already exists with unique=${existing.unique}`);
      return;
    }
    const index = new SecondaryIndex(spec, unique);
    index.build(this.docs.values());
    if (unique) {
      const dup = index.findDuplicate();
      if (dup !== undefined) throw new DuplicateKeyError(this.name, name, dup);
    }
    this.indexes.set(name, index);
    await this.journal.append([JSON.stringify({ $index: { fields: spec, unique } })]);
  }

  async upsertMany(input: Doc[]): Promise<void> {
    this.store.assertWritable(this);
    if (!Array.isArray(input)) throw new TypeError('upsertMany takes an array of documents');
    // Last occurrence of an _id wins, as if the documents were written in order.
    const batch = new Map<string, { doc: Doc; line: string }>();
    for (const d of input) {
      const n = normalise(d);
      batch.delete(n.doc._id);
      batch.set(n.doc._id, n);
    }
    if (batch.size === 0) return;
    this.checkUnique(batch);
    const lines: string[] = [];
    for (const { doc, line } of batch.values()) {
      const old = this.docs.get(doc._id);
      if (old) for (const index of this.indexes.values()) index.remove(old);
      this.docs.set(doc._id, doc);
      for (const index of this.indexes.values()) index.insert(doc);
      lines.push(line);
    }
    await this.journal.append(lines);
  }

  /** Rejects the whole batch before anything of it is applied. */
  private checkUnique(batch: Map<string, { doc: Doc }>): void {
    for (const index of this.indexes.values()) {
      if (!index.unique) continue;
      const seen = new Map<string, string>();
      for (const { doc } of batch.values()) {
        const key = index.fullKey(doc);
        if (seen.has(key)) throw new DuplicateKeyError(this.name, index.name, doc._id);
        seen.set(key, doc._id);
        for (const other of index.sameKey(doc)) {
          // A document replaced by this batch is judged by its new version, which `seen` covers.
          if (other._id !== doc._id && !batch.has(other._id)) throw new DuplicateKeyError(this.name, index.name, doc._id);
        }
      }
    }
  }

  async find(filter: Filter, options?: FindOptions): Promise<Doc[]> {
    this.store.assertOpen();
    return this.query(filter, options).map(cloneJson);
  }

  async count(filter: Filter): Promise<number> {
    this.store.assertOpen();
    return this.query(filter, undefined).length;
  }

  async deleteMany(filter: Filter): Promise<number> {
    this.store.assertWritable(this);
    const conditions = compileFilter(filter);
    if (conditions.length === 0) {
      const n = this.docs.size;
      if (n === 0) return 0;
      this.docs.clear();
      for (const index of this.indexes.values()) index.clear();
      await this.journal.append(['{"$clear":1}']);
      return n;
    }
    const victims = this.query(filter, undefined);
    const lines: string[] = [];
    for (const doc of victims) {
      this.docs.delete(doc._id);
      for (const index of this.indexes.values()) index.remove(doc);
      lines.push(JSON.stringify({ $d: doc._id }));
    }
    await this.journal.append(lines);
    return victims.length;
  }

  /** Matching stored documents (not copies), sorted and limited. */
  private query(filter: Filter, options: FindOptions | undefined): Doc[] {
    const conditions = compileFilter(filter);
    const compare = compileSort(options?.sort);
    const limit = options?.limit ?? 0;
    if (!Number.isInteger(limit) || limit < 0) throw new TypeError('limit must be a non-negative integer');
    const max = limit === 0 ? Infinity : limit;

    const idCondition = conditions.find((c) => c.field === '_id' && c.values);
    if (idCondition?.values) {
      const out: Doc[] = [];
      for (const v of new Set(idCondition.values)) {
        const doc = typeof v === 'string' ? this.docs.get(v) : undefined;
        if (doc && matches(conditions, doc)) out.push(doc);
      }
      return finish(out, compare, max);
    }

    const plan = planIndex(this.indexes.values(), conditions);
    if (!plan) {
      const out: Doc[] = [];
      for (const doc of this.docs.values()) {
        if (!matches(conditions, doc)) continue;
        out.push(doc);
        if (!compare && out.length >= max) break;
      }
      return finish(out, compare, max);
    }

    const sortFields = options?.sort ? Object.entries(options.sort) : [];
    const lastField = plan.index.fields[plan.index.fields.length - 1];
    // One leaf is already in (last field, _id) order: walk it in the wanted direction
    // and stop at the limit instead of collecting the whole range.
    const ordered =
      plan.leaves.length === 1 && (sortFields.length === 0 || (sortFields.length === 1 && sortFields[0][0] === lastField));
    if (ordered) {
      const leaf = plan.leaves[0];
      const descending = sortFields.length === 1 && sortFields[0][1] === -1;
      const ranges = plan.intervals.map((iv) => plan.index.bounds(leaf, iv));
      if (descending) ranges.reverse();
      const out: Doc[] = [];
      for (const [from, to] of ranges) {
        if (descending) {
          for (let i = to - 1; i >= from && out.length < max; i--) if (matches(conditions, leaf.docs[i])) out.push(leaf.docs[i]);
        } else {
          for (let i = from; i < to && out.length < max; i++) if (matches(conditions, leaf.docs[i])) out.push(leaf.docs[i]);
        }
      }
      return out;
    }

    const out: Doc[] = [];
    for (const leaf of plan.leaves) {
      for (const iv of plan.intervals) {
        const [from, to] = plan.index.bounds(leaf, iv);
        for (let i = from; i < to; i++) if (matches(conditions, leaf.docs[i])) out.push(leaf.docs[i]);
      }
    }
    return finish(out, compare, max);
  }
}

function finish(docs: Doc[], compare: ((a: Doc, b: Doc) => number) | undefined, max: number): Doc[] {
  if (compare) docs.sort(compare);
  return docs.length > max ? docs.slice(0, max) : docs;
}

// ---------------------------------------------------------------------------
// Store

function fileNameFor(collection: string): string {
  // encodeURIComponent leaves a few characters that are awkward in file names ("." makes ".." possible).
  return encodeURIComponent(collection).replace(/[.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) + JOURNAL_EXT;
}

function collectionFor(fileName: string): string | undefined {
  if (!fileName.endsWith(JOURNAL_EXT)) return undefined;
  try {
    const name = decodeURIComponent(fileName.slice(0, -JOURNAL_EXT.length));
    // Files this store did not name (e.g. copied in by hand) are not its journals.
    return fileNameFor(name) === fileName ? name : undefined;
  } catch {
    return undefined;
  }
}

export class EmbeddedDocumentStore implements DocumentStore {
  private readonly dir: string;
  private readonly compactMinBytes: number;
  private readonly collections = new Map<string, EmbeddedCollection>();
  private closed = false;

  private constructor(dir: string, compactMinBytes: number) {
    this.dir = dir;
    this.compactMinBytes = compactMinBytes;
  }

  /** Opens (creating if needed) the store in dir and replays every collection's journal. */
  static async open(dir: string, options?: EmbeddedDocumentStoreOptions): Promise<EmbeddedDocumentStore> {
    await mkdir(dir, { recursive: true });
    const store = new EmbeddedDocumentStore(dir, options?.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      if (entry.name.endsWith(`${JOURNAL_EXT}.compact`)) {
        // A compaction that did not reach its rename; the journal it was replacing is intact.
        await rm(path.join(dir, entry.name), { force: true });
        continue;
      }
      const name = collectionFor(entry.name);
      if (name !== undefined) await store.load(name);
    }
    return store;
  }

  private async load(name: string): Promise<void> {
    const file = path.join(this.dir, fileNameFor(name));
    const c = new EmbeddedCollection(this, name);
    const indexSpecs = new Map<string, { fields: SortSpec; unique: boolean }>();
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
      c.replay(rec, indexSpecs);
      records++;
      goodEnd = end;
    });
    // Only the tail can be torn (a write cut short by a crash); those records were
    // never acknowledged, so dropping them loses nothing that was promised.
    if (firstBad !== undefined) await truncate(file, goodEnd);
    c.buildIndexes(indexSpecs.values());
    c.attach(file, { bytes: goodEnd, records }, this.compactMinBytes);
    this.collections.set(name, c);
    if (c.journal.shouldCompact()) await c.journal.compact();
  }

  collection<T extends Doc = Doc>(name: string): Collection<T> {
    if (typeof name !== 'string' || name === '') throw new TypeError('collection name must be a non-empty string');
    let c = this.collections.get(name);
    if (!c) {
      c = new EmbeddedCollection(this, name);
      c.attach(path.join(this.dir, fileNameFor(name)), { bytes: 0, records: 0 }, this.compactMinBytes);
      this.collections.set(name, c);
    }
    return c as unknown as Collection<T>;
  }

  isReady(): boolean {
    if (this.closed) return false;
    for (const c of this.collections.values()) if (c.journal.failed) return false;
    return true;
  }

  /** Waits for pending writes, then releases the journals. Further calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.collections.values()].map((c) => c.journal.close()));
    // Callers may keep the store object around; let the documents go.
    for (const c of this.collections.values()) c.release();
  }

  /** @internal */
  assertOpen(): void {
    if (this.closed) throw new Error('document store is closed');
  }

  /** @internal */
  assertWritable(c: EmbeddedCollection): void {
    this.assertOpen();
    const failed = c.journal.failed;
    if (failed) throw failed;
  }
}
