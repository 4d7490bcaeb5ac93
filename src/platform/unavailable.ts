/**
 * Telling "an engine is unreachable" from "this work is bad". Work that failed only
 * because an engine was down is waited out and tried again, never counted as an
 * attempt towards dead-lettering, and over HTTP it answers 503 with Retry-After.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffDelays } from './retry.ts';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** PostgreSQL: connection exceptions (08xxx), shutdown and cannot-connect-now (57P0x). */
const SQLSTATE = /^(08\d{3}|57P0[1-3])$/;
const NAMES = /^(\w*UnavailableError|MongoNetworkError|MongoServerSelectionError|MongoNotConnectedError|MongoTopologyClosedError|ConnectionError|NoLivingConnectionsError|TimeoutError|NetworkError|KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSRequestTimeoutError)$/;
const MESSAGES = /\b(unavailable|unreachable|not connected|connection (?:closed|terminated|lost|refused|reset)|socket hang up|Connection terminated|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND)\b/i;
/** Refused credentials: the engine is there, and waiting will not change its answer. */
const REFUSED = /ACCESS[-_]REFUSED|authentication failed|not authorized|\b28P01\b/i;

export function isUnavailable(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth += 1) {
    if (e.code === '28P01' || (typeof e.message === 'string' && REFUSED.test(e.message))) return false;
  }
  for (let e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth += 1) {
    if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || SQLSTATE.test(e.code))) return true;
    if (typeof e.name === 'string' && NAMES.test(e.name)) return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  }
  return false;
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
