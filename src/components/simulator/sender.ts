/**
 * Posts telemetry batches to the API in the order they were made, one request at a
 * time. While the server is unreachable batches wait (a bounded backlog, oldest
 * dropped first); once it answers again the backlog drains, a spacecraft's waiting
 * batches merged into one request.
 */
import type { Logger } from 'pino';
import { Backoff, FailureStreak, requestWithRetry, sleep, type ApiClient } from './client.ts';
import type { SimReading } from './spacecraft.ts';

export interface Batch {
  spacecraft: string;
  readings: SimReading[];
}

export interface SenderOptions {
  api: ApiClient;
  logger: Logger;
  /** Registers mission, spacecraft and channels; false if aborted. Throws when the server refuses for good. */
  bootstrap: (context: { signal: AbortSignal; backoff: Backoff; streak: FailureStreak }) => Promise<boolean>;
  maxPendingBatches: number;
  maxReadingsPerPost: number;
  onPosted?: (readings: number) => void;
  onDropped?: (readings: number, reason: 'backlog' | 'rejected') => void;
  /** Wait after the server refused the setup, before trying again. */
  bootstrapRetryMs?: number;
}

export class TelemetrySender {
  #options: SenderOptions;
  #queue: Batch[] = [];
  #inFlight = new Set<Batch>();
  #abort = new AbortController();
  #wake?: () => void;
  #loop?: Promise<void>;
  #bootstrapped = false;
  #lastRebootstrapMs = -Infinity;
  #backoff = new Backoff(250, 30_000);
  #streak: FailureStreak;
  #rejections: FailureStreak;

  constructor(options: SenderOptions) {
    this.#options = options;
    this.#streak = new FailureStreak(options.logger, { failing: 'the Orbit API is unavailable; retrying with backoff', recovered: 'the Orbit API is available again' });
    this.#rejections = new FailureStreak(
      options.logger,
      { failing: 'the API rejects telemetry batches; they are dropped', recovered: 'the API accepts telemetry batches again' },
      { graceMs: 0 },
    );
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** True once mission, spacecraft and channels are registered. */
  get bootstrapped(): boolean {
    return this.#bootstrapped;
  }

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => this.#options.logger.error({ err: error }, 'telemetry sender stopped unexpectedly'));
  }

  enqueue(batch: Batch): void {
    if (!batch.readings.length) return;
    this.#queue.push(batch);
    while (this.#queue.length > this.#options.maxPendingBatches) {
      const index = this.#queue.findIndex((b) => !this.#inFlight.has(b));
      if (index < 0) break;
      const [dropped] = this.#queue.splice(index, 1);
      this.#options.onDropped?.(dropped!.readings.length, 'backlog');
    }
    this.#wake?.();
  }

  /** Stops taking new work; resolves once a request already on the wire has been answered. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const context = { signal, backoff: this.#backoff, streak: this.#streak };
    let retriedAfterBootstrap = false;
    while (!signal.aborted) {
      if (!this.#bootstrapped) {
        try {
          if (!(await this.#options.bootstrap(context))) break;
          this.#bootstrapped = true;
          this.#options.logger.info('demo mission, fleet and channels registered');
        } catch (error) {
          this.#options.logger.error({ err: error }, 'the API refused the simulator setup; trying again later');
          if (!(await sleep(this.#options.bootstrapRetryMs ?? 60_000, signal))) break;
          continue;
        }
      }
      if (!this.#queue.length) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      const batches = this.#nextPost();
      batches.forEach((b) => this.#inFlight.add(b));
      const readings = batches.flatMap((b) => b.readings);
      const answer = await requestWithRetry(this.#options.api, { method: 'POST', path: '/v1/telemetry', body: { spacecraft: batches[0]!.spacecraft, readings } }, context);
      batches.forEach((b) => this.#inFlight.delete(b));
      if (!answer) break;
      if (answer.status === 400 && !retriedAfterBootstrap && Date.now() - this.#lastRebootstrapMs > 60_000) {
        // Most likely the server lost its mission database (a fresh data directory):
        // register again and give the batch one more chance. Not more than once a
        // minute, so a batch that is simply invalid does not cause a storm of setups.
        retriedAfterBootstrap = true;
        this.#lastRebootstrapMs = Date.now();
        this.#bootstrapped = false;
        continue;
      }
      retriedAfterBootstrap = false;
      this.#queue = this.#queue.filter((b) => !batches.includes(b));
      if (answer.status >= 200 && answer.status < 300) {
        this.#rejections.success();
        this.#options.onPosted?.(readings.length);
      } else {
        const body = answer.body as { detail?: string; errors?: { pointer: string; detail: string }[] } | undefined;
        const detail = [body?.detail, ...(body?.errors ?? []).slice(0, 3).map((e) => `${e.pointer} ${e.detail}`)].filter(Boolean).join('; ');
        this.#rejections.failure(`POST /v1/telemetry answered ${answer.status}${detail ? `: ${detail}` : ''} (batch dropped)`);
        this.#options.onDropped?.(readings.length, 'rejected');
      }
    }
  }

  /** The oldest batch and the same spacecraft's later ones, up to the readings cap. */
  #nextPost(): Batch[] {
    const head = this.#queue[0]!;
    const batches = [head];
    let count = head.readings.length;
    for (const batch of this.#queue.slice(1)) {
      if (batch.spacecraft !== head.spacecraft) continue;
      if (count + batch.readings.length > this.#options.maxReadingsPerPost) break;
      batches.push(batch);
      count += batch.readings.length;
    }
    return batches;
  }
}
