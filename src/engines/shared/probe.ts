/**
 * Whether an engine answers, written once for every adapter that keeps a connection to a
 * server (PostgreSQL, Elasticsearch, Kafka).
 *
 * The probe starts reachable. While reachable, it checks every `intervalMs` that the engine
 * has been quiet (no `answered()` from the adapter meanwhile). An adapter that sees the
 * engine fail calls `lost(cause)`: the probe is then unreachable and checks at once, then
 * with backoff, and while anyone waits in `waitUntilReachable` at least every
 * `waitingCheckMs`, so held work is answered sooner than the backoff alone would allow.
 * The first check that passes (or any `answered()`) makes it reachable again and wakes
 * the waiters. `close()` wakes them too, and no check starts after it.
 */
import { Wakeup } from '../../lib/wakeup.ts';
import { backoffDelays, type Backoff, type BackoffOptions } from './backoff.ts';

export interface ProbeOptions {
  /**
   * Resolves when the engine answers, rejects when it does not. `recovering` is true during
   * an outage, for an adapter that must set something up again before it declares the
   * engine back. It should bound its own wait.
   */
  check(recovering: boolean): Promise<void>;
  /** While reachable, how long the engine may stay quiet before it is checked. */
  intervalMs: number;
  /** While unreachable, the delays between checks. */
  backoff: BackoffOptions;
  /** While work waits for the engine, the longest delay between checks. Default 500 ms. */
  waitingCheckMs?: number;
  /** A periodic check is put off while this says the engine is busy (a check would only queue behind the work). */
  idle?: () => boolean;
  /** The engine became unreachable; `cause` is the failure that showed it. */
  onLost?(cause: unknown): void;
  /** The engine answers again. */
  onBack?(): void;
}

export class ReachabilityProbe {
  readonly #options: ProbeOptions;
  readonly #waitingCheckMs: number;
  readonly #delays: Backoff;
  readonly #wakeup = new Wakeup({ unref: true });
  readonly #waiters = new Set<(reachable: boolean) => void>();
  #reachable = true;
  #closed = false;
  #lastFailure: unknown;
  #lastAnswer = Date.now();
  /** Set by lost() and suspect(): the next check runs whatever the last answer. */
  #checkNow = false;
  /** When the current pause between checks ends; Infinity while a check runs. */
  #due = Infinity;
  readonly #running: Promise<void>;

  constructor(options: ProbeOptions) {
    this.#options = options;
    this.#waitingCheckMs = options.waitingCheckMs ?? 500;
    this.#delays = backoffDelays(options.backoff);
    this.#running = this.#loop();
  }

  isReady(): boolean {
    return this.#reachable && !this.#closed;
  }

  /** The last failure seen, by a check or reported by the adapter. */
  get lastFailure(): unknown {
    return this.#lastFailure;
  }

  /** The engine answered the adapter: no check is needed for a while, and an outage is over. */
  answered(): void {
    this.#lastAnswer = Date.now();
    if (this.#reachable || this.#closed) return;
    this.#reachable = true;
    this.#delays.reset();
    this.#options.onBack?.();
    this.#wakeWaiters(true);
  }

  /** The engine failed the adapter in a way that means it is away: unreachable, and checked at once. */
  lost(cause: unknown): void {
    if (!this.#enterOutage(cause)) return;
    this.#checkNow = true;
    this.#wakeup.wake();
  }

  /** Something failed that may or may not mean the engine is away (one connection died): checked at once. */
  suspect(cause: unknown): void {
    this.#lastFailure = cause;
    if (!this.#reachable || this.#closed) return;
    this.#checkNow = true;
    this.#wakeup.wake();
  }

  /** Resolves true once the engine is reachable (at once if it is), false at `deadline` or on close. */
  waitUntilReachable(deadline: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#reachable) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const done = (reachable: boolean): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(reachable);
      };
      const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
      this.#waiters.add(done);
      // A check put off far by the backoff is brought forward: someone is waiting.
      if (this.#due - Date.now() > this.#waitingCheckMs) this.#wakeup.wake();
    });
  }

  /** Stops checking and wakes the waiters (with false); resolves once a check under way has settled. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#wakeWaiters(false);
      this.#wakeup.wake();
    }
    return this.#running;
  }

  /** Marks the outage; true when it begins now. */
  #enterOutage(cause: unknown): boolean {
    this.#lastFailure = cause;
    if (!this.#reachable || this.#closed) return false;
    this.#reachable = false;
    this.#options.onLost?.(cause);
    return true;
  }

  #wakeWaiters(reachable: boolean): void {
    for (const wake of [...this.#waiters]) wake(reachable);
  }

  async #loop(): Promise<void> {
    const { intervalMs } = this.#options;
    let pause = intervalMs;
    for (;;) {
      this.#due = Date.now() + pause;
      await this.#wakeup.wait(pause);
      this.#due = Infinity;
      if (this.#closed) return;
      if (this.#reachable && !this.#checkNow) {
        const quiet = Date.now() - this.#lastAnswer;
        if (quiet < intervalMs) {
          pause = intervalMs - quiet;
          continue;
        }
        if (this.#options.idle && !this.#options.idle()) {
          pause = intervalMs;
          continue;
        }
      }
      this.#checkNow = false;
      try {
        await this.#options.check(!this.#reachable);
      } catch (error) {
        if (this.#closed) return;
        this.#enterOutage(error);
        const delay = this.#delays();
        pause = this.#waiters.size ? Math.min(this.#waitingCheckMs, delay) : delay;
        continue;
      }
      if (this.#closed) return;
      this.answered();
      // A loss reported while this check ran may be newer than its answer: look again at once.
      pause = this.#checkNow ? 0 : intervalMs;
    }
  }
}
