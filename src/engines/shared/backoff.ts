/**
 * Backoff, written once: delays that double from a first one up to a cap, with jitter, for
 * every loop that tries an engine again; and waiting for an engine at start-up with them,
 * so a target started before its engine keeps trying instead of exiting (and being
 * restarted in a loop by its supervisor).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isUnavailable } from './unavailable.ts';

export interface BackoffOptions {
  /** The first delay. Default 250 ms. */
  initialMs?: number;
  /** Delays stop doubling here (jitter may still add up to a quarter). Default 5 s. */
  maxMs?: number;
}

/** Each call gives the next delay; `reset()` starts again from the first, after a success. */
export interface Backoff {
  (): number;
  reset(): void;
}

export function backoffDelays({ initialMs = 250, maxMs = 5000 }: BackoffOptions = {}): Backoff {
  let next = initialMs;
  const delay = (): number => {
    // Jitter keeps many clients from retrying in lockstep against a recovering engine.
    const ms = Math.round(next * (0.75 + Math.random() * 0.5));
    next = Math.min(maxMs, next * 2);
    return ms;
  };
  return Object.assign(delay, {
    reset: () => {
      next = initialMs;
    },
  });
}

/** Calls `connect` until it resolves, logging each failure and the wait before the next try. */
export async function connectWithRetry<T>(engine: string, connect: () => Promise<T>, logger: Logger, options: { stopped?: () => boolean } = {}): Promise<T> {
  const delay = backoffDelays();
  for (let attempt = 1; ; attempt += 1) {
    try {
      const value = await connect();
      if (attempt > 1) logger.info({ engine, attempt }, `${engine} reachable after ${attempt} attempts`);
      return value;
    } catch (error) {
      // A wrong URL, password or schema will not heal by waiting: stop with the real cause.
      if (!isUnavailable(error) || options.stopped?.()) throw error;
      const wait = delay();
      logger.warn({ engine, attempt, retryInMs: wait, err: { message: (error as Error).message } }, `${engine} unreachable; retrying in ${wait} ms`);
      await sleep(wait);
      if (options.stopped?.()) throw error;
    }
  }
}
