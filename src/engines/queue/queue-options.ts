/** Queue and consume options as every task queue checks them, with the port's defaults. */
import type { QueueOptions } from './port.ts';

export const DEFAULT_QUEUE_OPTIONS: Readonly<QueueOptions> = { maxAttempts: 5, retryDelayMs: 1000 };

/** Throws a RangeError naming the bad option. */
export function validateQueueOptions(options: Partial<QueueOptions>): void {
  if (options.maxAttempts !== undefined && !(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${options.maxAttempts}`);
  }
  if (options.retryDelayMs !== undefined && !(Number.isFinite(options.retryDelayMs) && options.retryDelayMs >= 0)) {
    throw new RangeError(`retryDelayMs must be a number >= 0, got ${options.retryDelayMs}`);
  }
}

/**
 * The delay before the retry that follows failed attempt `attempt` (1-based): doubles per
 * attempt, without jitter. The queue's contract, the same on every engine, rather than a
 * backoff against an engine that is away.
 */
export function retryDelayFor(options: QueueOptions, attempt: number): number {
  return options.retryDelayMs * 2 ** (attempt - 1);
}

/** The options given, without those left undefined (so they do not override others when spread). */
export function definedOptions(options: Partial<QueueOptions>): Partial<QueueOptions> {
  const out: Partial<QueueOptions> = {};
  if (options.maxAttempts !== undefined) out.maxAttempts = options.maxAttempts;
  if (options.retryDelayMs !== undefined) out.retryDelayMs = options.retryDelayMs;
  return out;
}

/** Throws a RangeError unless `prefetch` is an integer >= 1. */
export function checkPrefetch(prefetch: number): void {
  if (!(Number.isInteger(prefetch) && prefetch >= 1)) {
    throw new RangeError(`prefetch must be an integer >= 1, got ${prefetch}`);
  }
}

/** The nack reason recorded when a handler throws (or rejects with) `error`. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
