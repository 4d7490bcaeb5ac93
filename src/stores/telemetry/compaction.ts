/**
 * The compactor of the telemetry archive: merges the open segments each write leaves, and
 * every segment overlapping them, into disjoint full segments, later writes winning where
 * times repeat, and rewrites the hourly rollups of the hours it touched.
 */
import type { SqlExecutor, SqlStore } from '../../engines/sql/port.ts';
import { cutSegments, hourEnd, HOUR_MS, joinSeries, mergeSegments, SEGMENT_READINGS, type EncodedSegment } from './segments.ts';
import { AT, bytes, decodeRow, FETCH_SEGMENTS, IN_RANGE, insertSegments, PAYLOAD, segmentRows, storedAs, TIME, type PayloadRow } from './segment-rows.ts';

/**
 * Open segments a channel may pile up before the compactor rewrites them, however few
 * readings they hold; otherwise it waits for a full segment's worth, so that each reading
 * is rewritten about once.
 */
export const COMPACT_AFTER_SEGMENTS = 32;
/**
 * How long open segments settle before they are compacted. Batches of concurrent clients
 * arrive a little out of order, so fresh segments interleave in time; merged once they
 * have all arrived, they rarely overlap a sealed segment, which would be rewritten whole.
 */
export const COMPACT_SETTLE_MS = 5000;

export interface CompactOptions {
  /** Channels compacted in one call at most (default 32). */
  maxChannels?: number;
  /** Open segments that make a channel due however few readings they hold (default 32). */
  minSegments?: number;
  now?: number;
  /** How long open segments settle first (default COMPACT_SETTLE_MS). */
  settleMs?: number;
}

/**
 * Rewrites the open (not yet compacted) segments of up to `maxChannels` channels that
 * have piled up, with every segment overlapping them, as disjoint full segments: later
 * writes win where times repeat. Answers how many channels it compacted.
 */
export async function compact(sql: SqlStore, options: CompactOptions = {}): Promise<number> {
  const now = options.now ?? Date.now();
  const settleMs = options.settleMs ?? COMPACT_SETTLE_MS;
  // Open segments of hours that are over are compacted however few, and come out sealed:
  // their hour's rollup then holds.
  const closedHours = Math.floor(now / HOUR_MS) * HOUR_MS;
  const { rows } = await sql.query<{ spacecraft_id: string; channel: string }>(
    `SELECT spacecraft_id, channel FROM telemetry_segments WHERE NOT sealed AND stored_at <= now() - $5 * interval '1 millisecond'
     GROUP BY spacecraft_id, channel HAVING count(*) >= $1 OR sum(count) >= $2 OR max(end_time) < ${AT('$3')} LIMIT $4`,
    [options.minSegments ?? COMPACT_AFTER_SEGMENTS, SEGMENT_READINGS, closedHours, options.maxChannels ?? 32, settleMs],
  );
  for (const r of rows) await compactChannel(sql, r.spacecraft_id, r.channel, now, settleMs);
  return rows.length;
}

/**
 * Reads and merges outside any transaction, then swaps in one short transaction if the
 * span still holds exactly the segments read: PGlite runs one transaction at a time, and
 * the processor's writes must not wait for the decoding and encoding.
 */
