/**
 * Telling "an engine is unreachable" from "this work is bad". Work that failed only
 * because an engine was down is waited out and tried again, never counted as an
 * attempt towards dead-lettering, and over HTTP it answers 503 with Retry-After.
 *
 * Every adapter says so by throwing EngineUnavailableError (or a subclass naming it);
 * the raw classification below is for errors that reach callers without going through
 * an adapter (a socket, a driver error carried as a cause).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffDelays } from './backoff.ts';

/** The engine could not be reached, or lost the work in flight: the same work may succeed later. */
export class EngineUnavailableError extends Error {
  /** The engine as messages name it: "PostgreSQL", "Kafka"... */
  readonly engine: string;

  constructor(engine: string, message: string, options?: ErrorOptions) {
    super(message, options);
    // A subclass (SqlUnavailableError...) keeps its own name in messages and stack traces.
    this.name = new.target.name;
    this.engine = engine;
  }
}

/**
 * The disk of an embedded engine is full: nothing was written, and the same work succeeds
 * once space is freed. Names the directory so that an operator knows which disk to clear.
 */
export class DiskFullError extends EngineUnavailableError {
  readonly dir: string;

  constructor(engine: string, dir: string, cause: unknown) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    super(engine, `no space left for ${engine} in ${dir} (${typeof code === 'string' ? code : 'disk full'}); retrying once space is freed`, { cause });
    this.dir = dir;
  }
}

/** ENOSPC and EDQUOT, from Node; PostgreSQL's disk_full (53100) and its words for it, from PGlite. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', '53100']);
const DISK_FULL_MESSAGES = /No space left on device|Disk quota exceeded/i;

/** Whether `error` (or one of its causes) says a disk is full. */
export function isDiskFull(error: unknown): boolean {
  return chain(error).some((e) => (typeof e.code === 'string' && DISK_FULL_CODES.has(e.code)) || (typeof e.message === 'string' && DISK_FULL_MESSAGES.test(e.message)));
}

/** Socket error codes of a peer that cannot be reached or went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** PostgreSQL: connection exceptions (08xxx), shutdown and cannot-connect-now (57P0x). */
const SQLSTATE = /^(08\d{3}|57P0[1-3])$/;
/** Some clients (pg's "Connection terminated unexpectedly") say it only in words. */
const MESSAGES = /\b(unavailable|unreachable|not connected|connection (?:closed|terminated|lost|refused|reset)|socket hang up|Connection terminated|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND)\b/i;
/** Refused credentials: the engine is there, and waiting will not change its answer. */
const REFUSED = /ACCESS[-_]REFUSED|authentication failed|not authorized|\b28P01\b/i;

/** Whether `code` (an error's `code`) is a socket error of an unreachable peer. */
export function isNetworkCode(code: unknown): boolean {
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

interface Link {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error and its causes, five deep at most. */
function chain(error: unknown): Link[] {
  const links: Link[] = [];
  for (let e = error as Link | undefined, depth = 0; e && depth < 5; e = e.cause as Link | undefined, depth += 1) links.push(e);
  return links;
}

export function isUnavailable(error: unknown): boolean {
  const links = chain(error);
  // Before anything else: an adapter that cannot connect at all (RabbitMQ's handshake,
  // MongoDB's authentication) says it is unreachable even when the credentials were refused.
  if (links.some((e) => e.code === '28P01' || (typeof e.message === 'string' && REFUSED.test(e.message)))) return false;
  if (links.some((e) => e instanceof EngineUnavailableError) || isDiskFull(error)) return true;
  return links.some(
    (e) =>
      isNetworkCode(e.code) ||
      (typeof e.code === 'string' && SQLSTATE.test(e.code)) ||
      // fetch() aborted by AbortSignal.timeout(): a DOMException, whose kind is only its name.
      (e instanceof DOMException && e.name === 'TimeoutError') ||
      (typeof e.message === 'string' && MESSAGES.test(e.message)),
  );
}

export interface WaitOutOptions {
  /** Engines this work needs; any one not ready also means "wait". */
  ready: () => boolean;
  logger: Logger;
  /** Stops waiting (the process is shutting down): the last error is thrown. */
  stopping: () => boolean;
}

/** Runs `work`; while it fails because an engine is down, waits with backoff and runs it again. */
export async function waitOutOutages<T>(work: () => Promise<T>, options: WaitOutOptions): Promise<T> {
  const delay = backoffDelays({ initialMs: 200, maxMs: 5000 });
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (options.stopping() || !(isUnavailable(error) || !options.ready())) throw error;
      const wait = delay();
      if (attempt === 1 || attempt % 10 === 0) options.logger.warn({ attempt, retryInMs: wait, err: { message: (error as Error).message } }, 'engine unavailable; holding the work and retrying');
      await sleep(wait);
    }
  }
}
