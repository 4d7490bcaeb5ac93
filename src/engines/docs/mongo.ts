/**
 * Document store on MongoDB (or a server speaking its wire protocol) through the
 * official driver. The driver reconnects by itself; this adapter mirrors its topology
 * state in `isReady()`, retries idempotent operations that a connection loss cut short,
 * and turns everything else into errors that name the engine and never the credentials.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { BSON, MongoBulkWriteError, MongoClient, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import type { AnyBulkWriteOperation, Db, Collection as DriverCollection, MongoClientOptions, WriteError } from 'mongodb';
import { backoffDelays } from '../shared/backoff.ts';
import { EngineUnavailableError, isNetworkCode } from '../shared/unavailable.ts';
import { DuplicateKeyError } from './port.ts';
import { compileFilter } from './filter.ts';
import { checkDocument, checkLimit } from './checks.ts';
import { indexName, validateIndexSpec } from './indexes.ts';
import { compileSort } from './sort.ts';
import type { Collection, Doc, DocumentStore, Filter, FindOptions } from './port.ts';

export interface MongoDocumentStoreOptions {
  /** How long an operation waits for a server to be reachable before it fails. */
  serverSelectionTimeoutMS?: number;
  /** How often the driver probes the server; while it is down this is the reconnect interval. */
  heartbeatFrequencyMS?: number;
  /** Bounds a single round trip, so a server that stops answering cannot hang a caller. */
  socketTimeoutMS?: number;
  /** How long an idempotent operation cut off by a lost connection keeps being retried. */
  retryWindowMs?: number;
  /** How long the unique-index layout of a collection is trusted before it is looked up again. */
  indexCacheMs?: number;
  /**
   * Most writes sent in one command, and most such commands under way at once. By default
   * unbounded on MongoDB, and 32 and 1 on FerretDB: its SQLite backend keeps one database
   * connection per replaced document until the command ends and deadlocks once a database's
   * 100 connections are taken, and concurrent write commands slow it down (they wait on
   * SQLite's busy lock) instead of speeding it up.
   */
  writeBatch?: number;
  concurrentWrites?: number;
}

const DEFAULTS = {
  serverSelectionTimeoutMS: 5000,
  heartbeatFrequencyMS: 2000,
  socketTimeoutMS: 30_000,
  retryWindowMs: 10_000,
  indexCacheMs: 30_000,
};

const FERRETDB_LIMITS = { writeBatch: 32, concurrentWrites: 1 };
const POINT_READS_AT_ONCE = 8;

/** At most `size` calls at a time; the rest wait in order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async use<R>(call: () => Promise<R>): Promise<R> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}

/** Raised when the server cannot be reached, or stopped answering, within the bounded wait. */
export class DocumentStoreUnavailableError extends EngineUnavailableError {
  constructor(message: string, options?: ErrorOptions) {
    super('MongoDB', message, options);
  }
}

// Server codes that mean "this node is going away or not usable right now": the operation can be retried elsewhere or later.
const TRANSIENT_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
const DUPLICATE_KEY = 11000;
const INTERNAL_ERROR = 1;
const NAMESPACE_NOT_FOUND = 26;

/** A bulk write that failed for a reason other than its documents wraps the driver's error. */
function rootCause(error: unknown): unknown {
  if (error instanceof MongoBulkWriteError && error.errorResponse instanceof Error) return error.errorResponse;
  return error;
}

/** @internal Whether `failure` means the server is away (or going), not that the operation is bad. */
export function isTransient(failure: unknown): boolean {
  const error = rootCause(failure);
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true;
  if (error instanceof MongoServerError && error.code !== undefined && TRANSIENT_CODES.has(Number(error.code))) return true;
  // FerretDB's form of InterruptedAtShutdown: a command still running when it stops is
  // cancelled, at once or once its connection's grace period ("after delay") is over.
  if (error instanceof MongoServerError && error.code === INTERNAL_ERROR && /context canceled( after delay)?$/.test(error.message)) return true;
  // A write on a socket the server closed while stopping ("This socket has been ended by the other party") is Node's own EPIPE.
  if (error instanceof Error && isNetworkCode((error as NodeJS.ErrnoException).code)) return true;
  return error instanceof Error && error.name === 'MongoPoolClearedError';
}

