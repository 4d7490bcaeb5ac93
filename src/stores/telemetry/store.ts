/**
 * The telemetry archive in the relational store: written by the processor, read by the
 * history API, kept in shape by the compactor. Readings are stored per (spacecraft,
 * channel) in time-ordered, encoded segments with a summary each (see segments.ts);
 * aggregates over long ranges read the summaries, not the samples.
 *
 * Exactly once: every batch id is entered in a ledger in the same transaction as its
 * segments, and a batch whose id is already there stores nothing again.
 */
import type { SqlStore } from '../../engines/sql/port.ts';
import type { Bucket, ChannelType, Point } from '../../core/schemas.ts';
import type { ProcessedReading } from '../../core/messages.ts';
import { MAX_EPOCH_MS, toIso } from '../../core/time.ts';
import { service } from '../../core/service.ts';
import { cutSegments, HOUR_MS, mergeSegments, seriesOf, type Series } from './segments.ts';
import { AT, decodeRow, FETCH_SEGMENTS, IN_RANGE, insertSegments, insertSegmentsSql, PAYLOAD, segmentRows, TIME, type PayloadRow } from './segment-rows.ts';
import { compact, type CompactOptions } from './compaction.ts';

export interface StoredReading extends ProcessedReading {
  spacecraft: string;
  type: ChannelType;
  batchId: string;
}

export interface RangeQuery {
  spacecraft: string;
  channel: string;
  from?: number;
  to?: number;
}

/** The earliest time SQL is asked about: timestamptz starts in 4713 BC, the API's range a little earlier. */
const SQL_MIN_MS = -210_000_000_000_000;
/** How long batch ids stay in the ledger: far longer than any redelivery takes. */
export const LEDGER_DAYS = 7;

/** New segments of readings as they arrived: a series per channel, cut into segments. */
function freshSegments(readings: readonly StoredReading[]): { rows: ReturnType<typeof segmentRows>; stored: number } {
  const channels = new Map<string, { spacecraft: string; channel: string; type: ChannelType; readings: StoredReading[] }>();
  for (const r of readings) {
    const key = `${r.spacecraft}\u0000${r.channel}`;
    let c = channels.get(key);
    if (!c) channels.set(key, (c = { spacecraft: r.spacecraft, channel: r.channel, type: r.type, readings: [] }));
    c.readings.push(r);
  }
  const rows = [];
  let stored = 0;
  for (const c of channels.values()) {
    const series = seriesOf(c.readings);
    stored += series.times.length;
    rows.push(...segmentRows(c.spacecraft, c.channel, cutSegments(c.type, series), () => false));
  }
  return { rows, stored };
}

