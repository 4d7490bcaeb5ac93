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
import { loadFleet } from './fleet.ts';
import { FleetControl } from './fleet-control.ts';
import { InjectionLog } from './injection-log.ts';
import { injectionRoutes } from './routes.ts';

export const simulatorModule = defineModule({
  name: 'simulator',
  // It appends every injected anomaly to simulator/injections.jsonl.
  usesDataDir: () => true,
  target: { description: 'Simulated fleet posting telemetry to ingest' },
  async start({ config, logger, metrics, url, internalKey }) {
    const log = new InjectionLog(path.join(config.dataDir, 'simulator', 'injections.jsonl'), logger);
    await log.load();
    if (!config.simulator) {
      logger.info('simulator not flying (set ORBIT_SIMULATOR=on to fly it); injection history is still served');
      return { value: log };
    }

    const fleet = await loadFleet({ count: config.sim.spacecraft, tleFile: config.sim.tleFile, epoch: new Date() });
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
      baseUrl: config.sim.ingestUrl ?? url,
      // Another process's API takes ORBIT_API_KEY; this process's own also the credential it made for itself.
      apiKey: config.auth.apiKey ?? (config.sim.ingestUrl ? undefined : internalKey),
      onAnswer: (method, route, status, seconds) => {
        requests.inc({ method, route, status_code: String(status) });
        duration.observe({ method, route }, seconds);
      },
    });

    const control = new FleetControl({
      fleet, sim: config.sim, maxBatchReadings: config.limits.maxBatchReadings, api, log, logger,
      counters: {
        generated: (n) => generated.inc(n),
        posted: (n) => posted.inc(n),
        dropped: (n, reason) => dropped.inc({ reason }, n),
        injected: (injection) => injected.inc({ kind: injection.kind }),
      },
    });
    new Gauge({ name: 'orbit_simulator_backlog_batches', help: 'Telemetry batches waiting to be posted', registers: [metrics], collect() { this.set(control.pending); } });
    control.start();

    return {
      value: log,
      isReady: () => control.flying,
      async stop() {
        await control.stop();
        await log.flush();
      },
    };
  },
  routes: injectionRoutes,
});
