/**
 * Telemetry history: points in time order (paged with a cursor), aggregated buckets, and
 * an export of any length streamed as CSV or NDJSON.
 */
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { ProblemSchema } from '../../platform/http.ts';
import { TimeParam } from '../../platform/validation.ts';
import { notFound } from '../../platform/problem.ts';
import { Bucket, LatestReading, Point } from '../../core/schemas.ts';
import type { Routes } from '../../platform/modules.ts';
import type { ConsoleApi } from './api.ts';
import { buckets, checkBucketCount, pointsPage, resolveRange, withDefaultWindow } from './telemetry-history.ts';
import { EXPORT_FORMATS, exportLines, isoFormatter, type ExportFormat } from './export-format.ts';
import { spacecraftInQuery } from '../../platform/scopes.ts';

export const telemetryRoutes: Routes<ConsoleApi> = (http, api, config) => {
  const { historyMaxPoints, historyMaxBuckets, historyDefaultWindowMs } = config.caps;
  const hours = historyDefaultWindowMs / 3_600_000;
  const Range = {
    spacecraft: Type.String({ minLength: 1 }),
    channel: Type.String({ minLength: 1 }),
    from: Type.Optional(TimeParam(`ISO 8601 or epoch ms, inclusive; default: ${hours} h before \`to\``)),
    to: Type.Optional(TimeParam('ISO 8601 or epoch ms, exclusive; default: just after the channel\'s newest reading (now when it has none)')),
  };
  // Never the whole archive by accident: an open range is the default window (ORBIT_HISTORY_DEFAULT_HOURS).
  const window = async (q: { spacecraft: string; channel: string; from?: string; to?: string }) => withDefaultWindow(api, await resolveRange(api, q), historyDefaultWindowMs);
  http.get('/v1/telemetry', { config: { access: 'viewer', scope: spacecraftInQuery() },
    schema: {
      tags: ['telemetry'], summary: 'Processed readings of one channel, in time order',
      description: 'At most `limit` points. When the range holds more, `next` is a cursor: ask again with `cursor=<next>` (and the same range) for the following page.',
      querystring: Type.Object({
        ...Range,
        limit: Type.Integer({ minimum: 1, maximum: historyMaxPoints, default: Math.min(1000, historyMaxPoints), description: `Points in this page, at most ${historyMaxPoints} (ORBIT_HISTORY_MAX_POINTS)` }),
        cursor: Type.Optional(Type.String({ description: 'The `next` of the previous page' })),
      }),
      response: {
        200: Type.Object({ points: Type.Array(Point), next: Type.Optional(Type.String({ description: 'Cursor of the next page; absent on the last one' })) }),
        400: ProblemSchema, 404: ProblemSchema,
      },
    },
  }, async (request) => {
    const range = await window(request.query);
    return pointsPage(api, range, request.query.limit, request.query.cursor);
  });

  http.get('/v1/telemetry/latest', { config: { access: 'viewer', scope: spacecraftInQuery() },
    schema: {
      tags: ['telemetry'], summary: 'The newest stored reading of each channel of a spacecraft',
      description: 'One reading per channel that has any, in channel order: what a fleet overview shows, and where a live view starts.',
      querystring: Type.Object({ spacecraft: Type.String({ minLength: 1 }) }),
      response: { 200: Type.Object({ readings: Type.Array(LatestReading) }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request) => {
    const { spacecraft } = request.query;
    if (!(await api.catalog.spacecraft(spacecraft))) throw notFound(`no spacecraft "${spacecraft}"`);
    const channels = await api.catalog.listChannels(spacecraft);
    const readings = await api.telemetry.latest(spacecraft, channels);
    return { readings: readings.sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0)) };
  });

  http.get('/v1/telemetry/export', { config: { access: 'viewer', scope: spacecraftInQuery() },
    schema: {
      tags: ['telemetry'], summary: 'Every reading of one channel in a range, streamed as CSV or NDJSON',
      description: 'CSV: a `time,value,raw` header, then one reading per line. NDJSON: one `{time, value, raw}` object per line. In time order; any number of readings, streamed a page at a time. Without `from`, the range is the default window.',
      querystring: Type.Object({ ...Range, format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'csv' }) }),
      response: {
        200: { description: 'The readings', content: { 'text/csv': { schema: Type.String() }, 'application/x-ndjson': { schema: Type.String() } } },
        400: ProblemSchema, 404: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    const q = await window(request.query);
    const format: ExportFormat = request.query.format;
    const { contentType, header } = EXPORT_FORMATS[format];
    async function* lines() {
      if (header) yield header;
      const iso = isoFormatter();
      for await (const columns of api.telemetry.columns(q, q.type)) yield exportLines(columns, format, iso);
    }
    const name = `${q.spacecraft}-${q.channel}`.replace(/[^\w.-]+/g, '_');
    return reply
      .type(contentType)
      .header('content-disposition', `attachment; filename="${name}.${format}"`)
      // A stream of text; the response schema documents what it carries.
      .send(Readable.from(lines(), { objectMode: false }) as unknown as string);
  });

  http.get('/v1/telemetry/aggregate', { config: { access: 'viewer', scope: spacecraftInQuery() },
    schema: {
      tags: ['telemetry'], summary: 'Min, max, average and count per time bucket of one channel',
      description: `The range divided by \`step\` may give at most ${historyMaxBuckets} buckets (ORBIT_HISTORY_MAX_BUCKETS); more answers 400 naming \`step\`.`,
      querystring: Type.Object({
        ...Range,
        step: Type.Number({ exclusiveMinimum: 0, description: 'Bucket width in seconds' }),
        limit: Type.Integer({ minimum: 1, maximum: historyMaxPoints, default: Math.min(10_000, historyMaxPoints), description: 'Buckets with readings returned, the first ones of the range' }),
      }),
      response: { 200: Type.Object({ buckets: Type.Array(Bucket) }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request) => {
    const range = await window(request.query);
    checkBucketCount(range, request.query.step, historyMaxBuckets);
    return { buckets: await buckets(api, range, request.query.step, request.query.limit) };
  });
};
