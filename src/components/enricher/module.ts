/**
 * Enricher: derives per-channel rolling statistics (min, max, mean over a window)
 * and the rate of change from the processed stream, and stores one document per
 * reading in the document store.
 */
import { Counter } from 'prom-client';
import { TOPICS, type ProcessedBatch } from '../../core/messages.ts';
import { DOCS, type Collection } from '../../engines/docs/port.ts';
import { EVENTS } from '../../engines/events/port.ts';
import { defineModule } from '../../platform/modules.ts';
import { Enricher, type EnrichedDoc } from './enrich.ts';
import { enricherRoutes } from './routes.ts';

export const ENRICHED = 'enriched';
const RETENTION_CHECK_MS = 60_000;

/** Enriches batches and stores the documents; resolves with how many were written. */
async function enrichInto(docs: Collection<EnrichedDoc>, enricher: Enricher, batches: ProcessedBatch[]): Promise<number> {
  const out = enricher.enrich(batches);
  if (out.length) await docs.upsertMany(out);
  return out.length;
}

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
      enriched.inc(await enrichInto(docs, enricher, records.map((r) => r.value)));
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

/** Per-minute documents computed again from stored events (`orbit replay --target enricher`). */
export const enricherReplayModule = defineModule({
  name: 'enricher-replay',
  deps: { store: DOCS, events: EVENTS },
  async start({ deps: { store } }) {
    const docs = store.collection<EnrichedDoc>(ENRICHED);
    const enricher = new Enricher();
    return { value: async (batches: ProcessedBatch[]) => void (await enrichInto(docs, enricher, batches)) };
  },
});
