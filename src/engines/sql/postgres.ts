/**
 * Relational store on a PostgreSQL server, through a node-postgres pool.
 *
 * Results come back as PGlite gives them for the same SQL: the pool parses each column
 * with PGlite's own type parsers (bigint as a number while it is safe, numeric as text,
 * timestamptz as a Date, jsonb as objects, arrays of all these), and every session runs
 * with PGlite's TimeZone and DateStyle. Dates sent as parameters go as ISO 8601 in UTC.
 *
 * Outages: the store notices a lost server from failed statements, from the pool's idle
 * connections dying and from a periodic check, is then not ready, and probes with backoff
 * until the server answers again. A statement that surely did not run (no connection,
 * or ended by a shutdown before it finished) waits up to `outageWaitMs` for the server and
 * is tried again; one whose connection broke while it ran rejects at once, since it may
 * have been applied. Inside a transaction nothing is retried: the transaction is gone.
 */
import pg from 'pg';
import { types as pgliteTypes } from '@electric-sql/pglite';
import { isNetworkCode, EngineUnavailableError } from '../shared/unavailable.ts';
import { ReachabilityProbe } from '../shared/probe.ts';
import { StatementTimeoutError, UniqueViolationError, type QueryResult, type SqlExecutor, type SqlStore } from './port.ts';

export interface StoreLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface PostgresStoreOptions {
  /** Connections in the pool. */
  maxConnections?: number;
  /** How long establishing one connection may take. */
  connectTimeoutMs?: number;
  /** How long a statement waits for a lost server to come back before it rejects. */
  outageWaitMs?: number;
  /** How often an otherwise idle store checks that the server still answers. */
  checkIntervalMs?: number;
  /** Longest wait between probes of a lost server. */
  maxProbeIntervalMs?: number;
  applicationName?: string;
  /**
   * The server cancels a statement that runs longer (statement_timeout of every pooled
   * session); it then rejects with StatementTimeoutError. 0 or absent: no limit.
   */
  statementTimeoutMs?: number;
  logger?: StoreLogger;
}

const ENGINE = 'PostgreSQL';

/** The server is unreachable, or the connection broke: `code` is the underlying one (ECONNREFUSED, 57P01...). */
export class SqlUnavailableError extends EngineUnavailableError {
  readonly code: string | undefined;

  constructor(message: string, cause: unknown) {
    super(ENGINE, message, { cause });
    this.code = (cause as { code?: unknown } | undefined)?.code as string | undefined;
  }
}

// ---- result types: PGlite's parsers, PGlite's array handling ----

type Parser = (text: string) => unknown;
const scalarParsers = pgliteTypes.parsers as Record<number, Parser | undefined>;
const asText: Parser = (text) => text;

/** What pg asks for each column; unknown types stay text, as in PGlite. */
class ResultTypes {
  readonly #arrays = new Map<number, Parser>();

  readonly getTypeParser = (oid: number): Parser => this.#arrays.get(oid) ?? scalarParsers[oid] ?? asText;

  /** Array types of this database, as PGlite registers them when it opens. */
  register(rows: { oid: number; typarray: number }[]): void {
    for (const { oid, typarray } of rows) {
      const element = scalarParsers[oid] ?? asText;
      this.#arrays.set(typarray, (text) => pgliteTypes.arrayParser(text, element, typarray) as unknown);
    }
  }
}

const ARRAY_TYPES_SQL = `SELECT b.oid::int AS oid, b.typarray::int AS typarray FROM pg_catalog.pg_type a
  JOIN pg_catalog.pg_type b ON b.oid = a.typelem WHERE a.typcategory = 'A' GROUP BY b.oid, b.typarray`;

// The settings PGlite runs with, so that text output (and so parsing) is the same.
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=1';

/** Dates as ISO 8601 in UTC, as PGlite sends them; pg would write local time. */
function toParam(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value) && value.some((v) => v instanceof Date || Array.isArray(v))) return value.map(toParam);
  return value;
}

const COUNTED = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/** Rows touched by a data-changing statement, 0 for others: what PGlite reports. */
function toResult<R>(result: pg.QueryResult): QueryResult<R> {
  return { rows: result.rows as R[], rowCount: COUNTED.has(result.command) ? (result.rowCount ?? 0) : 0 };
}

