/**
 * The telemetry archive in the relational store: written by the processor, read by the
 * history API, kept in shape by the compactor. Readings are stored per (spacecraft,
 * channel) in time-ordered, encoded segments with a summary each (see segments.ts);
 * aggregates over long ranges read the summaries, not the samples.
 *
 * Exactly once: every batch id is entered in a ledger in the same transaction as its
 * segments, and a batch whose id is already there stores nothing again.
 */
import type { SqlExecutor, SqlStore } from '../../engines/sql/port.ts';
import type { ChannelType, ReadingValue } from '../../core/schemas.ts';
import type { ProcessedReading } from '../../core/messages.ts';
import { MAX_EPOCH_MS, toIso } from '../../core/time.ts';
import { service } from '../../core/service.ts';
import { VALUE_ENCODING } from './codec.ts';
import { cutSegments, DAY_MS, decodeSegment, joinSeries, mergeSegments, SEGMENT_READINGS, seriesOf, type DecodedSegment, type EncodedSegment, type Series } from './segments.ts';

export interface StoredReading extends ProcessedReading {
  spacecraft: string;
  type: ChannelType;
  batchId: string;
}

export interface Point {
  time: string;
  value: ReadingValue;
  raw: ReadingValue;
}

export interface Bucket {
  time: string;
  min: number;
  max: number;
  avg: number;
  count: number;
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
/** Segments fetched per round trip when reading a range in order. */
const FETCH_SEGMENTS = 64;
/**
 * Open segments a channel may pile up before the compactor rewrites them, however few
 * readings they hold; otherwise it waits for a full segment's worth, so that each reading
 * is rewritten about once.
 */
const COMPACT_AFTER_SEGMENTS = 32;
/**
 * How long open segments settle before they are compacted. Batches of concurrent clients
 * arrive a little out of order, so fresh segments interleave in time; merged once they
 * have all arrived, they rarely overlap a sealed segment, which would be rewritten whole.
 */
export const COMPACT_SETTLE_MS = 5000;

const TIME = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const AT = (param: string) => `to_timestamp(${param}::float8 / 1000.0)`;
/**
 * A segment's columns travel as base64 text: PGlite hands bytea over as hex parsed in
 * JavaScript, ten times slower than Buffer's native base64 (26 against 273 ms for 2,568
 * segments); PostgreSQL's wire carries a third less than hex.
 */
const PAYLOAD = `seq::float8 AS seq, ${TIME('start_time')} AS start, ${TIME('end_time')} AS "end", start_time::text AS start_key,
  encode(times, 'base64') AS times, encode(value_data, 'base64') AS value_data, encode(raw_data, 'base64') AS raw_data`;
/** Segments of one channel that can hold readings in [$3, $4): none starts more than a day before its end. */
const IN_RANGE = `spacecraft_id = $1 AND channel = $2 AND start_time >= ${AT('($3::float8 - 86400000)')} AND start_time < ${AT('$4')} AND end_time >= ${AT('$3')}`;

interface PayloadRow {
  seq: number;
  start: number;
  /** start_time exactly, as text: milliseconds far from 1970 do not survive float8 seconds. */
  start_key: string;
  end: number;
  times: string;
  value_data: string;
  raw_data: string | null;
}

/** How a segment's values are kept, which its encoding tells: strings, or numbers (booleans as 0 and 1). */
const storedAs = (values: Uint8Array): ChannelType => (values[0] === VALUE_ENCODING.json || values[0] === VALUE_ENCODING.runs ? 'string' : 'number');

const bytes = (base64: string) => Buffer.from(base64, 'base64');

/** A segment's readings as the channel's type, or as stored when the type does not matter (compaction, aggregates). */
function decodeRow(type: ChannelType | undefined, r: PayloadRow): DecodedSegment {
  const values = bytes(r.value_data);
  const row = { seq: Number(r.seq), start: Number(r.start), end: Number(r.end), times: bytes(r.times), values, raws: r.raw_data === null ? null : bytes(r.raw_data) };
  return decodeSegment(type ?? storedAs(values), row);
}

/** Segments as rows of a json_to_recordset parameter; bytes travel as base64. */
function segmentRows(spacecraft: string, channel: string, segments: EncodedSegment[], sealed: (s: EncodedSegment) => boolean, seq?: number) {
  const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
  return segments.map((s) => ({
    sc: spacecraft, ch: channel, s: s.start, e: s.end, n: s.count, vn: s.valueCount, lo: s.min, hi: s.max, sm: s.sum,
    sealed: sealed(s), t: b64(s.times), v: b64(s.values), r: s.raws && b64(s.raws), q: seq ?? null,
  }));
}

/** INSERT of the segments in the json_to_recordset parameter `param`, when `condition` holds. */
const insertSegmentsSql = (param: string, condition = 'true') =>
  `INSERT INTO telemetry_segments (spacecraft_id, channel, start_time, end_time, seq, count, value_count, min, max, sum, sealed, times, value_data, raw_data)
   SELECT sc, ch, ${AT('s')}, ${AT('e')}, coalesce(q, nextval('telemetry_segment_seq')), n, vn, lo, hi, sm, sealed, decode(t, 'base64'), decode(v, 'base64'), decode(r, 'base64')
   FROM json_to_recordset(${param}::json) AS x(sc text, ch text, s float8, e float8, q float8, n int, vn int, lo float8, hi float8, sm float8, sealed boolean, t text, v text, r text)
   WHERE ${condition}`;

async function insertSegments(sql: SqlExecutor, rows: ReturnType<typeof segmentRows>): Promise<void> {
  if (rows.length) await sql.query(insertSegmentsSql('$1'), [JSON.stringify(rows)]);
}

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
   * The store adds up the summaries of segments that lie inside one bucket and overlap no
   * other; only the segments cut by a bucket or range boundary, or overlapping another,
   * come here to be decoded.
   */
  async aggregate(q: RangeQuery & { stepSeconds: number; limit: number }, type: ChannelType = 'number'): Promise<Bucket[]> {
    if (type === 'string') return [];
    const from = Math.max(q.from ?? SQL_MIN_MS, SQL_MIN_MS);
    const to = q.to ?? MAX_EPOCH_MS;
    const step = q.stepSeconds * 1000;
    const params = [q.spacecraft, q.channel, from, to, step];
    const whole = `WITH s AS (
        SELECT start_time, seq, ${TIME('start_time')} AS s, ${TIME('end_time')} AS e, value_count, min, max, sum,
          max(end_time) OVER (ORDER BY start_time, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end,
          lead(start_time) OVER (ORDER BY start_time, seq) AS next_start, end_time, times, value_data, raw_data
        FROM telemetry_segments WHERE ${IN_RANGE}
      ), k AS (
        SELECT *, coalesce(before_end < start_time, true) AND coalesce(next_start > end_time, true)
          AND s >= $3 AND e < $4 AND floor(s / $5::float8) = floor(e / $5::float8) AS whole FROM s
      )`;
    // One statement, so the window over the segments is computed once: bucket rows (b set)
    // from the summaries, then the segments to decode (b null), the columns taken along in
    // the CTE, as joining back to the table for them costs ten times more on PGlite.
    const { rows } = await this.#sql.query<PayloadRow & { b: number | null; min: number; max: number; sum: number; n: number }>(
      `${whole}
       SELECT floor(s / $5::float8) * $5::float8 AS b, min(min) AS min, max(max) AS max, sum(sum) AS sum, sum(value_count)::float8 AS n,
         NULL::float8 AS seq, NULL::float8 AS start, NULL::float8 AS "end", NULL AS start_key, NULL AS times, NULL AS value_data, NULL AS raw_data
       FROM k WHERE whole AND value_count > 0 GROUP BY 1
       UNION ALL
       SELECT * FROM (SELECT NULL::float8, NULL::float8, NULL::float8, NULL::float8, NULL::float8, ${PAYLOAD} FROM k WHERE NOT whole ORDER BY start_time, seq) cut`,
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
   * Rewrites the open (not yet compacted) segments of up to `maxChannels` channels that
   * have piled up, with every segment overlapping them, as disjoint full segments: later
   * writes win where times repeat. Answers how many channels it compacted.
   */
  async compact(options: { maxChannels?: number; minSegments?: number; now?: number; settleMs?: number } = {}): Promise<number> {
    const now = options.now ?? Date.now();
    const settleMs = options.settleMs ?? COMPACT_SETTLE_MS;
    // Open segments of days that are over are compacted however few, and come out sealed.
    const closedDays = Math.floor(now / DAY_MS) * DAY_MS;
    const { rows } = await this.#sql.query<{ spacecraft_id: string; channel: string }>(
      `SELECT spacecraft_id, channel FROM telemetry_segments WHERE NOT sealed AND stored_at <= now() - $5 * interval '1 millisecond'
       GROUP BY spacecraft_id, channel HAVING count(*) >= $1 OR sum(count) >= $2 OR max(end_time) < ${AT('$3')} LIMIT $4`,
      [options.minSegments ?? COMPACT_AFTER_SEGMENTS, SEGMENT_READINGS, closedDays, options.maxChannels ?? 32, settleMs],
    );
    for (const r of rows) await this.#compactChannel(r.spacecraft_id, r.channel, now, settleMs);
    return rows.length;
  }

