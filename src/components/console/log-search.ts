/**
 * Log search, one way for `GET /v1/logs` and the console's log page: the query's schema,
 * its time range checked, newest entries first, and a cursor to the older ones.
 *
 * The cursor is a time and how many entries of that millisecond were already given: the
 * index orders entries of the same time the same way on every search, so asking again up to
 * that time (inclusive) and skipping those continues exactly where the page ended.
 */
import { Type, type Static } from 'typebox';
import { toIso } from '../../core/time.ts';
import type { LogEntry, LogIndex } from '../../engines/logs/port.ts';
import { TimeParam, timeRange } from '../../platform/validation.ts';
import { cursorCodec } from './query-params.ts';

const Level = Type.Union([Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('fatal')]);

/** The levels, lowest first: a search's `level` is the minimum. */
export const LOG_LEVELS: readonly string[] = Level.anyOf.map((l) => l.const);

export const LogsQuery = Type.Object({
  q: Type.Optional(Type.String({ description: 'Words that must all appear' })),
  level: Type.Optional(Level),
  module: Type.Optional(Type.String()), service: Type.Optional(Type.String()), traceId: Type.Optional(Type.String()),
  from: Type.Optional(TimeParam('ISO 8601 or epoch ms, inclusive')),
  to: Type.Optional(TimeParam('ISO 8601 or epoch ms, inclusive')),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ description: 'The `next` of the previous page: the older entries of the same search' })),
});
export type LogsQuery = Static<typeof LogsQuery>;

export const LogsPage = Type.Object({
  entries: Type.Array(Type.Object({
    time: Type.String({ format: 'date-time' }), level: Level, msg: Type.String(), service: Type.String(),
    module: Type.Optional(Type.String()), traceId: Type.Optional(Type.String()), spanId: Type.Optional(Type.String()),
    fields: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  })),
  next: Type.Optional(Type.String({ description: 'Cursor of the older entries; absent when there are none' })),
});
export type LogsPage = Static<typeof LogsPage>;

interface Cursor {
  /** Time of the last entry given (epoch ms). */
  at: number;
  /** How many entries of that time were given. */
  seen: number;
}

const cursors = cursorCodec((p): p is Cursor => {
  const c = p as Partial<Cursor> | null;
  return Number.isFinite(c?.at) && Number.isInteger(c?.seen) && c!.seen! >= 0;
});

/** Where the next page starts: the last entry's time, and how many of that time this search has given. */
function cursorAfter(given: readonly LogEntry[]): Cursor {
  const at = given.at(-1)!.time;
  let seen = 0;
  for (let i = given.length - 1; i >= 0 && given[i]!.time === at; i--) seen++;
  return { at, seen };
}

export async function searchLogs(logs: LogIndex, q: LogsQuery): Promise<LogsPage> {
  const { from, to } = timeRange(q);
  const cursor = cursors.decode(q.cursor);
  const skip = cursor?.seen ?? 0;
  const found = await logs.search({
    text: q.q, level: q.level, module: q.module, service: q.service, traceId: q.traceId,
    from, to: cursor ? cursor.at : to, limit: q.limit + skip,
  });
  const entries = found.slice(skip);
  const full = entries.length === q.limit;
  return {
    entries: entries.map((e) => ({ ...e, time: toIso(e.time) })),
    ...(full && { next: cursors.encode(cursorAfter(found)) }),
  };
}
