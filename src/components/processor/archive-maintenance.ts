/**
 * Keeps the telemetry archive in shape beside the writes: merges the small segments each
 * write leaves into full ones, and drops what missions no longer keep. One round at a
 * time; a round that fails (the store away, say) is logged and the next one tries again.
 */
import type { Logger } from 'pino';
import { isUnavailable } from '../../engines/shared/unavailable.ts';
import { Wakeup } from '../../lib/wakeup.ts';
import type { TelemetryStore } from '../../stores/telemetry/store.ts';

/** Compaction passes in one round at most (each up to 32 channels). */
const MAX_PASSES = 64;

export interface MaintenanceOptions {
  compactEveryMs: number;
  expireEveryMs: number;
  /** How long open segments settle before they are compacted (default: the store's). */
  settleMs?: number;
  onCompacted?(channels: number): void;
  onExpired?(segments: number): void;
}

export class ArchiveMaintenance {
  readonly #telemetry: TelemetryStore;
  readonly #logger: Logger;
  readonly #options: MaintenanceOptions;
  readonly #wakeup = new Wakeup({ unref: true });
  #running: Promise<void> | undefined;
  #stopping = false;

  constructor(telemetry: TelemetryStore, logger: Logger, options: MaintenanceOptions) {
    this.#telemetry = telemetry;
    this.#logger = logger;
    this.#options = options;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wakeup.wake();
    await this.#running;
  }

  /** One round: compacts until no channel has segments piled up; expires and reclaims room when it is due. */
  async round(expire: boolean): Promise<void> {
    // Bounded, so that expiry still gets its turn however much there is to compact.
    for (let pass = 0; pass < MAX_PASSES && !this.#stopping; pass++) {
      const compacted = await this.#telemetry.compact({ settleMs: this.#options.settleMs });
      if (!compacted) break;
      this.#options.onCompacted?.(compacted);
    }
    if (!expire) return;
    this.#options.onExpired?.(await this.#telemetry.dropExpired());
    await this.#telemetry.reclaim();
  }

  async #loop(): Promise<void> {
    // The first expiry (and vacuum) comes a period after start, not while the process warms up.
    let lastExpiry = Date.now();
    while (!this.#stopping) {
      await this.#wakeup.wait(this.#options.compactEveryMs);
      if (this.#stopping) return;
      const expire = Date.now() - lastExpiry >= this.#options.expireEveryMs;
      try {
        await this.round(expire);
        if (expire) lastExpiry = Date.now();
      } catch (error) {
        if (isUnavailable(error)) this.#logger.debug({ err: error }, 'archive maintenance waits for the store');
        else this.#logger.error({ err: error }, 'archive maintenance failed');
      }
    }
  }
}
