/**
 * Backoff for engines: the delays (lib/backoff.ts) for every loop that tries an engine
 * again, and waiting for an engine at start-up with them, so a target started before its
 * engine keeps trying instead of exiting (and being restarted in a loop by its supervisor).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isUnavailable } from './unavailable.ts';
import { backoffDelays } from '../../lib/backoff.ts';

export { backoffDelays, type Backoff, type BackoffOptions } from '../../lib/backoff.ts';

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
