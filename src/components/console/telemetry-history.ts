/**
 * Reading a channel's history, one way for the REST routes and the console's history
 * explorer: the range checked, a page of points with the cursor of the next, and buckets.
 */
import type { ChannelType } from '../../core/schemas.ts';
import { notFound } from '../../platform/problem.ts';
import type { Bucket, Point } from '../../core/schemas.ts';
import type { ConsoleApi } from './api.ts';
import { timeRange } from '../../platform/validation.ts';
import { cursorCodec } from './query-params.ts';

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

/** Where the next page starts: after the time of the last reading given (times are unique per channel). */
const cursors = cursorCodec((p): p is { after: number } => Number.isFinite((p as { after?: unknown } | null)?.after));

/** The range as epoch ms and the channel's type; 400 naming each bad time, 404 for a channel the spacecraft lacks. */
export async function resolveRange(api: ConsoleApi, q: RangeParams): Promise<ResolvedRange> {
  const { from, to } = timeRange(q);
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
  const after = cursors.decode(cursor)?.after;
  const page = await api.telemetry.points({ ...range, limit, after }, range.type);
  return { points: page.points, ...(page.points.length === limit && page.lastTime !== undefined && { next: cursors.encode({ after: page.lastTime }) }) };
}

/** Min, max, mean and count per bucket of `stepSeconds`, for the first `limit` buckets with readings. */
export function buckets(api: ConsoleApi, range: ResolvedRange, stepSeconds: number, limit: number): Promise<Bucket[]> {
  return api.telemetry.aggregate({ ...range, stepSeconds, limit }, range.type);
}
