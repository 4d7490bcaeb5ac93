/**
 * Embedded document store. Every collection is held in memory and backed by an
 * append-only journal (one file per collection, see journal.ts) that is replayed on
 * open and compacted when dead records dominate it. Secondary indexes (indexes.ts) are
 * kept in memory only and rebuilt on open from the index definitions in the journal.
 */
import { checkDocument, checkLimit } from './checks.ts';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { cloneJson } from '../storage/json.ts';
import { compileFilter, matches } from './filter.ts';
import { SecondaryIndex, indexName, planIndex, validateIndexSpec } from './indexes.ts';
import { CLEAR_LINE, Journal, collectionFor, deleteLine, fileNameFor, indexLine, isCompactionLeftover, replayJournal } from './journal.ts';
import type { JournalRecord, JournalSnapshot } from './journal.ts';
import type { Collection, Doc, DocumentStore, Filter, FindOptions } from './port.ts';
import { compileSort } from './sort.ts';
import { DuplicateKeyError } from './port.ts';
import type { SortSpec } from './sort.ts';

export interface EmbeddedDocumentStoreOptions {
  /** A journal smaller than this is never compacted. */
  compactMinBytes?: number;
}

const DEFAULT_COMPACT_MIN_BYTES = 8 * 1024 * 1024;

function normalise(doc: unknown): { doc: Doc; line: string } {
  const d = checkDocument(doc);
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
    const indexes = [...this.indexes.values()].map((i) => indexLine(i.spec, i.unique));
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
    await this.journal.append([indexLine(spec, unique)]);
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
      await this.journal.append([CLEAR_LINE]);
      return n;
    }
    const victims = this.query(filter, undefined);
    const lines: string[] = [];
    for (const doc of victims) {
      this.docs.delete(doc._id);
      for (const index of this.indexes.values()) index.remove(doc);
      lines.push(deleteLine(doc._id));
    }
    await this.journal.append(lines);
    return victims.length;
  }

  /** Matching stored documents (not copies), sorted and limited. */
  private query(filter: Filter, options: FindOptions | undefined): Doc[] {
    const conditions = compileFilter(filter);
    const compare = compileSort(options?.sort);
    const limit = checkLimit(options?.limit);
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
      if (isCompactionLeftover(entry.name)) {
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
    const intact = await replayJournal(file, (rec) => c.replay(rec, indexSpecs));
    c.buildIndexes(indexSpecs.values());
    c.attach(file, intact, this.compactMinBytes);
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
