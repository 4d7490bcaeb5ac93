/**
 * Analyzer: feeds processed telemetry to the alert lifecycle (engine.ts), checks every
 * second for silent channels and shelves whose time is up, and serves the alert desk's
 * API (routes.ts) and the console's alarm desk (pages/).
 */
import { Counter, Gauge } from 'prom-client';
import { TOPICS, type ProcessedBatch } from '../../core/messages.ts';
import { EVENTS } from '../../engines/events/port.ts';
import { defineModule } from '../../platform/modules.ts';
import { ALERTS } from '../../stores/alerts/store.ts';
import type { OutboxBacklog } from '../../stores/alerts/outbox.ts';
import { MISSIONS } from '../../stores/missions/catalog.ts';
import { TELEMETRY } from '../../stores/telemetry/store.ts';
import { AlertPublisher } from './alert-publisher.ts';
import { AlertEngine } from './engine.ts';
import type { AnalyzerApi } from './alert-desk.ts';
import { alarmDeskPages } from './pages/routes.ts';
import { analyzerRoutes } from './routes.ts';

const CHECK_MS = 1000;

export const analyzerModule = defineModule({
  name: 'analyzer',
  deps: { catalog: MISSIONS, alerts: ALERTS, telemetry: TELEMETRY, events: EVENTS },
  target: { description: 'Anomaly detection (limits, staleness, detectors) and the alert lifecycle' },
  async start({ metrics, logger, deps: { catalog, alerts, telemetry, events } }) {
    const analyzed = new Counter({ name: 'orbit_analyzer_readings_total', help: 'Readings checked against alert rules', registers: [metrics] });
    const transitions = new Counter({ name: 'orbit_alert_transitions_total', help: 'Alert state changes', labelNames: ['rule', 'severity', 'to'], registers: [metrics] });
    const publisher = new AlertPublisher({
      events, outbox: alerts.outbox,
      onError: (error) => logger.warn({ err: error }, 'alert events wait in the outbox until the event log is back'),
    });
    const engine = new AlertEngine({
      catalog, alerts, telemetry, publisher,
      onTransition: ({ alert, to }) => transitions.inc({ rule: alert.rule, severity: alert.severity, to }),
    });
    await engine.load();
    publisher.start();
    // The outbox is shared: every analyzer reports the same backlog, one read per scrape. A
    // store that cannot be read leaves the last values (the scrape must not fail for it).
    let backlog: Promise<OutboxBacklog | undefined> | undefined;
    const readBacklog = () => (backlog ??= alerts.outbox.backlog().catch(() => undefined).finally(() => setTimeout(() => (backlog = undefined), 100)));
    new Gauge({
      name: 'orbit_alert_outbox_pending', help: 'Alert events stored but not yet on the alerts topic (all analyzers)', registers: [metrics],
      async collect() {
        const read = await readBacklog();
        if (read) this.set(read.pending);
      },
    });
    new Gauge({
      name: 'orbit_alert_outbox_oldest_pending_seconds', help: 'Age of the oldest alert event not yet on the alerts topic (0 when none waits)', registers: [metrics],
      async collect() {
        const read = await readBacklog();
        if (read) this.set(read.oldestAt === undefined ? 0 : Math.max(0, (Date.now() - read.oldestAt) / 1000));
      },
    });
    new Gauge({
      name: 'orbit_alerts_active', help: 'Alerts not yet resolved, held by this analyzer', labelNames: ['severity'], registers: [metrics],
      collect() {
        this.reset();
        for (const [severity, count] of engine.activeBySeverity()) this.set({ severity }, count);
      },
    });

    const subscription = await events.subscribe<ProcessedBatch>({ group: 'analyzer', topics: [TOPICS.processed] }, async (records) => {
      analyzed.inc(await engine.onBatches(records.map((r) => r.value)));
    });
    const timer = setInterval(() => engine.tick().catch((error: unknown) => logger.error({ err: error }, 'periodic alert check failed')), CHECK_MS);

    const api: AnalyzerApi = { engine, alerts, catalog };
    return {
      value: api,
      isReady: () => events.isReady(),
      async stop() {
        clearInterval(timer);
        await subscription.close();
        await engine.idle();
        await publisher.stop();
      },
    };
  },
  async routes(http, api, config) {
    await analyzerRoutes(http, api, config);
    await alarmDeskPages(http, api);
  },
});

/**
 * Detection re-run over stored events (`orbit replay --target analyzer`), for example
 * after a limit changed: the same lifecycle, fed by the replay instead of the group.
 */
export const analyzerReplayModule = defineModule({
  name: 'analyzer-replay',
  deps: analyzerModule.deps,
  async start({ deps: { catalog, alerts, telemetry, events } }) {
    const publisher = new AlertPublisher({ events, outbox: alerts.outbox });
    const engine = new AlertEngine({ catalog, alerts, telemetry, publisher });
    await engine.load();
    publisher.start();
    return {
      value: async (batches: ProcessedBatch[]) => void (await engine.onBatches(batches)),
      async stop() {
        await engine.idle();
        // The replay's events go out before it ends; any left wait for a running analyzer.
        await publisher.flush().catch(() => undefined);
        await publisher.stop();
      },
    };
  },
});