async function compactChannel(sql: SqlStore, spacecraft: string, channel: string, now: number, settleMs: number): Promise<void> {
  const open = (await sql.query<{ start: number; end: number }>(
    `SELECT ${TIME('start_time')} AS start, ${TIME('end_time')} AS "end" FROM telemetry_segments
     WHERE spacecraft_id = $1 AND channel = $2 AND NOT sealed AND stored_at <= now() - $3 * interval '1 millisecond'
     ORDER BY start_time, seq LIMIT ${FETCH_SEGMENTS}`,
    [spacecraft, channel, settleMs],
  )).rows;
  if (!open.length) return;
  let lo = Math.min(...open.map((r) => Number(r.start)));
  let hi = Math.max(...open.map((r) => Number(r.end)));
  // Every segment overlapping the span, and those overlapping them, until the span stops growing.
  let rows: PayloadRow[];
  for (;;) {
    // A millisecond of margin each side: timestamps far from 1970 come back a microsecond off.
    rows = (await sql.query<PayloadRow>(`SELECT ${PAYLOAD} FROM telemetry_segments WHERE ${IN_RANGE} ORDER BY start_time, seq`, [spacecraft, channel, lo - 1, hi + 2])).rows;
    const nlo = Math.min(lo, ...rows.map((r) => Number(r.start)));
    const nhi = Math.max(hi, ...rows.map((r) => Number(r.end)));
    if (nlo === lo && nhi === hi) break;
    lo = nlo;
    hi = nhi;
  }
  if (!rows.length) return;
  const segments = rows.map((r) => decodeRow(undefined, r));
  const type = storedAs(bytes(rows[0]!.value_data));
  const merged = joinSeries(mergeSegments(segments));
  const seq = Math.max(...segments.map((s) => s.seq));
  // Every segment but the newest is final, and so is the newest once full or its hour is
  // over: late data reopens none, it lands in open segments of its own that a later
  // compaction merges in. At most one open segment is left, so the channel stops qualifying.
  const cut = cutSegments(type, merged);
  const newest = cut.at(-1);
  const sealed = (s: EncodedSegment) => s !== newest || s.count === SEGMENT_READINGS || hourEnd(s.end) <= now;
  const replacement = segmentRows(spacecraft, channel, cut, sealed, seq);
  const read = { n: rows.length, seqs: rows.reduce((sum, r) => sum + Number(r.seq), 0), count: segments.reduce((sum, x) => sum + x.times.length, 0) };
  await sql.transaction(async (tx) => {
    // Writers hold ROW EXCLUSIVE until they commit: once this lock is granted, every seq
    // handed out so far belongs to a committed segment, and none is handed out until the
    // swap is in, so what the span holds now is final for the check, and giving the merged
    // segments the highest seq they replace is right.
    await tx.query('LOCK TABLE telemetry_segments IN SHARE ROW EXCLUSIVE MODE');
    const current = (await tx.query<{ n: number; seqs: number; count: number }>(
      `SELECT count(*)::int AS n, coalesce(sum(seq), 0)::float8 AS seqs, coalesce(sum(count), 0)::float8 AS count FROM telemetry_segments WHERE ${IN_RANGE}`,
      [spacecraft, channel, lo - 1, hi + 2],
    )).rows[0]!;
    // Written to or compacted meanwhile: left for the next round.
    if (current.n !== read.n || Number(current.seqs) !== read.seqs || Number(current.count) !== read.count) return;
    await tx.query(
      `DELETE FROM telemetry_segments WHERE spacecraft_id = $1 AND channel = $2
         AND (start_time, seq) IN (SELECT k::timestamptz, q::bigint FROM json_to_recordset($3::json) AS x(k text, q float8))`,
      [spacecraft, channel, JSON.stringify(rows.map((r) => ({ k: r.start_key, q: Number(r.seq) })))],
    );
    await insertSegments(tx, replacement);
    await rewriteRollups(tx, spacecraft, channel, lo, hi);
  });
}

/**
 * The rollups of the hours from the one holding `lo` to the one holding `hi`, from their
 * sealed segments, in one statement: sealed segments never overlap (each compaction merges
 * everything that overlaps), so their summaries add up. An hour with a sealed segment
 * reaching outside it (sealed before hours were cut) gets no rollup, and is read from its
 * segments.
 */
async function rewriteRollups(tx: SqlExecutor, spacecraft: string, channel: string, lo: number, hi: number): Promise<void> {
  // A millisecond of margin as above: recomputing one hour more is harmless, one less is not.
  const first = Math.floor((lo - 1) / HOUR_MS) * HOUR_MS;
  const last = Math.floor((hi + 1) / HOUR_MS) * HOUR_MS;
  await tx.query(
    `WITH hours AS (
       SELECT date_trunc('hour', start_time, 'UTC') AS hour, sum(value_count)::int AS value_count, min(min) AS min, max(max) AS max, sum(sum) AS sum
       FROM telemetry_segments
       WHERE spacecraft_id = $1 AND channel = $2 AND sealed AND start_time >= ${AT('$3')} AND start_time < ${AT('$4')} + interval '1 hour'
       GROUP BY 1 HAVING bool_and(end_time < date_trunc('hour', start_time, 'UTC') + interval '1 hour')
     ), gone AS (
       DELETE FROM telemetry_rollups WHERE spacecraft_id = $1 AND channel = $2 AND hour >= ${AT('$3')} AND hour <= ${AT('$4')}
         AND hour NOT IN (SELECT hour FROM hours)
     )
     INSERT INTO telemetry_rollups (spacecraft_id, channel, hour, value_count, min, max, sum) SELECT $1, $2, * FROM hours
     ON CONFLICT (spacecraft_id, channel, hour) DO UPDATE SET value_count = excluded.value_count, min = excluded.min, max = excluded.max, sum = excluded.sum`,
    [spacecraft, channel, first, last],
  );
}
