/**
 * Telemetry history: points in time order (paged with a cursor), aggregated buckets, and
 * an export of any length streamed as CSV or NDJSON.
 */
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { ProblemSchema } from '../../platform/http.ts';
import { badRequest, notFound, type FieldError } from '../../platform/problem.ts';
import { Bucket, LatestReading, Point } from '../../core/schemas.ts';
import { parseTimeParam } from '../../core/time.ts';
import type { Routes } from '../../platform/modules.ts';
import type { ConsoleApi } from './api.ts';
import { EXPORT_FORMATS, exportLines, isoFormatter, type ExportFormat } from './export-format.ts';

/** The cursor of a page: where the next one starts, opaque to clients. */
const encodeCursor = (lastTime: number) => Buffer.from(JSON.stringify({ after: lastTime })).toString('base64url');

function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'number' && Number.isFinite(after)) return after;
  } catch {
    // answered below
  }
  throw badRequest('invalid cursor', [{ pointer: 'querystring/cursor', detail: 'is not a cursor this API gave out; pass the `next` of the previous page' }]);
}

const Range = {
  spacecraft: Type.String({ minLength: 1 }),
  channel: Type.String({ minLength: 1 }),
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms, inclusive' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms, exclusive' })),
};

export const telemetryRoutes: Routes<ConsoleApi> = (http, api) => {
  const resolve = async (q: { spacecraft: string; channel: string; from?: string; to?: string }) => {
    const from = parseTimeParam(q.from);
    const to = parseTimeParam(q.to);
    const errors: FieldError[] = [];
    if (Number.isNaN(from)) errors.push({ pointer: 'querystring/from', detail: 'is not an ISO 8601 time or epoch milliseconds' });
    if (Number.isNaN(to)) errors.push({ pointer: 'querystring/to', detail: 'is not an ISO 8601 time or epoch milliseconds' });
    if (errors.length) throw badRequest('invalid time range', errors);
    const channel = (await api.catalog.spacecraftWith(q.spacecraft, [q.channel]))?.channels.get(q.channel);
    if (!channel) throw notFound(`no channel "${q.channel}" of spacecraft "${q.spacecraft}"`);
    return { spacecraft: q.spacecraft, channel: q.channel, from, to, type: channel.type };
  };

  http.get('/v1/telemetry', {
    schema: {
      tags: ['telemetry'], summary: 'Processed readings of one channel, in time order',
      description: 'At most `limit` points. When the range holds more, `next` is a cursor: ask again with `cursor=<next>` (and the same range) for the following page.',
      querystring: Type.Object({
        ...Range,
        limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
        cursor: Type.Optional(Type.String({ description: 'The `next` of the previous page' })),
      }),
      response: {
        200: Type.Object({ points: Type.Array(Point), next: Type.Optional(Type.String({ description: 'Cursor of the next page; absent on the last one' })) }),
        400: ProblemSchema, 404: ProblemSchema,
      },
    },
  }, async (request) => {
    const after = decodeCursor(request.query.cursor);
    const q = await resolve(request.query);
    const { limit } = request.query;
    const page = await api.telemetry.points({ ...q, limit, after }, q.type);
    return { points: page.points, ...(page.points.length === limit && page.lastTime !== undefined && { next: encodeCursor(page.lastTime) }) };
  });

  http.get('/v1/telemetry/latest', {
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

  http.get('/v1/telemetry/export', {
    schema: {
      tags: ['telemetry'], summary: 'Every reading of one channel in a range, streamed as CSV or NDJSON',
      description: 'CSV: a `time,value,raw` header, then one reading per line. NDJSON: one `{time, value, raw}` object per line. In time order; any number of readings, streamed a page at a time.',
      querystring: Type.Object({ ...Range, format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'csv' }) }),
      response: {
        200: { description: 'The readings', content: { 'text/csv': { schema: Type.String() }, 'application/x-ndjson': { schema: Type.String() } } },
        400: ProblemSchema, 404: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    const q = await resolve(request.query);
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

  http.get('/v1/telemetry/aggregate', {
    schema: {
      tags: ['telemetry'], summary: 'Min, max, average and count per time bucket of one channel',
      querystring: Type.Object({ ...Range, step: Type.Number({ exclusiveMinimum: 0, description: 'Bucket width in seconds' }), limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 }) }),
      response: { 200: Type.Object({ buckets: Type.Array(Bucket) }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request) => {
    const q = await resolve(request.query);
    return { buckets: await api.telemetry.aggregate({ ...q, stepSeconds: request.query.step, limit: request.query.limit }, q.type) };
  });
};
