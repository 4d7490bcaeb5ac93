/**
 * The simulator's view of the Orbit API: JSON over fetch, with the retry policy a
 * well-behaved client owes an overloaded or not-yet-listening server (backoff with
 * jitter, Retry-After honoured) and logging that reports a failure streak once
 * instead of once per attempt.
 */
import type { Logger } from 'pino';

export interface ApiAnswer {
  status: number;
  body: unknown;
  /** From Retry-After, when the server sent one. */
  retryAfterMs?: number;
}

export interface ApiClientOptions {
  /** A function when the address is only known later (a server told to pick its own port). */
  baseUrl: string | (() => string);
  fetch?: typeof fetch;
  /** A request that takes longer is abandoned and counts as a failure. */
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer` when the API checks keys. */
  apiKey?: string;
  /** Told about every completed request, for metrics. */
  onAnswer?: (method: string, route: string, status: number | 'error', seconds: number) => void;
}

/** Answers worth asking again: the server is busy, restarting or briefly broken. */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Retry-After as delay-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(header: string | null, nowMs: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export class ApiClient {
  #baseUrl: string | (() => string);
  #fetch: typeof fetch;
  #timeoutMs: number;
  #onAnswer?: ApiClientOptions['onAnswer'];
  #authorization: Record<string, string>;

  constructor(options: ApiClientOptions) {
    this.#baseUrl = options.baseUrl;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#onAnswer = options.onAnswer;
    this.#authorization = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  }

  get baseUrl(): string {
    return (typeof this.#baseUrl === 'function' ? this.#baseUrl() : this.#baseUrl).replace(/\/+$/, '');
  }

  /** One attempt. Rejects when no answer arrives (refused, reset, timed out). */
  async request(method: string, path: string, body: unknown, route: string = path): Promise<ApiAnswer> {
    const started = performance.now();
    try {
      const response = await this.#fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? this.#authorization : { ...this.#authorization, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (a proxy's error page, say): keep the text for the log.
      }
      this.#onAnswer?.(method, route, response.status, (performance.now() - started) / 1000);
      return { status: response.status, body: parsed, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) };
    } catch (error) {
      this.#onAnswer?.(method, route, 'error', (performance.now() - started) / 1000);
      throw error;
    }
  }
}

/** Exponential backoff with full jitter, bounded; a Retry-After overrides it. */
export class Backoff {
  #attempt = 0;
  readonly minMs: number;
  readonly maxMs: number;

  constructor(minMs = 250, maxMs = 30_000) {
    this.minMs = minMs;
    this.maxMs = maxMs;
  }

  next(retryAfterMs?: number): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** this.#attempt++);
    if (retryAfterMs !== undefined) return Math.min(this.maxMs, Math.max(retryAfterMs, this.minMs));
    return this.minMs + Math.random() * (ceiling - this.minMs);
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** Resolves after `ms`, or early (with false) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (completed: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const describe = (error: unknown): string => {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
};

/**
 * Logs a run of failures once: a warning when it starts (after a grace period, so a
 * server that is a moment from listening does not warn on every start), a reminder
 * every few minutes while it lasts, and a note when it ends.
 */
export interface StreakMessages {
  /** Logged as a warning when a streak starts, and as a reminder while it lasts. */
  failing: string;
  /** Logged when it ends. */
  recovered: string;
}

export class FailureStreak {
  #logger: Logger;
  #messages: StreakMessages;
  #graceMs: number;
  #remindMs: number;
  #since?: number;
  #failures = 0;
  #lastLogMs?: number;

  constructor(logger: Logger, messages: StreakMessages, options: { graceMs?: number; remindMs?: number } = {}) {
    this.#logger = logger;
    this.#messages = messages;
    this.#graceMs = options.graceMs ?? 5_000;
    this.#remindMs = options.remindMs ?? 300_000;
  }

  get failing(): boolean {
    return this.#failures > 0;
  }

  /** `reason` is a string when the server answered, the error when it did not. */
  failure(reason: unknown, nowMs: number = Date.now()): void {
    this.#since ??= nowMs;
    this.#failures++;
    const answered = typeof reason === 'string';
    const due = this.#lastLogMs === undefined ? answered || nowMs - this.#since >= this.#graceMs : nowMs - this.#lastLogMs >= this.#remindMs;
    if (!due) return;
    this.#lastLogMs = nowMs;
    this.#logger.warn({ failures: this.#failures, since: new Date(this.#since).toISOString(), reason: answered ? reason : describe(reason) }, this.#messages.failing);
  }

  success(nowMs: number = Date.now()): void {
    if (this.#failures && this.#lastLogMs !== undefined) {
      this.#logger.info({ failures: this.#failures, seconds: Math.round((nowMs - (this.#since ?? nowMs)) / 1000) }, this.#messages.recovered);
    }
    this.#since = undefined;
    this.#failures = 0;
    this.#lastLogMs = undefined;
  }
}

/**
 * Asks until the server gives an answer that is not worth retrying (success or a
 * definite refusal), or the signal aborts (then undefined).
 */
export async function requestWithRetry(
  api: ApiClient,
  call: { method: string; path: string; body?: unknown; route?: string },
  context: { signal: AbortSignal; backoff: Backoff; streak: FailureStreak },
): Promise<ApiAnswer | undefined> {
  const { signal, backoff, streak } = context;
  while (!signal.aborted) {
    let answer: ApiAnswer | undefined;
    let failure: unknown;
    try {
      answer = await api.request(call.method, call.path, call.body, call.route);
    } catch (error) {
      failure = error;
    }
    if (answer && !isRetryableStatus(answer.status)) {
      backoff.reset();
      streak.success();
      return answer;
    }
    streak.failure(answer ? `${call.method} ${call.route ?? call.path} answered ${answer.status}` : failure);
    if (!(await sleep(backoff.next(answer?.retryAfterMs), signal))) break;
  }
  return undefined;
}
