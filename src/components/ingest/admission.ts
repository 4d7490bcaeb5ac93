/**
 * Admission control for ingest: too many batches in flight, processors too far behind,
 * or a process shutting down answer 503 with Retry-After instead of taking work the
 * pipeline cannot finish. The queue's backlog is sampled, not asked per request.
 */
import { HttpProblem } from '../../platform/problem.ts';

export interface AdmissionOptions {
  maxInflight: number;
  maxBacklog: number;
  /** Batches waiting for a processor; rejects when unknown. */
  backlog(): Promise<number>;
  sampleEveryMs: number;
  onRefused?(): void;
}

export class Admission {
  readonly #options: AdmissionOptions;
  readonly #timer: NodeJS.Timeout;
  #inflight = 0;
  #backlog = 0;
  #draining = false;

  constructor(options: AdmissionOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.sample(), options.sampleEveryMs);
    this.#timer.unref();
  }

  /** Reads the backlog now. Unknown depth (broker or its management API away) counts as none: publishing then fails or succeeds on its own. */
  async sample(): Promise<void> {
    this.#backlog = await this.#options.backlog().catch(() => 0);
  }

  /** Runs `work` if there is room for it, or throws the 503 that says why not. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const { maxInflight, maxBacklog } = this.#options;
    if (this.#draining || this.#inflight >= maxInflight || this.#backlog >= maxBacklog) {
      this.#options.onRefused?.();
      if (this.#draining) throw new HttpProblem(503, 'shutting down', { retryAfterSeconds: 1 });
      if (this.#backlog >= maxBacklog) throw new HttpProblem(503, `the processors are behind by ${this.#backlog} batches, retry shortly`, { retryAfterSeconds: 2 });
      throw new HttpProblem(503, 'too many batches in flight, retry shortly', { retryAfterSeconds: 1 });
    }
    this.#inflight++;
    try {
      return await work();
    } finally {
      this.#inflight--;
    }
  }

  /** New work is refused from now on; what is in flight finishes. */
  drain(): void {
    this.#draining = true;
    clearInterval(this.#timer);
  }
}