export class TelemetryStore {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  /**
   * Stores the readings of batches not stored before, all or nothing; of readings with the
   * same (spacecraft, channel, time) the last one wins, here and against what is stored.
   * Answers how many readings were stored (0 for a batch sent again).
   */
  async write(readings: StoredReading[]): Promise<number> {
    if (!readings.length) return 0;
    const batchIds = [...new Set(readings.map((r) => r.batchId))];
    // Encoded before the transaction: PGlite runs one at a time, so nothing waits on this work.
    const all = freshSegments(readings);
    return this.#sql.transaction(async (tx) => {
      // Usually every batch is new: the ledger entries and the segments go in one statement.
      const { rows } = await tx.query<{ fresh: string[] | null }>(
        `WITH fresh AS (
           INSERT INTO telemetry_batches (batch_id) SELECT value FROM json_array_elements_text($1::json) ON CONFLICT DO NOTHING RETURNING batch_id
         ), stored AS (${insertSegmentsSql('$2', '(SELECT count(*) FROM fresh) = $3')} RETURNING 1)
         SELECT (SELECT json_agg(batch_id) FROM fresh) AS fresh, (SELECT count(*) FROM stored) AS stored`,
        [JSON.stringify(batchIds), JSON.stringify(all.rows), batchIds.length],
      );
      const fresh = new Set(rows[0]?.fresh ?? []);
      if (fresh.size === batchIds.length) return all.stored;
      if (!fresh.size) return 0;
      // Some were stored before (a redelivery in the group): their readings are left out.
      const some = freshSegments(readings.filter((r) => fresh.has(r.batchId)));
      await insertSegments(tx, some.rows);
      return some.stored;
    });
  }

  /** Whether any reading of the channel is stored (its type then cannot change). */
  async hasReadings(spacecraft: string, channel: string): Promise<boolean> {
    const { rows } = await this.#sql.query('SELECT 1 FROM telemetry_segments WHERE spacecraft_id = $1 AND channel = $2 LIMIT 1', [spacecraft, channel]);
    return rows.length > 0;
  }

  /** Time of the newest stored reading of a channel (epoch ms), if any. */
  async latestTime(spacecraft: string, channel: string): Promise<number | undefined> {
    const { rows } = await this.#sql.query<{ t: number | null }>(
      `SELECT ${TIME('max(end_time)')} AS t FROM telemetry_segments WHERE spacecraft_id = $1 AND channel = $2`,
      [spacecraft, channel],
    );
    const t = rows[0]?.t;
    return t === null || t === undefined ? undefined : Number(t);
  }

  /**
   * The newest reading of each of the channels named, from the segment of each that ends
   * last (the newest by sequence when several end together, as replacement has it). A
   * segment starts at most a day before its end, so only that day is searched.
   */
  async latest(spacecraft: string, channels: readonly { name: string; type: ChannelType }[]): Promise<(Point & { channel: string })[]> {
    if (!channels.length) return [];
    const { rows } = await this.#sql.query<PayloadRow & { channel: string }>(
      `SELECT c.name AS channel, s.* FROM unnest($2::text[]) AS c(name) CROSS JOIN LATERAL (
         SELECT ${PAYLOAD} FROM telemetry_segments t
         WHERE t.spacecraft_id = $1 AND t.channel = c.name
           AND t.start_time >= (SELECT max(start_time) - interval '1 day' FROM telemetry_segments WHERE spacecraft_id = $1 AND channel = c.name)
         ORDER BY t.end_time DESC, t.seq DESC LIMIT 1) s`,
      [spacecraft, channels.map((c) => c.name)],
    );
    const types = new Map(channels.map((c) => [c.name, c.type]));
    return rows.map((row) => {
      const s = decodeRow(types.get(row.channel), row);
      const i = s.times.length - 1;
      return { channel: row.channel, time: toIso(s.times[i]!), value: s.values[i]!, raw: s.raws[i]! };
    });
  }

  /**
   * The readings of a range in time order, as columns, a few segments at a time; after
   * `after` (epoch ms) when given. Each round is one statement, so it sees the segments as
   * they were at one moment, compaction or not: the first segments by start that reach past
   * where the last round ended. Readings up to the start of the last one fetched are final
   * (every segment that could hold them was in the answer) and are yielded; the next round
   * starts there. When that makes no progress (many segments overlapping one time), the
   * round fetches more.
   */
  async *columns(q: RangeQuery & { after?: number }, type: ChannelType): AsyncGenerator<Series> {
    const from = Math.max(q.from ?? SQL_MIN_MS, SQL_MIN_MS, q.after === undefined ? -Infinity : Math.floor(q.after) + 1);
    const to = q.to ?? MAX_EPOCH_MS;
    let done = from;
    let limit = FETCH_SEGMENTS;
    while (done < to) {
      const { rows } = await this.#sql.query<PayloadRow>(
        `SELECT ${PAYLOAD} FROM telemetry_segments WHERE ${IN_RANGE} ORDER BY start_time, seq LIMIT ${limit}`,
        [q.spacecraft, q.channel, done, to],
      );
      const horizon = rows.length < limit ? to : Math.min(to, Number(rows.at(-1)!.start));
      if (horizon <= done) {
        limit *= 2;
        continue;
      }
      limit = FETCH_SEGMENTS;
      for (const series of mergeSegments(rows.map((r) => decodeRow(type, r)), done, horizon)) yield series;
      done = horizon;
    }
  }

  /**
   * Up to `limit` readings of the range in time order, starting after `after` (epoch ms)
   * when given: times are unique per channel, so the last time read is where the next page
   * starts, however the range is being written to meanwhile.
   */
  async points(q: RangeQuery & { limit: number; after?: number }, type: ChannelType): Promise<{ points: Point[]; lastTime?: number }> {
    const points: Point[] = [];
    let lastTime: number | undefined;
    for await (const s of this.columns(q, type)) {
      for (let i = 0; i < s.times.length && points.length < q.limit; i++) {
        points.push({ time: toIso(s.times[i]!), value: s.values[i]!, raw: s.raws[i]! });
        lastTime = s.times[i]!;
      }
      if (points.length >= q.limit) break;
    }
    return { points, ...(lastTime !== undefined && { lastTime }) };
  }

  /**
   * Minimum, maximum, mean and count of the finite numeric values per bucket of
   * `stepSeconds` (aligned to the epoch), for the first `limit` buckets with readings.
   * The store adds up the hourly rollups of hours that lie inside one bucket and hold no
   * open segment, and the summaries of the other segments that lie inside one bucket and
   * overlap no other; only the segments cut by a bucket or range boundary, or overlapping
   * another, come here to be decoded.
   */
  async aggregate(q: RangeQuery & { stepSeconds: number; limit: number }, type: ChannelType = 'number'): Promise<Bucket[]> {
    if (type === 'string') return [];
    const from = Math.max(q.from ?? SQL_MIN_MS, SQL_MIN_MS);
    const to = q.to ?? MAX_EPOCH_MS;
    const step = q.stepSeconds * 1000;
    const params = [q.spacecraft, q.channel, from, to, step, HOUR_MS];
    // Segments never cross an hour (those sealed before hours were cut have no rollup), so
    // leaving out the segments of the hours a rollup stands for leaves out nothing else.
    const parts = `WITH open AS (
        SELECT start_time, end_time FROM telemetry_segments WHERE spacecraft_id = $1 AND channel = $2 AND NOT sealed
      ), r AS (
        SELECT hour, ${TIME('hour')} AS h, value_count, min, max, sum FROM telemetry_rollups x
        WHERE spacecraft_id = $1 AND channel = $2 AND hour >= ${AT('$3')} AND hour <= ${AT('($4::float8 - $6)')}
          AND floor(${TIME('hour')} / $5::float8) = ceil((${TIME('hour')} + $6) / $5::float8) - 1
          AND NOT EXISTS (SELECT 1 FROM open WHERE open.start_time < x.hour + interval '1 hour' AND open.end_time >= x.hour)
      ), s AS (
        SELECT start_time, seq, ${TIME('start_time')} AS s, ${TIME('end_time')} AS e, value_count, min, max, sum,
          max(end_time) OVER (ORDER BY start_time, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end,
          lead(start_time) OVER (ORDER BY start_time, seq) AS next_start, end_time, times, value_data, raw_data
        FROM telemetry_segments WHERE ${IN_RANGE} AND date_trunc('hour', start_time, 'UTC') NOT IN (SELECT hour FROM r)
      ), k AS (
        SELECT *, coalesce(before_end < start_time, true) AND coalesce(next_start > end_time, true)
          AND s >= $3 AND e < $4 AND floor(s / $5::float8) = floor(e / $5::float8) AS whole FROM s
      )`;
    // One statement, so the window over the segments is computed once: bucket rows (b set)
    // from the rollups and summaries, then the segments to decode (b null), the columns taken
    // along in the CTE, as joining back to the table for them costs ten times more on PGlite.
    const { rows } = await this.#sql.query<PayloadRow & { b: number | null; min: number; max: number; sum: number; n: number }>(
      `${parts}
       SELECT floor(t / $5::float8) * $5::float8 AS b, min(min) AS min, max(max) AS max, sum(sum) AS sum, sum(value_count)::float8 AS n,
         NULL::float8 AS seq, NULL::float8 AS start, NULL::float8 AS "end", NULL AS start_key, NULL AS times, NULL AS value_data, NULL AS raw_data
       FROM (SELECT s AS t, value_count, min, max, sum FROM k WHERE whole AND value_count > 0
             UNION ALL SELECT h, value_count, min, max, sum FROM r WHERE value_count > 0) summed
       GROUP BY 1
       UNION ALL
       SELECT * FROM (SELECT NULL::float8, NULL::float8, NULL::float8, NULL::float8, NULL::float8, seq::float8, s, e, NULL,
         encode(times, 'base64'), encode(value_data, 'base64'), encode(raw_data, 'base64') FROM k WHERE NOT whole ORDER BY start_time, seq) cut`,
      params,
    );
    const buckets = new Map<number, { min: number; max: number; sum: number; count: number }>();
    const cut: PayloadRow[] = [];
    for (const r of rows) {
      if (r.b === null) cut.push(r);
      else buckets.set(Number(r.b), { min: Number(r.min), max: Number(r.max), sum: Number(r.sum), count: Number(r.n) });
    }
    const segments = cut.map((r) => decodeRow(undefined, r));
    for (const part of mergeSegments(segments, from, to)) {
      const values = part.values as ArrayLike<number>;
      // Times are in order, so one bucket is added up at a time.
      let b = Number.NaN;
      let acc = { min: Infinity, max: -Infinity, sum: 0, count: 0 };
      const flush = () => {
        if (!acc.count) return;
        const x = buckets.get(b);
        if (!x) buckets.set(b, acc);
        else buckets.set(b, { min: Math.min(x.min, acc.min), max: Math.max(x.max, acc.max), sum: x.sum + acc.sum, count: x.count + acc.count });
      };
      for (let i = 0; i < part.times.length; i++) {
        const v = values[i]!;
        if (!Number.isFinite(v)) continue;
        const bi = Math.floor(part.times[i]! / step) * step;
        if (bi !== b) {
          flush();
          b = bi;
          acc = { min: v, max: v, sum: 0, count: 0 };
        }
        if (v < acc.min) acc.min = v;
        if (v > acc.max) acc.max = v;
        acc.sum += v;
        acc.count++;
      }
      flush();
    }
    return [...buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .slice(0, q.limit)
      .map(([b, x]) => ({ time: toIso(b), min: x.min, max: x.max, avg: x.sum / x.count, count: x.count }));
  }

  /**
   * Rewrites the open segments of up to `maxChannels` channels that are due, with every
   * segment overlapping them, as disjoint full segments (see compaction.ts). Answers how
   * many channels it compacted.
   */
  compact(options: CompactOptions = {}): Promise<number> {
    return compact(this.#sql, options);
  }

  /**
   * Drops the UTC days that ended before their mission's retention, every segment of a day
   * at once (segments never cross midnight): dropping a correction while keeping the segment
   * it corrected would bring the old value back. Their rollups go in the same transaction.
   * Also the ledger entries past LEDGER_DAYS. Answers how many segments were dropped.
   */
  async dropExpired(now = Date.now()): Promise<number> {
    const expired = (table: string, time: string) =>
      `DELETE FROM ${table} s USING spacecraft c JOIN missions m ON m.id = c.mission_id
       WHERE s.spacecraft_id = c.id AND m.retention_days IS NOT NULL
         AND date_trunc('day', s.${time}, 'UTC') + interval '1 day' <= ${AT('$1')} - m.retention_days * interval '1 day'`;
    const rowCount = await this.#sql.transaction(async (tx) => {
      // Background work on whole days of a large archive: the statement timeout guards requests, not this.
      await tx.exec('SET LOCAL statement_timeout = 0');
      await tx.query(expired('telemetry_rollups', 'hour'), [now]);
      return (await tx.query(expired('telemetry_segments', 'start_time'), [now])).rowCount;
    });
    await this.#sql.query(`DELETE FROM telemetry_batches WHERE stored_at < ${AT('$1')} - interval '${LEDGER_DAYS} days'`, [now]);
    return rowCount;
  }

  /**
   * Makes the room of rewritten and dropped segments reusable. PostgreSQL's autovacuum does
   * this by itself; PGlite has no autovacuum, and compaction rewrites each reading about once.
   */
  async reclaim(): Promise<void> {
    await this.#sql.query('VACUUM telemetry_segments, telemetry_rollups, telemetry_batches');
  }

  /** Bytes the segments and their rollups take on disk (tables, indexes and compressed values; not the ledger), and the readings they hold. */
  async footprint(): Promise<{ bytes: number; readings: number }> {
    const { rows } = await this.#sql.query<{ bytes: number; readings: number }>(
      `SELECT (pg_total_relation_size('telemetry_segments') + pg_total_relation_size('telemetry_rollups'))::float8 AS bytes, coalesce(sum(count), 0)::float8 AS readings FROM telemetry_segments`,
    );
    return { bytes: Number(rows[0]!.bytes), readings: Number(rows[0]!.readings) };
  }
}

/** Processed telemetry: the only reader and writer of the archive's tables. */
export const TELEMETRY = service<TelemetryStore>('telemetry');
