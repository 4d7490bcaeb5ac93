/**
 * Reading a channel's history, one way for the REST routes and the console's history
 * explorer: the range checked, a page of points with the cursor of the next, and buckets.
 */
import type { ChannelType } from '../../core/schemas.ts';
import { badRequest, notFound } from '../../platform/problem.ts';
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

/**
 * A range left open gets the default window instead of the whole archive: `to` just after
 * the channel's newest reading (now when it has none), `from` `windowMs` before `to`.
 */
export async function withDefaultWindow(api: ConsoleApi, range: ResolvedRange, windowMs: number): Promise<ResolvedRange & { from: number; to: number }> {
  const to = range.to ?? ((await api.telemetry.latestTime(range.spacecraft, range.channel)) ?? Date.now()) + 1;
  return { ...range, to, from: range.from ?? to - windowMs };
}

/** Buckets of `stepSeconds` the range spans: more than `maxBuckets` is a 400 naming `step` (ORBIT_HISTORY_MAX_BUCKETS). */
export function checkBucketCount(range: { from: number; to: number }, stepSeconds: number, maxBuckets: number): void {
  const spanMs = range.to - range.from;
  const count = Math.ceil(spanMs / (stepSeconds * 1000));
  if (count <= maxBuckets) return;
  const least = Math.ceil(spanMs / maxBuckets) / 1000;
  throw badRequest(`the range spans ${count} buckets of ${stepSeconds} s; at most ${maxBuckets} are allowed (ORBIT_HISTORY_MAX_BUCKETS)`, [
    { pointer: 'querystring/step', detail: `gives ${count} buckets over the range; use a step of at least ${least} s or a shorter range` },
  ]);
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