  /**
   * Reads and merges outside any transaction, then swaps in one short transaction if the
   * span still holds exactly the segments read: PGlite runs one transaction at a time, and
   * the processor's writes must not wait for the decoding and encoding.
   */
  async #compactChannel(spacecraft: string, channel: string, now: number, settleMs: number): Promise<void> {
    const open = (await this.#sql.query<{ start: number; end: number }>(
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
      rows = (await this.#sql.query<PayloadRow>(`SELECT ${PAYLOAD} FROM telemetry_segments WHERE ${IN_RANGE} ORDER BY start_time, seq`, [spacecraft, channel, lo - 1, hi + 2])).rows;
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
    // Every segment but the newest is final, and so is the newest once full or its day is
    // over: late data reopens none, it lands in open segments of its own that a later
    // compaction merges in. At most one open segment is left, so the channel stops qualifying.
    const cut = cutSegments(type, merged);
    const newest = cut.at(-1);
    const sealed = (s: EncodedSegment) => s !== newest || s.count === SEGMENT_READINGS || (Math.floor(s.end / DAY_MS) + 1) * DAY_MS <= now;
    const replacement = segmentRows(spacecraft, channel, cut, sealed, seq);
    const read = { n: rows.length, seqs: rows.reduce((sum, r) => sum + Number(r.seq), 0), count: segments.reduce((sum, x) => sum + x.times.length, 0) };
    await this.#sql.transaction(async (tx) => {
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
    });
  }

  /**
   * Drops the UTC days that ended before their mission's retention, every segment of a day
   * at once (segments never cross midnight): dropping a correction while keeping the segment
   * it corrected would bring the old value back. Also the ledger entries past LEDGER_DAYS.
   * Answers how many segments were dropped.
   */
  async dropExpired(now = Date.now()): Promise<number> {
    const { rowCount } = await this.#sql.query(
      `DELETE FROM telemetry_segments s USING spacecraft c JOIN missions m ON m.id = c.mission_id
       WHERE s.spacecraft_id = c.id AND m.retention_days IS NOT NULL
         AND date_trunc('day', s.start_time, 'UTC') + interval '1 day' <= ${AT('$1')} - m.retention_days * interval '1 day'`,
      [now],
    );
    await this.#sql.query(`DELETE FROM telemetry_batches WHERE stored_at < ${AT('$1')} - interval '${LEDGER_DAYS} days'`, [now]);
    return rowCount;
  }

  /**
   * Makes the room of rewritten and dropped segments reusable. PostgreSQL's autovacuum does
   * this by itself; PGlite has no autovacuum, and compaction rewrites every reading once or twice.
   */
  async reclaim(): Promise<void> {
    await this.#sql.query('VACUUM telemetry_segments, telemetry_batches');
  }

  /** Bytes the archive takes on disk, tables, indexes and compressed values included, and the readings it holds. */
  async footprint(): Promise<{ bytes: number; readings: number }> {
    const { rows } = await this.#sql.query<{ bytes: number; readings: number }>(
      `SELECT pg_total_relation_size('telemetry_segments')::float8 AS bytes, coalesce(sum(count), 0)::float8 AS readings FROM telemetry_segments`,
    );
    return { bytes: Number(rows[0]!.bytes), readings: Number(rows[0]!.readings) };
  }
}

/** Processed telemetry: the only reader and writer of the archive's tables. */
export const TELEMETRY = service<TelemetryStore>('telemetry');
