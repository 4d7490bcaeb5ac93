/**
 * Flies the simulated fleet: registers it through the API (once the mission database
 * knows it, it launches), then ticks on a fixed grid, posting each tick's telemetry
 * through the sender and recording every injected anomaly in the injection log.
 */
import type { Logger } from 'pino';
import type { Config } from '../../platform/config.ts';
import type { ApiClient } from './client.ts';
import { bootstrap, type Registration } from './bootstrap.ts';
import { channelCatalog, staleAfterSeconds } from './channels.ts';
import { spacecraftModel, type Fleet } from './fleet.ts';
import { Flight } from './flight.ts';
import type { InjectionLog } from './injection-log.ts';
import type { Injection } from './anomalies.ts';
import { TelemetrySender } from './sender.ts';

export interface FleetControlOptions {
  fleet: Fleet;
  sim: Config['sim'];
  maxBatchReadings: number;
  api: ApiClient;
  log: InjectionLog;
  logger: Logger;
  counters: {
    generated(readings: number): void;
    posted(readings: number): void;
    dropped(readings: number, reason: string): void;
    injected(injection: Injection): void;
  };
}

export class FleetControl {
  readonly #sender: TelemetrySender;
  readonly #stop: () => void;
  readonly #flying: () => boolean;

  constructor({ fleet, sim, maxBatchReadings, api, log, logger, counters }: FleetControlOptions) {
    const { spacecraft: count, intervalMs, anomalySeconds, ingestUrl } = sim;
    let flight: Flight | undefined;
    let timer: NodeJS.Timeout | undefined;
    let running = true;
    const failing = new Set<string>();

    const tick = (): void => {
      if (!flight || !running) return;
      try {
        const result = flight.tick(new Date());
        for (const injection of result.injections) {
          log.record(injection);
          counters.injected(injection);
          logger.info({ injection }, `anomaly injected: ${injection.kind} on ${injection.spacecraft}`);
        }
        for (const { spacecraft, error } of result.failures) {
          if (!failing.has(spacecraft)) logger.warn({ err: error, spacecraft }, 'spacecraft could not be propagated; it sends nothing until it can');
          failing.add(spacecraft);
        }
        for (const batch of result.batches) {
          failing.delete(batch.spacecraft);
          counters.generated(batch.readings.length);
          sender.enqueue(batch);
        }
      } catch (error) {
        logger.error({ err: error }, 'simulator tick failed');
      }
      // Ticks stay on the launch time's grid; ones missed (a busy or suspended machine) are skipped, not bunched.
      const startMs = flight.plan.startMs;
      const now = Date.now();
      timer = setTimeout(tick, startMs + Math.ceil((now + 1 - startMs) / intervalMs) * intervalMs - now);
    };

    /** The fleet starts flying once the mission database knows it. */
    const launch = (registration: Registration): void => {
      if (flight || !running) return;
      const flown = fleet.members.map((member) => {
        const registered = registration.registeredTles.get(member.id);
        if (registered && registered.join('\n') !== member.tle.join('\n')) {
          const adopted = { ...member, tle: registered, origin: `registered TLE ${registered[0].slice(2, 7).trim()}` };
          try {
            return { member: adopted, model: spacecraftModel(adopted) };
          } catch (error) {
            logger.warn({ err: error, spacecraft: member.id }, "the registered TLE cannot be flown; flying the simulator's own orbit");
          }
        }
        return { member, model: spacecraftModel(member) };
      });
      const members = flown.map((f) => f.member);
      const models = flown.map((f) => f.model);
      const startMs = Date.now();
      flight = new Flight(models, {
        runId: startMs.toString(36),
        startMs,
        everyMs: anomalySeconds * 1000,
        spacecraft: members.map((m) => m.id),
        staleAfterSeconds: staleAfterSeconds(intervalMs),
      });
      logger.info(
        { spacecraft: members.map((m) => ({ id: m.id, orbit: m.origin })), intervalMs, anomalySeconds, target: ingestUrl ?? 'this process' },
        'simulator flying',
      );
      timer = setTimeout(tick, intervalMs);
    };

    const channels = channelCatalog(intervalMs);
    const sender = new TelemetrySender({
      api,
      logger,
      bootstrap: async (context) => {
        const registration = await bootstrap(api, fleet.members, channels, context);
        if (registration) launch(registration);
        return registration !== undefined;
      },
      // About five minutes of telemetry rides out a restart of the API.
      maxPendingBatches: Math.max(100, Math.ceil(300_000 / intervalMs) * count),
      maxReadingsPerPost: Math.min(maxBatchReadings, 2000),
      onPosted: counters.posted,
      onDropped: counters.dropped,
    });
    this.#sender = sender;
    this.#flying = () => running;
    this.#stop = () => {
      running = false;
      clearTimeout(timer);
    };
  }

  /** Batches waiting to be posted. */
  get pending(): number {
    return this.#sender.pending;
  }

  /** True until stopped. */
  get flying(): boolean {
    return this.#flying();
  }

  start(): void {
    this.#sender.start();
  }

  async stop(): Promise<void> {
    this.#stop();
    await this.#sender.stop();
  }
}
