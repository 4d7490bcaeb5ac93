/**
 * GET /v1/telemetry/enriched: the per-minute statistics of one channel, in time order.
 */
import { Type } from 'typebox';
import { MAX_EPOCH_MS, parseTimeParam, toIso } from '../../core/time.ts';
import type { Collection } from '../../engines/docs/port.ts';
import { ProblemSchema } from '../../platform/http.ts';
import type { Routes } from '../../platform/modules.ts';
import { badRequest } from '../../platform/problem.ts';
import { BUCKET_SECONDS, type EnrichedDoc } from './enrich.ts';
import { TimeParam } from '../../platform/validation.ts';
import { spacecraftInQuery } from '../../platform/scopes.ts';

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

export const enricherRoutes: Routes<Collection<EnrichedDoc>> = (app, docs) => {
  app.get('/v1/telemetry/enriched', { config: { access: 'viewer', scope: spacecraftInQuery() },
    schema: {
      tags: ['telemetry'],
      summary: 'Enriched telemetry of one channel: per-minute statistics, the rolling window and the rate of change, in time order',
      querystring: Type.Object({
        spacecraft: Type.String(), channel: Type.String(),
        from: Type.Optional(TimeParam('ISO 8601 or epoch ms')), to: Type.Optional(TimeParam('ISO 8601 or epoch ms')),
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
};