interface ParsedUrl {
  /** Hosts and database, without user or password: safe to show. */
  address: string;
  database: string;
  /** Every spelling of the credentials that could surface in a driver message. */
  secrets: string[];
}

function parseUrl(url: string): ParsedUrl {
  const m = /^mongodb(?:\+srv)?:\/\/(?:([^@/]*)@)?([^/?]+)(?:\/([^?]*))?/.exec(url);
  if (!m) throw new TypeError('the document store URL must look like mongodb://host:port/database');
  const [, userinfo, hosts, path] = m;
  const database = decodeURIComponent(path ?? '') || 'orbit';
  const secrets = new Set<string>();
  if (userinfo) {
    secrets.add(userinfo);
    const [user, password] = userinfo.split(':');
    for (const s of [user, password]) {
      if (!s) continue;
      secrets.add(s);
      secrets.add(decodeURIComponent(s));
    }
  }
  return { address: `${hosts}/${database}`, database, secrets: [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length) };
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

/** Last occurrence of an _id wins, as if the documents were written one after another. */
function lastVersions(input: unknown): Doc[] {
  if (!Array.isArray(input)) throw new TypeError('upsertMany takes an array of documents');
  const byId = new Map<string, Doc>();
  for (const d of input as unknown[]) {
    const doc = checkDocument(d);
    byId.delete(doc._id);
    byId.set(doc._id, doc);
  }
  return [...byId.values()];
}

/** MongoDB names the index in the message; FerretDB does not, so fall back on the candidates. */
function indexFromMessage(message: string, candidates: readonly string[]): string {
  return /index: (\S+)/.exec(message)?.[1] ?? (candidates.join(' or ') || 'unknown');
}

const JOURNALED = { ordered: false, writeConcern: { w: 1, journal: true } } as const;

/** A document as the server hands it back: through BSON, without undefined fields. */
function asStored(doc: Doc): Doc {
  return BSON.deserialize(BSON.serialize(doc, { ignoreUndefined: true })) as Doc;
}

class MongoCollection implements Collection<Doc> {
  private readonly store: MongoDocumentStore;
  private readonly name: string;
  private readonly driver: DriverCollection<Doc>;

  constructor(store: MongoDocumentStore, db: Db, name: string) {
    this.store = store;
    this.name = name;
    this.driver = db.collection<Doc>(name);
  }

  createIndex(fields: Record<string, 1 | -1>, options?: { unique?: boolean }): Promise<void> {
    return this.store.track(() => this.ensureIndex(fields, options));
  }

  private async ensureIndex(fields: Record<string, 1 | -1>, options?: { unique?: boolean }): Promise<void> {
    const spec = validateIndexSpec(fields);
    const keys = Object.keys(spec);
    // Every collection already has its unique _id index, which MongoDB will not take options for.
    if (keys.length === 1 && keys[0] === '_id') return;
    const unique = options?.unique === true;
    await this.store.run('createIndex', this.name, 'idempotent', async () => {
      try {
        await this.driver.createIndex(spec, { unique });
      } catch (error) {
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
          throw new DuplicateKeyError(this.name, indexFromMessage(error.message, [indexName(spec)]), String((error.keyValue as Doc | undefined)?._id ?? '?'));
        }
        throw error;
      }
    });
    this.store.forgetIndexes(this.name);
  }

  upsertMany(input: Doc[]): Promise<void> {
    return this.store.track(async () => {
      const docs = lastVersions(input);
      if (docs.length === 0) return;
      // A unique index can refuse some documents of an unordered batch after others were
      // written; the versions read here let those others be put back, so the call stores nothing.
      const uniqueIndexes = await this.store.uniqueIndexes(this.name, this.driver);
      const before = uniqueIndexes.length ? await this.store.run('upsertMany', this.name, 'idempotent', () => this.byId(docs)) : undefined;
      const ops: AnyBulkWriteOperation<Doc>[] = docs.map((doc) => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } }));
      await this.store.run('upsertMany', this.name, 'idempotent', async () => {
        const refused = await this.store.bulkWrite(this.driver, ops);
        if (!refused.length) return;
        const clashing = before ? await this.undo(docs, before) : docs[refused[0].index];
        throw new DuplicateKeyError(this.name, indexFromMessage(refused[0].errmsg ?? '', uniqueIndexes), clashing?._id ?? '?');
      });
    });
  }

  private async byId(docs: Doc[]): Promise<Map<string, Doc>> {
    const ids = docs.map((d) => d._id);
    if (!this.store.pointReads) {
      const found = await this.driver.find({ _id: { $in: ids } }).toArray();
      return new Map(found.map((d) => [d._id, d]));
    }
    // FerretDB answers `_id $in` by scanning the collection but a single `_id` from its index.
    const out = new Map<string, Doc>();
    for (let i = 0; i < ids.length; i += POINT_READS_AT_ONCE) {
      const found = await Promise.all(ids.slice(i, i + POINT_READS_AT_ONCE).map((_id) => this.driver.findOne({ _id })));
      for (const d of found) if (d) out.set(d._id, d);
    }
    return out;
  }

  /**
   * Puts back what the batch changed and returns a document it could not write. What was
   * written is told by reading it back, not by the error's operation indexes, which FerretDB
   * reports wrongly for unordered batches.
   */
  private async undo(docs: Doc[], before: Map<string, Doc>): Promise<Doc | undefined> {
    const now = await this.byId(docs);
    const ops: AnyBulkWriteOperation<Doc>[] = [];
    let refused: Doc | undefined;
    for (const doc of docs) {
      const stored = now.get(doc._id);
      const old = before.get(doc._id);
      if (!stored || !isDeepStrictEqual(stored, asStored(doc))) {
        refused ??= doc;
        continue;
      }
      if (old && isDeepStrictEqual(old, stored)) continue;
      ops.push(old ? { replaceOne: { filter: { _id: doc._id }, replacement: old } } : { deleteOne: { filter: { _id: doc._id } } });
    }
    const failed = ops.length ? await this.store.bulkWrite(this.driver, ops) : [];
    if (failed.length) throw new Error(`could not put back the documents of a refused batch: ${failed[0].errmsg ?? 'unknown error'}`);
    return refused;
  }

  find(filter: Filter, options?: FindOptions): Promise<Doc[]> {
    return this.store.track(() => {
      compileFilter(filter);
      const limit = checkLimit(options?.limit);
      // compileSort only checks the directions here; an empty sort is none.
      const sort = compileSort(options?.sort) ? options?.sort : undefined;
      return this.store.run('find', this.name, 'idempotent', () => this.driver.find(filter as Record<string, unknown>, { sort, limit }).toArray());
    });
  }

  count(filter: Filter): Promise<number> {
    return this.store.track(() => {
      compileFilter(filter);
      return this.store.run('count', this.name, 'idempotent', () => this.driver.countDocuments(filter as Record<string, unknown>));
    });
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.store.track(async () => {
      compileFilter(filter);
      // Not retried after a lost connection: the first attempt may have deleted some, and a
      // second would report a smaller count than what the call really removed.
      const result = await this.store.run('deleteMany', this.name, 'once', () => this.driver.deleteMany(filter as Record<string, unknown>, JOURNALED));
      return result.deletedCount;
    });
  }
}

