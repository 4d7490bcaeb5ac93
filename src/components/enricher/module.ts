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
import { parseTimeParam, toIso } from '../../core/time.ts';
import { RollingWindow, type WindowStats } from '../../core/rolling-window.ts';
import type { Doc } from '../../engines/docs/port.ts';

export const WINDOW_SECONDS = 60;
export const ENRICHED = 'enriched';

export interface EnrichedDoc extends Doc {
  spacecraft: string;
  channel: string;
  time: number;
  value: number;
  raw: number | string | boolean;
  batchId: string;
  window: WindowStats & { seconds: number };
  /** Engineering units per second since the previous reading; null for the first. */
  ratePerSecond: number | null;
}

interface ChannelState {
  window: RollingWindow;
  lastTime: number;
  lastValue: number;
}

const EnrichedSchema = Type.Object({
  spacecraft: Type.String(),
  channel: Type.String(),
  time: Type.String({ format: 'date-time' }),
  value: Type.Number(),
  window: Type.Object({ seconds: Type.Number(), min: Type.Number(), max: Type.Number(), mean: Type.Number(), count: Type.Integer() }),
  ratePerSecond: Type.Union([Type.Number(), Type.Null()]),
});

export const enricherModule = defineModule({
  name: 'enricher',
  deps: ['events', 'docs'],
  target: { description: 'Rolling statistics and rates per channel (event log -> document store)', routes: ['GET /v1/telemetry/enriched'] },
  async start({ config, http, metrics, get }) {
    const events = get('events');
    const docs = get('docs').collection<EnrichedDoc>(ENRICHED);
    await docs.createIndex({ spacecraft: 1, channel: 1, time: 1 });
    await events.createTopic(TOPICS.processed, { partitions: config.events.partitions });
    const state = new Map<string, ChannelState>();
    const enriched = new Counter({ name: 'orbit_enricher_documents_total', help: 'Enriched documents written', registers: [metrics] });

    const enrich = (batch: ProcessedBatch, out: EnrichedDoc[]) => {
      for (const r of batch.readings) {
        if (typeof r.value !== 'number') continue;
        const key = `${batch.spacecraft}\u0000${r.channel}`;
        let s = state.get(key);
        // A redelivered or late reading was already counted (or is out of order): skip it.
        if (s && r.time <= s.lastTime) continue;
        if (!s) state.set(key, (s = { window: new RollingWindow(WINDOW_SECONDS * 1000), lastTime: Number.NaN, lastValue: Number.NaN }));
        const stats = s.window.push(r.time, r.value);
        const rate = Number.isNaN(s.lastTime) ? null : (r.value - s.lastValue) / ((r.time - s.lastTime) / 1000);
        s.lastTime = r.time;
        s.lastValue = r.value;
        out.push({
          _id: `${batch.spacecraft}/${r.channel}/${r.time}`,
          spacecraft: batch.spacecraft, channel: r.channel, time: r.time, value: r.value, raw: r.raw, batchId: batch.batchId,
          window: { seconds: WINDOW_SECONDS, ...stats }, ratePerSecond: rate,
        });
      }
    };

    const subscription = await events.subscribe<ProcessedBatch>({ group: 'enricher', topics: [TOPICS.processed] }, async (records) => {
      const out: EnrichedDoc[] = [];
      for (const record of records) enrich(record.value, out);
      if (out.length) await docs.upsertMany(out);
      enriched.inc(out.length);
    });

    http.get('/v1/telemetry/enriched', {
      schema: {
        tags: ['telemetry'],
        summary: 'Enriched readings of one channel (rolling window statistics and rate of change), in time order',
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
        { spacecraft, channel, time: { $gte: from ?? 0, $lt: to ?? 8.64e15 } },
        { sort: { time: 1 }, limit },
      );
      return { documents: found.map((d) => ({ spacecraft: d.spacecraft, channel: d.channel, time: toIso(d.time), value: d.value, window: d.window, ratePerSecond: d.ratePerSecond })) };
    });

    return { value: undefined, isReady: () => events.isReady() && get('docs').isReady(), stop: () => subscription.close() };
  },
});