/** One statement with parameters, always through the extended protocol, answered as PGlite answers. */
async function runQuery<R>(client: pg.PoolClient, sql: string, params: unknown[] | undefined): Promise<QueryResult<R>> {
  return toResult<R>(await client.query({ text: sql, values: params?.map(toParam), queryMode: 'extended' } as pg.QueryConfig));
}

// ---- error classification ----

const CONNECTION_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout/;

/** The connection (or the server) failed, as opposed to the statement. */
function isConnectionError(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return /^(08|57P)/.test(error.code ?? '');
  const e = error as { code?: unknown; message?: unknown };
  return isNetworkCode(e?.code) || (typeof e?.message === 'string' && CONNECTION_MESSAGES.test(e.message));
}

/** The statement cannot have taken effect: the server ended it before it finished, or it was never sent. */
function surelyNotApplied(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return /^57P0[123]$/.test(error.code ?? '');
  return /not queryable/.test((error as Error)?.message ?? '');
}

// ---- call sites: which caller issued a statement that failed ----

interface CallSite {
  stack?: string;
}

function callSite(skip: (...args: never[]) => unknown): CallSite {
  const site: CallSite = {};
  Error.captureStackTrace(site, skip);
  return site;
}

/** pg raises errors from its socket handler; the caller's frames say which statement failed. */
function withCaller<E>(error: E, site: CallSite): E {
  if (error instanceof Error && site.stack && !error.stack?.includes('\n  issued at:')) {
    error.stack = `${error.stack ?? `${error.name}: ${error.message}`}\n  issued at:${site.stack.slice(site.stack.indexOf('\n'))}`;
  }
  return error;
}

// ---- the store ----

export class PostgresStore implements SqlStore {
  readonly #pool: pg.Pool;
  /** host:port/database, for messages: never the credentials. */
  readonly #target: string;
  readonly #secret: string;
  readonly #outageWaitMs: number;
  readonly #statementTimeoutMs: number;
  readonly #logger: StoreLogger | undefined;
  readonly #types = new ResultTypes();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #onClientError: (error: Error) => void;
  readonly #probe: ReachabilityProbe;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closing: Promise<void> | undefined;