export class MongoDocumentStore implements DocumentStore {
  private readonly client: MongoClient;
  private readonly db: Db;
  private readonly url: ParsedUrl;
  private readonly options: typeof DEFAULTS;
  private writeBatch = Infinity;
  private writeSlots: Slots | undefined;
  /** @internal Whether documents are better read one `_id` at a time than with `_id $in`. */
  pointReads = false;
  private readonly collections = new Map<string, MongoCollection>();
  private readonly uniqueIndexCache = new Map<string, { names: Promise<string[]>; at: number }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private reachable = false;
  private closing: Promise<void> | undefined;

  private constructor(client: MongoClient, url: ParsedUrl, options: typeof DEFAULTS) {
    this.client = client;
    this.url = url;
    this.options = options;
    this.db = client.db(url.database);
    client.on('topologyDescriptionChanged', (event) => {
      this.reachable = [...event.newDescription.servers.values()].some((s) => s.isWritable);
    });
  }

  /** Connects and checks that the server answers; rejects when it does not within the selection timeout. */
  static async open(url: string, options: MongoDocumentStoreOptions = {}): Promise<MongoDocumentStore> {
    const parsed = parseUrl(url);
    const opts = { ...DEFAULTS, ...options };
    const clientOptions: MongoClientOptions = {
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS,
      heartbeatFrequencyMS: opts.heartbeatFrequencyMS,
      socketTimeoutMS: opts.socketTimeoutMS,
      connectTimeoutMS: Math.min(opts.serverSelectionTimeoutMS, 10_000),
      // Fields set to undefined are left out, as a JSON round trip would.
      ignoreUndefined: true,
      appName: 'orbit',
    };
    let client: MongoClient;
    try {
      client = new MongoClient(url, clientOptions);
    } catch (error) {
      // The driver's error may quote the URL, password included, so only its redacted message goes on.
      // eslint-disable-next-line preserve-caught-error
      throw new TypeError(`invalid MongoDB URL for ${parsed.address}: ${redact((error as Error).message, parsed.secrets)}`);
    }
    // Listening before connecting, so that readiness follows the very first topology change.
    const store = new MongoDocumentStore(client, parsed, opts);
    try {
      await client.connect();
      const info = await client.db('admin').command({ buildInfo: 1 });
      const ferretDb = typeof info.ferretdbVersion === 'string';
      const server: { writeBatch?: number; concurrentWrites?: number } = ferretDb ? FERRETDB_LIMITS : {};
      store.pointReads = ferretDb;
      const writeBatch = options.writeBatch ?? server.writeBatch;
      const concurrentWrites = options.concurrentWrites ?? server.concurrentWrites;
      if (writeBatch) store.writeBatch = writeBatch;
      if (concurrentWrites) store.writeSlots = new Slots(concurrentWrites);
      return store;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new DocumentStoreUnavailableError(`MongoDB at ${parsed.address} is unreachable: ${redact((error as Error).message, parsed.secrets)}`);
    }
  }

