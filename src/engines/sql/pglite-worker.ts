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
import { syncTree } from './pglite-durable-fs.ts';
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
}

export class PgliteWorkerStore implements SqlStore {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #started: Promise<void>;
  #nextId = 1;
  #state: 'starting' | 'open' | 'closing' | 'closed' = 'starting';
  /** Why calls can no longer be answered, once that is so. */
  #failure: Error | undefined;
  /** An uncaught error of the worker, reported by 'error' just before 'exit'. */
  #crash: Error | undefined;
  #closing: Promise<void> | undefined;
  readonly #executor: SqlExecutor;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#executor = this.#executorFor(undefined);
    this.#started = new Promise<void>((resolve, reject) => {
      worker.once('message', (message: Ready) => {
        if (message.ready) {
          this.#state = 'open';
          worker.on('message', (reply: Reply) => this.#settle(reply));
          this.#updateRef();
          resolve();
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
    const data: WorkerData = { dir };
    const store = new PgliteWorkerStore(new Worker(options.script ?? THREAD_SCRIPT, { workerData: data }));
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
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(UniqueViolationError.from(new SqlWorkerError(reply.error, callerFrames(pending.site))));
  }

  /** An idle store does not keep the process alive, just as the in-thread store does not. */
  #updateRef(): void {
    if (this.#state === 'closed') return;
    if (this.#pending.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }
}
