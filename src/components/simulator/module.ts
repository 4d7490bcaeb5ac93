/**
 * Simulator target: a fleet of spacecraft on real orbits posting telemetry to ingest
 * over HTTP, like any outside client, with anomalies injected on a schedule and
 * recorded for scoring. It registers its own mission, spacecraft and channels through
 * the API, so it works against a fresh or an existing deployment alike.
 */
import path from 'node:path';
import { Counter, Gauge, Histogram } from 'prom-client';
import { defineModule } from '../../platform/modules.ts';
import { ApiClient } from './client.ts';
import { bootstrap, type Registration } from './bootstrap.ts';
import { channelCatalog, staleAfterSeconds } from './channels.ts';
import { loadFleet, spacecraftModel } from './fleet.ts';
import { Flight } from './flight.ts';
import { InjectionLog } from './injection-log.ts';
import { injectionRoutes } from './routes.ts';
import { TelemetrySender } from './sender.ts';

export const simulatorModule = defineModule({
  name: 'simulator',
  // It appends every injected anomaly to simulator/injections.jsonl.
  usesDataDir: () => true,
  target: { description: 'Simulated fleet posting telemetry to ingest' },
  async start({ config, logger, metrics, url }) {
    const log = new InjectionLog(path.join(config.dataDir, 'simulator', 'injections.jsonl'), logger);
    await log.load();
    if (!config.simulator) {
      logger.info('simulator not flying (set ORBIT_SIMULATOR=on to fly it); injection history is still served');
      return { value: log };
    }

    const { spacecraft: count, intervalMs, anomalySeconds, tleFile, ingestUrl } = config.sim;
    const fleet = await loadFleet({ count, tleFile, epoch: new Date() });
    if (fleet.source === 'synthetic') logger.info({ reason: fleet.reason }, 'flying synthetic orbits');

    const generated = new Counter({ name: 'orbit_simulator_readings_generated_total', help: 'Readings the simulated fleet produced', registers: [metrics] });
    const posted = new Counter({ name: 'orbit_simulator_readings_posted_total', help: 'Readings the API accepted from the simulator', registers: [metrics] });
    const dropped = new Counter({ name: 'orbit_simulator_readings_dropped_total', help: 'Readings given up: backlog full, or rejected by the API', labelNames: ['reason'], registers: [metrics] });
    const injected = new Counter({ name: 'orbit_simulator_injections_total', help: 'Anomalies injected, by kind', labelNames: ['kind'], registers: [metrics] });
    const requests = new Counter({
      name: 'orbit_simulator_http_requests_total', help: 'Requests the simulator made to the API; status_code "error" when no answer came', labelNames: ['method', 'route', 'status_code'], registers: [metrics],
    });
    const duration = new Histogram({
      name: 'orbit_simulator_http_request_duration_seconds', help: 'Time the API took to answer the simulator', labelNames: ['method', 'route'], registers: [metrics],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    });

    const api = new ApiClient({
      baseUrl: ingestUrl ?? url,
      onAnswer: (method, route, status, seconds) => {
        requests.inc({ method, route, status_code: String(status) });
        duration.observe({ method, route }, seconds);
      },
    });

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
          injected.inc({ kind: injection.kind });
          logger.info({ injection }, `anomaly injected: ${injection.kind} on ${injection.spacecraft}`);
        }
        for (const { spacecraft, error } of result.failures) {
          if (!failing.has(spacecraft)) logger.warn({ err: error, spacecraft }, 'spacecraft could not be propagated; it sends nothing until it can');
          failing.add(spacecraft);
        }
        for (const batch of result.batches) {
          failing.delete(batch.spacecraft);
          generated.inc(batch.readings.length);
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
      maxReadingsPerPost: Math.min(config.limits.maxBatchReadings, 2000),
      onPosted: (n) => posted.inc(n),
      onDropped: (n, reason) => dropped.inc({ reason }, n),
    });
    new Gauge({ name: 'orbit_simulator_backlog_batches', help: 'Telemetry batches waiting to be posted', registers: [metrics], collect() { this.set(sender.pending); } });
    sender.start();

    return {
      value: log,
      isReady: () => running,
      async stop() {
        running = false;
        clearTimeout(timer);
        await sender.stop();
        await log.flush();
      },
    };
  },
  routes: injectionRoutes,
});