  collection<T extends Doc = Doc>(name: string): Collection<T> {
    if (typeof name !== 'string' || name === '') throw new TypeError('collection name must be a non-empty string');
    let c = this.collections.get(name);
    if (!c) {
      c = new MongoCollection(this, this.db, name);
      this.collections.set(name, c);
    }
    return c as unknown as Collection<T>;
  }

  isReady(): boolean {
    return !this.closing && this.reachable;
  }

  /** Waits for the operations already under way, then disconnects. Further calls reject. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await this.client.close();
    })();
    return this.closing;
  }

  /** @internal */
  forgetIndexes(collection: string): void {
    this.uniqueIndexCache.delete(collection);
  }

  /** @internal Names of the collection's unique indexes besides _id, looked up at most every `indexCacheMs`. */
  uniqueIndexes(collection: string, driver: DriverCollection<Doc>): Promise<string[]> {
    const known = this.uniqueIndexCache.get(collection);
    if (known && Date.now() - known.at < this.options.indexCacheMs) return known.names;
    const names = this.run('upsertMany', collection, 'idempotent', async () => {
      try {
        return (await driver.listIndexes().toArray()).filter((i) => i.unique === true && i.name !== '_id_').map((i) => String(i.name));
      } catch (error) {
        if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return [];
        throw error;
      }
    });
    this.uniqueIndexCache.set(collection, { names, at: Date.now() });
    names.catch(() => this.uniqueIndexCache.delete(collection));
    return names;
  }