  private constructor(url: URL, options: PostgresStoreOptions) {
    this.#target = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
    this.#secret = decodeURIComponent(url.password);
    this.#outageWaitMs = options.outageWaitMs ?? 5000;
    this.#statementTimeoutMs = options.statementTimeoutMs ?? 0;
    this.#logger = options.logger;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    // The pool's own connectionTimeoutMillis would also limit the wait for a busy pool's free
    // connection, which a loaded but healthy server must not turn into an outage.
    class TimedClient extends pg.Client {
      constructor(config: pg.ClientConfig) {
        super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
      }
    }
    this.#pool = new pg.Pool({
      connectionString: url.toString(),
      Client: TimedClient as unknown as new () => pg.ClientBase,
      max: options.maxConnections ?? 10,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
      application_name: options.applicationName ?? 'orbit',
      // Set per session at connect: no statement (a transaction's included) runs without it.
      options: `${SESSION_OPTIONS} -c statement_timeout=${this.#statementTimeoutMs}`,
      types: { getTypeParser: this.#types.getTypeParser } as unknown as pg.CustomTypesConfig,
    });
    // An idle connection that dies (server restart, terminated backend) must not take the process down.
    // A connection that died on its own: the server may be gone, or just that session; a check tells which.
    this.#pool.on('error', (error) => this.#probe.suspect(error));
    this.#onClientError = (error) => this.#probe.suspect(error);
    this.#probe = new ReachabilityProbe({
      check: () => this.#check(),
      intervalMs: options.checkIntervalMs ?? 5000,
      backoff: { initialMs: 100, maxMs: options.maxProbeIntervalMs ?? 5000 },
      // A check would wait for a connection behind the statements queued for one.
      idle: () => this.#pool.waitingCount === 0,
      onLost: (error) => {
        const message = this.#redact((error as Error)?.message ?? String(error));
        this.#logger?.warn({ engine: ENGINE, server: this.#target, err: { message } }, `${ENGINE} at ${this.#target} is unreachable; reconnecting`);
      },
      onBack: () => this.#logger?.info({ engine: ENGINE, server: this.#target }, `${ENGINE} at ${this.#target} is reachable again`),
    });
  }

  /** Connects once to check the server and credentials; rejects if it cannot, naming the server but not the credentials. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error('the PostgreSQL URL is not valid: expected postgres://user:password@host:port/database');
    }
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error(`the PostgreSQL URL must start with postgres://, not ${parsed.protocol}//`);
    const store = new PostgresStore(parsed, options);
    try {
      const client = await store.#pool.connect();
      try {
        store.#types.register((await client.query<{ oid: number; typarray: number }>(ARRAY_TYPES_SQL)).rows);
      } finally {
        client.release();
      }
    } catch (error) {
      store.#state = 'closed';
      await store.#shutdown();
      if (isConnectionError(error)) throw new SqlUnavailableError(store.#redact(`${ENGINE} at ${store.#target} is unreachable: ${(error as Error).message}`), error);
      throw Object.assign(error as Error, { message: store.#redact(`${ENGINE} at ${store.#target} refused the connection: ${(error as Error).message}`) });
    }
    return store;
  }

  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    return this.#standalone((client) => runQuery<R>(client, sql, params), callSite(this.query));
  }

  exec(sql: string): Promise<void> {
    const site = callSite(this.exec);
    // The simple protocol, which takes several statements: they run as one implicit transaction.
    return this.#standalone(async (client) => void (await client.query(sql)), site);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const site = callSite(this.transaction);
    return this.#track(async () => {
      const deadline = Date.now() + this.#outageWaitMs;
      // Nothing of the transaction has happened until BEGIN succeeds, so getting there may be retried.
      let client: pg.PoolClient;
      for (;;) {
        client = await this.#acquire(deadline);
        try {
          await client.query('BEGIN');
          break;
        } catch (error) {
          if (!this.#failed(client, error) || !surelyNotApplied(error) || Date.now() >= deadline) throw this.#describe(error, 'could not begin a transaction', site);
        }
      }
      const tx = this.#transactionExecutor(client);
      let result: T;
      try {
        result = await fn(tx.executor);
      } catch (error) {
        tx.end();
        if (tx.broken()) this.#release(client, tx.broken());
        else {
          const rollback = await client.query('ROLLBACK').then(() => undefined, (e: unknown) => e);
          this.#release(client, rollback);
        }
        throw error;
      }
      tx.end();
      if (tx.broken()) {
        this.#release(client, tx.broken());
        throw this.#describe(tx.broken(), 'connection lost during a transaction, which was rolled back', site);
      }
      let commit: pg.QueryResult;
      try {
        commit = await client.query('COMMIT');
      } catch (error) {
        this.#failed(client, error);
        throw this.#describe(error, 'connection lost while committing: the transaction may or may not have been committed', site);
      }
      this.#release(client);
      this.#probe.answered();
      // COMMIT of a transaction that failed earlier (its error caught by fn) rolls back instead, without an error.
      if (commit.command === 'ROLLBACK') {
        throw withCaller(Object.assign(new Error('Transaction was rolled back instead of committed'), { code: '25P02', severity: 'ERROR' }), site);
      }
      return result;
    });
  }

  isReady(): boolean {
    return this.#state === 'open' && this.#probe.isReady();
  }

  /** Waits for the statements and transactions under way (a transaction may still issue statements), then disconnects. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = 'closing';
      // Statements waiting for a lost server give up now; those under way may finish.
      void this.#probe.close();
      while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
      await this.#shutdown();
      this.#state = 'closed';
    })();
    return this.#closing;
  }

  // ---- running statements ----

  #standalone<T>(work: (client: pg.PoolClient) => Promise<T>, site: CallSite): Promise<T> {
    return this.#track(async () => {
      const deadline = Date.now() + this.#outageWaitMs;
      for (;;) {
        const client = await this.#acquire(deadline);
        let value: T;
        try {
          value = await work(client);
        } catch (error) {
          if (!this.#failed(client, error)) throw withCaller(this.#typed(error), site);
          if (surelyNotApplied(error) && Date.now() < deadline) continue;
          throw this.#describe(error, 'connection lost during a statement, which may or may not have been applied', site);
        }
        this.#release(client);
        this.#probe.answered();
        return value;
      }
    });
  }

  /** A pooled connection, waiting (until `deadline`) for a lost server to come back. */
  async #acquire(deadline: number): Promise<pg.PoolClient> {
    for (;;) {
      if (this.#state !== 'open') throw this.#closedError();
      if (!(await this.#probe.waitUntilReachable(deadline))) throw this.#state === 'open' ? this.#unavailable(this.#probe.lastFailure) : this.#closedError();
      try {
        const client = await this.#pool.connect();
        // pg-pool listens for errors only on idle connections; one that breaks while we hold it would otherwise crash the process.
        client.on('error', this.#onClientError);
        return client;
      } catch (error) {
        if (!isConnectionError(error)) throw Object.assign(error as Error, { message: this.#redact((error as Error).message) });
        this.#probe.lost(error);
        if (Date.now() >= deadline) throw this.#unavailable(error);
      }
    }
  }

  /**
   * After a statement failed on `client`: gives the connection back (destroyed if it broke)
   * and tells whether it was the connection that failed.
   */
  #failed(client: pg.PoolClient, error: unknown): boolean {
    const lost = isConnectionError(error);
    this.#release(client, lost ? error : undefined);
    if (lost) this.#probe.lost(error);
    else this.#probe.answered();
    return lost;
  }

  #release(client: pg.PoolClient, error?: unknown): void {
    client.removeListener('error', this.#onClientError);
    client.release(error ? (error instanceof Error ? error : new Error(String(error))) : undefined);
  }

  /** Statements of one transaction on its connection; refused once the transaction is over. */
  #transactionExecutor(client: pg.PoolClient): { executor: SqlExecutor; end(): void; broken(): unknown } {
    let over = false;
    let broken: unknown;
    const run = async <T>(work: () => Promise<T>, site: CallSite): Promise<T> => {
      if (over) throw withCaller(new Error('the transaction is over: its statements must be issued before its function returns'), site);
      if (broken) throw this.#describe(broken, 'connection lost during a transaction, which was rolled back', site);
      try {
        const value = await work();
        this.#probe.answered();
        return value;
      } catch (error) {
        if (!isConnectionError(error)) throw withCaller(this.#typed(error), site);
        broken = error;
        this.#probe.lost(error);
        throw this.#describe(error, 'connection lost during a transaction, which was rolled back', site);
      }
    };
    const executor: SqlExecutor = {
      query: <R>(sql: string, params?: unknown[]) => {
        return run(() => runQuery<R>(client, sql, params), callSite(executor.query));
      },
      exec: (sql: string) => {
        const site = callSite(executor.exec);
        return run(async () => void (await client.query(sql)), site);
      },
    };
    return { executor, end: () => (over = true), broken: () => broken };
  }

  #track<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#state !== 'open') return Promise.reject(this.#closedError());
    const promise = operation();
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  // ---- reachability ----

  /** One connection, one `SELECT 1`. */
  async #check(): Promise<void> {
    const client = await this.#pool.connect();
    client.on('error', this.#onClientError);
    try {
      await client.query('SELECT 1');
      this.#release(client);
    } catch (error) {
      this.#release(client, error);
      throw error;
    }
  }

  // ---- messages ----

  /** A statement's own failure as the port names it: a taken key, a timeout, or as it came. */
  #typed(error: unknown): unknown {
    return StatementTimeoutError.from(UniqueViolationError.from(error), ENGINE, this.#statementTimeoutMs);
  }

  #unavailable(cause: unknown): SqlUnavailableError {
    const reason = cause instanceof Error ? cause.message : 'no answer';
    return new SqlUnavailableError(this.#redact(`${ENGINE} at ${this.#target} is unavailable (${reason}); waited ${(this.#outageWaitMs / 1000).toFixed(1)} s for it to come back`), cause);
  }

  #describe(error: unknown, what: string, site: CallSite): Error {
    if (!isConnectionError(error)) return withCaller(error as Error, site);
    return withCaller(new SqlUnavailableError(this.#redact(`${ENGINE} at ${this.#target}: ${what} (${(error as Error).message})`), error), site);
  }

  #closedError(): Error {
    return new Error(`the SQL store (${ENGINE} at ${this.#target}) is closed`);
  }

  #redact(message: string): string {
    return this.#secret ? message.replaceAll(this.#secret, '****') : message;
  }

  async #shutdown(): Promise<void> {
    void this.#probe.close();
    await this.#pool.end().catch(() => undefined);
  }
}
