/**
 * Enricher: derives per-channel rolling statistics (min, max, mean over a window)
 * and the rate of change from the processed stream, and stores one document per
 * reading in the document store.
 */
import { Counter } from 'prom-client';
import { TOPICS, type ProcessedBatch } from '../../core/messages.ts';
import { DOCS } from '../../engines/docs/port.ts';
import { EVENTS } from '../../engines/events/port.ts';
import { defineModule } from '../../platform/modules.ts';
import { Enricher, type EnrichedDoc } from './enrich.ts';
import { enricherRoutes } from './routes.ts';

export const ENRICHED = 'enriched';
const RETENTION_CHECK_MS = 60_000;

export const enricherModule = defineModule({
  name: 'enricher',
  deps: { events: EVENTS, store: DOCS },
  target: { description: 'Rolling statistics and rates per channel (event log -> document store)' },
  async start({ config, metrics, logger, deps: { events, store } }) {
    const docs = store.collection<EnrichedDoc>(ENRICHED);
    await docs.createIndex({ spacecraft: 1, channel: 1, time: 1 });
    const enricher = new Enricher();
    const enriched = new Counter({ name: 'orbit_enricher_documents_total', help: 'Enriched bucket documents written', registers: [metrics] });
    const retentionMs = config.enricher.retentionHours * 3_600_000;

    const subscription = await events.subscribe<ProcessedBatch>({ group: 'enricher', topics: [TOPICS.processed] }, async (records) => {
      const out = enricher.enrich(records.map((r) => r.value));
      if (out.length) await docs.upsertMany(out);
      enriched.inc(out.length);
    });
    const retention = setInterval(() => {
      docs.deleteMany({ storedAt: { $lt: Date.now() - retentionMs } }).catch((error: unknown) => logger.warn({ err: error }, 'enriched retention failed'));
    }, RETENTION_CHECK_MS);

    return {
      value: docs,
      isReady: () => events.isReady() && store.isReady(),
      async stop() {
        clearInterval(retention);
        await subscription.close();
      },
    };
  },
  routes: enricherRoutes,
});
