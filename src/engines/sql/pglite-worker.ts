/**
 * Relational store on PGlite running in a worker thread. PGlite executes PostgreSQL as
 * WebAssembly on the thread that calls it; on the main thread it competes with HTTP,
 * JSON and queue work for one core, here it gets a core of its own.
 *
 * Calls travel as messages (structured clone keeps Dates, arrays and jsonb objects).
 * A transaction is held open in the worker under the id of its `begin` request; the
 * queries of `fn` carry that id, every other call waits behind the transaction on
 * PGlite's own lock, exactly as with the in-thread store.
 *
 * As with the in-thread store, `fn` must not await a call on the store itself (outside
 * `tx`): that call waits for the transaction, which waits for `fn`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { syncTree } from './pglite-durable-fs.ts';
import { backoffDelays } from '../shared/backoff.ts';
import { DiskFullError, isDiskFull } from '../shared/unavailable.ts';
import { UniqueViolationError, type QueryResult, type SqlExecutor, type SqlStore } from './port.ts';

// ---- protocol (shared with pglite-worker-thread.ts) ----

export type Request =
  | { id: number; op: 'query'; sql: string; params?: unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  /** Answered once the transaction holds PGlite's lock; its id names the transaction. */
  | { id: number; op: 'begin' }
  /** Answered once COMMIT or ROLLBACK is done; a failing COMMIT answers with its error. */
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** An error as it crosses the thread boundary: PostgreSQL's fields (code, detail, constraint...) ride in `fields`. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, string | number | boolean>;
}

export type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: WireError };

/** First message of the worker: the database is open, or why it could not be. */
export type Ready = { ready: true } | { ready: false; error: WireError };

export interface WorkerData {
  dir?: string;
}

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

// ---- main-thread side ----

/** An error raised in the PGlite worker, with PostgreSQL's fields (`code`, `detail`, `constraint`...) copied over. */
export class SqlWorkerError extends Error {
  code?: string;
  detail?: string;
  constraint?: string;
  [field: string]: unknown;

  constructor(wire: WireError, callerStack: string | undefined) {
    super(wire.message);
    Object.assign(this, wire.fields);
    this.name = wire.name;
    // The caller's frames say which query failed; the worker's say where PGlite raised it.
    const worker = wire.stack?.split('\n').slice(1).join('\n');
    this.stack = `${this.name}: ${this.message}${callerStack ? `\n${callerStack}` : ''}${worker ? `\n  in the PGlite worker thread:\n${worker}` : ''}`;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  site: CallSite;
}

type Call = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

const THREAD_SCRIPT = new URL('./pglite-worker-thread.ts', import.meta.url);

/** Captured on every call, formatted only if the call fails (V8 formats stack traces lazily). */
interface CallSite {
  stack?: string;
}

function callSite(): CallSite {
  const site: CallSite = {};
  Error.captureStackTrace(site, callSite);
  return site;
}

/** The caller's frames, without the "Error" line and the frames of this file. */
function callerFrames(site: CallSite): string | undefined {
  return site.stack
    ?.split('\n')
    .slice(1)
    .filter((line) => !line.includes('pglite-worker.ts'))
    .join('\n');
}

export interface PgliteWorkerOptions {
  /** The worker script; tests substitute one that can be made to fail. */
  script?: URL;
  /** Told when the store reopens its database after running out of disk space. */
  logger?: Logger;
}

export class PgliteWorkerStore implements SqlStore {
  #worker: Worker;
  readonly #dir: string | undefined;
  readonly #options: PgliteWorkerOptions;
  readonly #pending = new Map<number, Pending>();
  readonly #started: Promise<void>;
  #nextId = 1;
  #state: 'starting' | 'open' | 'reopening' | 'closing' | 'closed' = 'starting';
  /** Why calls can no longer be answered, once that is so. */
  #failure: Error | undefined;
  /** Why calls fail while the database is reopened. */
  #reopenCause: Error | undefined;
  #reopening: Promise<void> | undefined;
  /** An uncaught error of the worker, reported by 'error' just before 'exit'. */
  #crash: Error | undefined;
  #closing: Promise<void> | undefined;
  readonly #executor: SqlExecutor;

  private constructor(dir: string | undefined, options: PgliteWorkerOptions) {
    this.#dir = dir;
    this.#options = options;
    this.#executor = this.#executorFor(undefined);
    this.#worker = this.#spawn();
    this.#started = this.#attach(this.#worker);
  }