  /**
   * @internal Writes `ops` unordered, in commands of at most `writeBatch`, and returns the
   * duplicate-key refusals (indexes into `ops`). Any other failure is thrown, and the commands
   * not yet sent are dropped: after an outage began they would each wait it out in turn.
   */
  async bulkWrite(driver: DriverCollection<Doc>, ops: AnyBulkWriteOperation<Doc>[]): Promise<{ index: number; errmsg?: string }[]> {
    const size = Math.min(this.writeBatch, ops.length);
    const refused: { index: number; errmsg?: string }[] = [];
    let failure: { error: unknown } | undefined;
    const send = async (offset: number) => {
      if (failure) return;
      try {
        await driver.bulkWrite(ops.slice(offset, offset + size), JOURNALED);
      } catch (error) {
        const errors = error instanceof MongoBulkWriteError ? ([] as WriteError[]).concat(error.writeErrors) : [];
        if (!errors.length || errors.some((e) => e.code !== DUPLICATE_KEY)) failure ??= { error };
        else for (const e of errors) refused.push({ index: offset + e.index, errmsg: e.errmsg });
      }
    };
    const offsets = Array.from({ length: Math.ceil(ops.length / size) }, (_, i) => i * size);
    await Promise.all(offsets.map((offset) => (this.writeSlots ? this.writeSlots.use(() => send(offset)) : send(offset))));
    if (failure) throw failure.error;
    return refused.sort((a, b) => a.index - b.index);
  }

  /** @internal Runs one port call, refused once closing began and awaited by `close`. */
  track<R>(call: () => Promise<R>): Promise<R> {
    if (this.closing) return Promise.reject(new Error(`document store is closed (MongoDB at ${this.url.address})`));
    const task = (async () => call())();
    this.inFlight.add(task);
    const forget = () => this.inFlight.delete(task);
    task.then(forget, forget);
    return task;
  }

  /**
   * Runs one driver call for `op`. A call cut off by a lost connection is retried while the
   * retry window lasts when it is idempotent; any failure leaves as an error naming MongoDB.
   * @internal
   */
  async run<R>(op: string, collection: string, kind: 'idempotent' | 'once', call: () => Promise<R>): Promise<R> {
    const deadline = Date.now() + this.options.retryWindowMs;
    const delay = backoffDelays({ initialMs: 100, maxMs: 1000 });
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (!isTransient(error)) throw this.describe(op, collection, error);
        // Selection already waited for the server; a cut-off call has not, so it gets another go.
        const pause = delay();
        const retry = kind === 'idempotent' && !(rootCause(error) instanceof MongoServerSelectionError) && Date.now() + pause < deadline;
        if (!retry) throw this.unavailable(op, collection, error);
        await sleep(pause);
      }
    }
  }

  private unavailable(op: string, collection: string, error: unknown): Error {
    const reason = redact((error as Error).message, this.url.secrets);
    const note = rootCause(error) instanceof MongoServerSelectionError ? '' : ' (the server may have applied it before the connection was lost)';
    return new DocumentStoreUnavailableError(`MongoDB at ${this.url.address} is unavailable: ${op} on "${collection}" failed${note}: ${reason}`);
  }

  private describe(op: string, collection: string, error: unknown): Error {
    if (error instanceof DuplicateKeyError || error instanceof TypeError) return error;
    const message = redact((error as Error).message ?? String(error), this.url.secrets);
    const wrapped = new Error(`MongoDB at ${this.url.address}: ${op} on "${collection}" failed: ${message}`);
    const code = (error as { code?: unknown }).code;
    if (code !== undefined) Object.assign(wrapped, { code });
    return wrapped;
  }
}
