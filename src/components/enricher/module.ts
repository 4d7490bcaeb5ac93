/**
 * Enricher: derives per-channel rolling statistics (min, max, mean over a window)
 * and the rate of change from the processed stream, and stores one document per
 * reading in the document store.
 */
import { Counter } from 'prom-client';
import { Type } from 'typebox';
import { defineModule } from '../../platform/modules.ts';
import { ProblemSchema } from '../../platform/http.ts';
import { badRequest } from '../../platform/problem.ts';
import { TOPICS, type ProcessedBatch } from '../../core/messages.ts';
import { MAX_EPOCH_MS, parseTimeParam, toIso } from '../../core/time.ts';
import { BUCKET_SECONDS, Enricher, type EnrichedDoc } from './enrich.ts';

export const ENRICHED = 'enriched';
const RETENTION_CHECK_MS = 60_000;

const Stats = { min: Type.Number(), max: Type.Number(), mean: Type.Number(), count: Type.Integer() };
const EnrichedSchema = Type.Object({
  spacecraft: Type.String(),
  channel: Type.String(),
  time: Type.String({ format: 'date-time', description: 'Start of the bucket' }),
  bucketSeconds: Type.Number(),
  ...Stats,
  last: Type.Object({ time: Type.String({ format: 'date-time' }), value: Type.Number() }),
  window: Type.Object({ seconds: Type.Number(), ...Stats }, { description: 'Rolling window ending at the last reading' }),
  ratePerSecond: Type.Union([Type.Number(), Type.Null()], { description: 'Change per second between the last two readings' }),
});

export const enricherModule = defineModule({
  name: 'enricher',
  deps: ['events', 'docs'],
  target: { description: 'Rolling statistics and rates per channel (event log -> document store)', routes: ['GET /v1/telemetry/enriched'] },
  async start({ config, http, metrics, logger, get }) {
    const events = get('events');
    const docs = get('docs').collection<EnrichedDoc>(ENRICHED);
    await docs.createIndex({ spacecraft: 1, channel: 1, time: 1 });
    await events.createTopic(TOPICS.processed, { partitions: config.events.partitions });
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

    http.get('/v1/telemetry/enriched', {
      schema: {
        tags: ['telemetry'],
        summary: 'Enriched telemetry of one channel: per-minute statistics, the rolling window and the rate of change, in time order',
        querystring: Type.Object({
          spacecraft: Type.String(), channel: Type.String(),
          from: Type.Optional(Type.String()), to: Type.Optional(Type.String()),
          limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
        }),
        response: { 200: Type.Object({ documents: Type.Array(EnrichedSchema) }), 400: ProblemSchema },
      },
    }, async (request) => {
      const { spacecraft, channel, limit } = request.query;
      const from = parseTimeParam(request.query.from);
      const to = parseTimeParam(request.query.to);
      const errors = [
        ...(Number.isNaN(from) ? [{ pointer: 'querystring/from', detail: 'is not a time' }] : []),
        ...(Number.isNaN(to) ? [{ pointer: 'querystring/to', detail: 'is not a time' }] : []),
      ];
      if (errors.length) throw badRequest('invalid time range', errors);
      const found = await docs.find(
        // A bucket overlapping the range counts, so start one bucket earlier.
        { spacecraft, channel, time: { $gt: (from ?? 0) - BUCKET_SECONDS * 1000, $lt: to ?? MAX_EPOCH_MS } },
        { sort: { time: 1 }, limit },
      );
      return { documents: found.map(({ _id, storedAt: _storedAt, ...d }) => ({ ...d, time: toIso(d.time), last: { ...d.last, time: toIso(d.last.time) } })) };
    });

    return {
      value: undefined,
      isReady: () => events.isReady() && get('docs').isReady(),
      async stop() {
        clearInterval(retention);
        await subscription.close();
      },
    };
  },
});