  #spawn(): Worker {
    const data: WorkerData = { dir: this.#dir };
    return new Worker(this.#options.script ?? THREAD_SCRIPT, { workerData: data });
  }

  /** Resolves once `worker` has opened the database; its events count only while it is the current worker. */
  #attach(worker: Worker): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      worker.once('message', (message: Ready) => {
        if (worker !== this.#worker) return;
        if (message.ready) {
          if (this.#state === 'starting' || this.#state === 'reopening') this.#state = 'open';
          worker.on('message', (reply: Reply) => {
            if (worker === this.#worker) this.#settle(reply);
          });
          this.#updateRef();
          resolve();
        } else if (this.#state === 'reopening') {
          reject(new SqlWorkerError(message.error, undefined));
        } else {
          this.#failure = new SqlWorkerError(message.error, undefined);
          reject(this.#failure);
        }
      });
      worker.on('error', (error) => {
        this.#crash = error;
      });
      worker.on('messageerror', (error) => {
        // A reply that cannot be read leaves a caller waiting forever; better to fail everything loudly.
        this.#crash = error;
        void worker.terminate();
      });
      worker.on('exit', (code) => {
        if (worker !== this.#worker) return;
        if (this.#state === 'reopening') return reject(new Error(`the PGlite worker thread stopped while reopening (exit code ${code})`));
        const expected = this.#state === 'closing' || this.#state === 'closed';
        this.#failure ??= expected
          ? new Error('the SQL store is closed')
          : new Error(`the PGlite worker thread stopped (exit code ${code})${this.#crash ? `: ${this.#crash.message}` : ''}`, { cause: this.#crash });
        this.#state = 'closed';
        reject(this.#failure);
        for (const p of this.#pending.values()) p.reject(this.#failure);
        this.#pending.clear();
      });
    });
  }

  /**
   * After PostgreSQL ran out of disk space the database is restarted: a WAL segment it
   * could not create leaves the instance unusable (PostgreSQL itself would PANIC and
   * recover; PGlite spins instead of answering). A new worker recovers from the WAL, tried
   * again with backoff until the disk has room; meanwhile every call fails with
   * DiskFullError, which callers wait out and HTTP answers with 503.
   */
  #reopen(cause: Error): void {
    if (this.#state !== 'open' || !this.#dir) return;
    const dir = this.#dir;
    this.#state = 'reopening';
    const full = new DiskFullError('PGlite', dir, cause);
    this.#reopenCause = full;
    for (const p of this.#pending.values()) p.reject(full);
    this.#pending.clear();
    this.#options.logger?.error({ dir, err: { message: cause.message } }, 'the relational store ran out of disk space; reopening it until there is room');
    const old = this.#worker;
    this.#reopening = (async () => {
      await old.terminate();
      const delay = backoffDelays({ initialMs: 500, maxMs: 5000 });
      for (let attempt = 1; this.#state === 'reopening'; attempt += 1) {
        const worker = this.#spawn();
        this.#worker = worker;
        try {
          await this.#attach(worker);
          this.#options.logger?.info({ dir, attempt }, 'the relational store reopened');
          return;
        } catch (error) {
          this.#reopenCause = isDiskFull(error) ? new DiskFullError('PGlite', dir, error) : full;
          await worker.terminate();
          await sleep(delay());
        }
      }
    })();
  }

  /** `dir` undefined keeps the database in memory (tests). */
  static async open(dir?: string, options: PgliteWorkerOptions = {}): Promise<PgliteWorkerStore> {
    // Creating a database (initdb) grows PGlite's WebAssembly memory by about 120 MB more
    // than opening one does, and a WebAssembly memory never shrinks: a worker of its own
    // creates the database and exits, and the worker that serves opens it like any other.
    if (dir && !existsSync(path.join(dir, 'PG_VERSION'))) {
      await (await PgliteWorkerStore.#start(dir, options)).close();
      syncTree(dir);
    }
    return PgliteWorkerStore.#start(dir, options);
  }

  static async #start(dir: string | undefined, options: PgliteWorkerOptions): Promise<PgliteWorkerStore> {
    const store = new PgliteWorkerStore(dir, options);
    try {
      await store.#started;
    } catch (error) {
      await store.#worker.terminate();
      throw error;
    }
    return store;
  }

  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    return this.#executor.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.#executor.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const tx = (await this.#call({ op: 'begin' })) as number;
    let result: T;
    try {
      result = await fn(this.#executorFor(tx));
    } catch (error) {
      // If the rollback cannot be done the worker is gone, taking the transaction with it; fn's error says more.
      await this.#call({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.#call({ op: 'end', tx, commit: true });
    return result;
  }

  isReady(): boolean {
    return this.#state === 'open';
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#state === 'reopening') {
        // A worker still starting may never answer while the disk is full: stop it first.
        this.#state = 'closed';
        await this.#worker.terminate();
        await this.#reopening;
        await this.#worker.terminate();
        return;
      }
      if (this.#state !== 'open') return;
      this.#state = 'closing';
      try {
        // PGlite's close waits for the calls and transactions already under way.
        await this.#call({ op: 'close' });
      } finally {
        await this.#worker.terminate();
      }
    })();
    return this.#closing;
  }

  #executorFor(tx: number | undefined): SqlExecutor {
    return {
      query: async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => (await this.#call({ op: 'query', sql, params, tx })) as QueryResult<R>,
      exec: async (sql: string): Promise<void> => {
        await this.#call({ op: 'exec', sql, tx });
      },
    };
  }

  #call(call: Call): Promise<unknown> {
    // While closing, an open transaction may still finish: PGlite's close is waiting for it.
    const inTransaction = ('tx' in call && call.tx !== undefined) || call.op === 'close';
    if (this.#state === 'reopening') return Promise.reject(this.#reopenCause);
    if (this.#state !== 'open' && !(this.#state === 'closing' && inTransaction)) {
      return Promise.reject(this.#failure ?? new Error('the SQL store is closed'));
    }
    const id = this.#nextId++;
    const site = callSite();
    return new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ ...call, id } as Request);
      } catch (error) {
        // Parameters that structured clone refuses (functions, symbols) never reach the worker.
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.#pending.set(id, { resolve, reject, site });
      this.#updateRef();
    });
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    this.#updateRef();
    if (reply.ok) return pending.resolve(reply.value);
    const error = new SqlWorkerError(reply.error, callerFrames(pending.site));
    pending.reject(UniqueViolationError.from(error));
    if (isDiskFull(error)) this.#reopen(error);
  }

  /** An idle store does not keep the process alive, just as the in-thread store does not. */
  #updateRef(): void {
    if (this.#state === 'closed') return;
    if (this.#pending.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }
}
