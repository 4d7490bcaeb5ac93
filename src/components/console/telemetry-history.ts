/**
 * Reading a channel's history, one way for the REST routes and the console's history
 * explorer: the range checked, a page of points with the cursor of the next, and buckets.
 */
import type { ChannelType } from '../../core/schemas.ts';
import { parseTimeParam } from '../../core/time.ts';
import { badRequest, notFound, type FieldError } from '../../platform/problem.ts';
import type { Bucket, Point } from '../../stores/telemetry/store.ts';
import type { ConsoleApi } from './api.ts';

export interface RangeParams {
  spacecraft: string;
  channel: string;
  from?: string;
  to?: string;
}

export interface ResolvedRange {
  spacecraft: string;
  channel: string;
  from?: number;
  to?: number;
  type: ChannelType;
}

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

/** The range as epoch ms and the channel's type; 400 naming each bad time, 404 for a channel the spacecraft lacks. */
export async function resolveRange(api: ConsoleApi, q: RangeParams): Promise<ResolvedRange> {
  const from = parseTimeParam(q.from);
  const to = parseTimeParam(q.to);
  const errors: FieldError[] = [];
  if (Number.isNaN(from)) errors.push({ pointer: 'querystring/from', detail: 'is not an ISO 8601 time or epoch milliseconds' });
  if (Number.isNaN(to)) errors.push({ pointer: 'querystring/to', detail: 'is not an ISO 8601 time or epoch milliseconds' });
  if (errors.length) throw badRequest('invalid time range', errors);
  const channel = (await api.catalog.spacecraftWith(q.spacecraft, [q.channel]))?.channels.get(q.channel);
  if (!channel) throw notFound(`no channel "${q.channel}" of spacecraft "${q.spacecraft}"`);
  return { spacecraft: q.spacecraft, channel: q.channel, from, to, type: channel.type };
}

export interface PointsPage {
  points: Point[];
  /** Cursor of the next page; absent on the last one. */
  next?: string;
}

/** Up to `limit` points of the range after the cursor's; the cursor is checked before anything is read. */
export async function pointsPage(api: ConsoleApi, range: ResolvedRange, limit: number, cursor?: string): Promise<PointsPage> {
  const after = decodeCursor(cursor);
  const page = await api.telemetry.points({ ...range, limit, after }, range.type);
  return { points: page.points, ...(page.points.length === limit && page.lastTime !== undefined && { next: encodeCursor(page.lastTime) }) };
}

/** Min, max, mean and count per bucket of `stepSeconds`, for the first `limit` buckets with readings. */
export function buckets(api: ConsoleApi, range: ResolvedRange, stepSeconds: number, limit: number): Promise<Bucket[]> {
  return api.telemetry.aggregate({ ...range, stepSeconds, limit }, range.type);
}
