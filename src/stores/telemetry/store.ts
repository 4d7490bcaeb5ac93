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
import { cutSegments, DAY_MS, decodeSegment, mergeSegments, SEGMENT_READINGS, seriesOf, type DecodedSegment, type EncodedSegment, type Series } from './segments.ts';

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
/** A day's segments are final this long after it ends; later readings of it still land, in segments of their own. */
const SEAL_AFTER_MS = 3_600_000;
/** Readings written (or merged) into a channel before the compactor rewrites its open segments. */
const COMPACT_AFTER_SEGMENTS = 8;

const TIME = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const AT = (param: string) => `to_timestamp(${param}::float8 / 1000.0)`;
const PAYLOAD = `seq::float8 AS seq, ${TIME('start_time')} AS start, ${TIME('end_time')} AS "end", times, value_data, raw_data`;
/** Segments of one channel that can hold readings in [$3, $4): none starts more than a day before its end. */
const IN_RANGE = `spacecraft_id = $1 AND channel = $2 AND start_time >= ${AT('($3::float8 - 86400000)')} AND start_time < ${AT('$4')} AND end_time >= ${AT('$3')}`;

interface PayloadRow {
  seq: number;
  start: number;
  end: number;
  times: Uint8Array;
  value_data: Uint8Array;
  raw_data: Uint8Array | null;
}

interface SummaryRow {
  seq: number;
  start: number;
  end: number;
  value_count: number;
  min: number | null;
  max: number | null;
  sum: number | null;
}

/** How a segment's values are kept, which its encoding tells: strings, or numbers (booleans as 0 and 1). */
const storedAs = (values: Uint8Array): ChannelType => (values[0] === VALUE_ENCODING.json || values[0] === VALUE_ENCODING.runs ? 'string' : 'number');

/** A segment's readings as the channel's type, or as stored when the type does not matter (compaction, aggregates). */
const decodeRow = (type: ChannelType | undefined, r: PayloadRow): DecodedSegment =>
  decodeSegment(type ?? storedAs(r.value_data), { seq: Number(r.seq), start: Number(r.start), end: Number(r.end), times: r.times, values: r.value_data, raws: r.raw_data });

/** Segments as rows of a json_to_recordset parameter; bytes travel as base64. */
function segmentRows(spacecraft: string, channel: string, segments: EncodedSegment[], sealed: (s: EncodedSegment) => boolean, seq?: number) {
  const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
  return segments.map((s) => ({
    sc: spacecraft, ch: channel, s: s.start, e: s.end, n: s.count, vn: s.valueCount, lo: s.min, hi: s.max, sm: s.sum,
    sealed: sealed(s), t: b64(s.times), v: b64(s.values), r: s.raws && b64(s.raws), q: seq ?? null,
  }));
}

async function insertSegments(sql: SqlExecutor, rows: ReturnType<typeof segmentRows>): Promise<void> {
  if (!rows.length) return;
  await sql.query(
    `INSERT INTO telemetry_segments (spacecraft_id, channel, start_time, end_time, seq, count, value_count, min, max, sum, sealed, times, value_data, raw_data)
     SELECT sc, ch, ${AT('s')}, ${AT('e')}, coalesce(q, nextval('telemetry_segment_seq')), n, vn, lo, hi, sm, sealed, decode(t, 'base64'), decode(v, 'base64'), decode(r, 'base64')
     FROM json_to_recordset($1::json) AS x(sc text, ch text, s float8, e float8, q float8, n int, vn int, lo float8, hi float8, sm float8, sealed boolean, t text, v text, r text)`,
    [JSON.stringify(rows)],
  );
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
    return this.#sql.transaction(async (tx) => {
      const fresh = new Set((await tx.query<{ batch_id: string }>(
        `INSERT INTO telemetry_batches (batch_id) SELECT value FROM json_array_elements_text($1::json) ON CONFLICT DO NOTHING RETURNING batch_id`,
        [JSON.stringify(batchIds)],
      )).rows.map((r) => r.batch_id));
      const channels = new Map<string, { spacecraft: string; channel: string; type: ChannelType; readings: StoredReading[] }>();
      for (const r of readings) {
        if (!fresh.has(r.batchId)) continue;
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
      await insertSegments(tx, rows);
      return stored;
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
   * `after` (epoch ms) when given. Readings at a time are final only once every segment
   * starting at or before it has been read, so each round yields up to the start of the
   * last segment fetched.
   */
  async *columns(q: RangeQuery & { after?: number }, type: ChannelType): AsyncGenerator<Series> {
    const from = Math.max(q.from ?? SQL_MIN_MS, SQL_MIN_MS, q.after === undefined ? -Infinity : Math.floor(q.after) + 1);
    const to = q.to ?? MAX_EPOCH_MS;
    let pending: DecodedSegment[] = [];
    let done = from;
    let key = { start: -Infinity, seq: -1 };
    for (;;) {
      const { rows } = await this.#sql.query<PayloadRow>(
        `SELECT ${PAYLOAD} FROM telemetry_segments WHERE ${IN_RANGE} AND (start_time, seq) > (${AT('$5')}, $6::bigint)
         ORDER BY start_time, seq LIMIT ${FETCH_SEGMENTS}`,
        [q.spacecraft, q.channel, from, to, Math.max(key.start, SQL_MIN_MS - DAY_MS), key.seq],
      );
      for (const r of rows) pending.push(decodeRow(type, r));
      const last = rows.at(-1);
      const horizon = rows.length < FETCH_SEGMENTS ? to : Math.min(to, Number(last!.start));
      if (last) key = { start: Number(last.start), seq: Number(last.seq) };
      if (horizon > done) {
        const series = mergeSegments(pending, done, horizon);
        if (series.times.length) yield series;
        done = horizon;
        pending = pending.filter((s) => s.end >= horizon);
      }
      if (rows.length < FETCH_SEGMENTS) return;
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

  /** Every reading of the range in time order, a page at a time, so memory stays bounded however long the range. */
  async *scan(q: RangeQuery, type: ChannelType): AsyncGenerator<Point[]> {
    for await (const s of this.columns(q, type)) yield Array.from({ length: s.times.length }, (_, i) => ({ time: toIso(s.times[i]!), value: s.values[i]!, raw: s.raws[i]! }));
  }

  /**
   * Minimum, maximum, mean and count of the finite numeric values per bucket of
   * `stepSeconds` (aligned to the epoch), for the first `limit` buckets with readings.
   * A segment inside one bucket and overlapping no other adds its summary; only the
   * segments cut by a bucket or range boundary, or overlapping another, are decoded.
   */
  async aggregate(q: RangeQuery & { stepSeconds: number; limit: number }, type: ChannelType = 'number'): Promise<Bucket[]> {
    if (type === 'string') return [];
    const from = Math.max(q.from ?? SQL_MIN_MS, SQL_MIN_MS);
    const to = q.to ?? MAX_EPOCH_MS;
    const step = q.stepSeconds * 1000;
    const bucketOf = (t: number) => Math.floor(t / step) * step;
    const { rows } = await this.#sql.query<SummaryRow>(
      `SELECT seq::float8 AS seq, ${TIME('start_time')} AS start, ${TIME('end_time')} AS "end", value_count, min, max, sum
       FROM telemetry_segments WHERE ${IN_RANGE} ORDER BY start_time, seq`,
      [q.spacecraft, q.channel, from, to],
    );
    const buckets = new Map<number, { min: number; max: number; sum: number; count: number }>();
    const add = (b: number, min: number, max: number, sum: number, count: number) => {
      const x = buckets.get(b);
      if (!x) buckets.set(b, { min, max, sum, count });
      else {
        if (min < x.min) x.min = min;
        if (max > x.max) x.max = max;
        x.sum += sum;
        x.count += count;
      }
    };
    // Clusters of segments that overlap one another, in start order.
    const decode: SummaryRow[] = [];
    for (let i = 0; i < rows.length;) {
      let j = i + 1;
      let end = Number(rows[i]!.end);
      while (j < rows.length && Number(rows[j]!.start) <= end) end = Math.max(end, Number(rows[j++]!.end));
      const r = rows[i]!;
      const start = Number(r.start);
      if (j === i + 1 && start >= from && Number(r.end) < to && bucketOf(start) === bucketOf(Number(r.end))) {
        if (r.value_count > 0) add(bucketOf(start), Number(r.min), Number(r.max), Number(r.sum), r.value_count);
      } else {
        decode.push(...rows.slice(i, j));
      }
      i = j;
    }
    if (decode.length) {
      const { rows: payloads } = await this.#sql.query<PayloadRow>(
        `SELECT ${PAYLOAD} FROM telemetry_segments WHERE ${IN_RANGE} AND seq = ANY($5::bigint[]) ORDER BY start_time, seq`,
        [q.spacecraft, q.channel, from, to, `{${[...new Set(decode.map((r) => r.seq))].join(',')}}`],
      );
      const wanted = new Set(decode.map((r) => `${r.start}/${r.seq}`));
      const segments = payloads.filter((p) => wanted.has(`${p.start}/${p.seq}`)).map((p) => decodeRow(undefined, p));
      const s = mergeSegments(segments, from, to);
      for (let i = 0; i < s.times.length; i++) {
        const raw = s.values[i]!;
        const v = typeof raw === 'number' ? raw : raw ? 1 : 0;
        if (Number.isFinite(v)) add(bucketOf(s.times[i]!), v, v, v, 1);
      }
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
  async compact(options: { maxChannels?: number; minSegments?: number; now?: number } = {}): Promise<number> {
    const now = options.now ?? Date.now();
    // Open segments of days that are over are compacted however few, and come out sealed.
    const closedDays = Math.floor((now - SEAL_AFTER_MS) / DAY_MS) * DAY_MS;
    const { rows } = await this.#sql.query<{ spacecraft_id: string; channel: string }>(
      `SELECT spacecraft_id, channel FROM telemetry_segments WHERE NOT sealed GROUP BY spacecraft_id, channel
       HAVING count(*) >= $1 OR sum(count) >= $2 OR max(end_time) < ${AT('$3')} LIMIT $4`,
      [options.minSegments ?? COMPACT_AFTER_SEGMENTS, 2 * SEGMENT_READINGS, closedDays, options.maxChannels ?? 32],
    );
    for (const r of rows) await this.#compactChannel(r.spacecraft_id, r.channel, now);
    return rows.length;
  }

  async #compactChannel(spacecraft: string, channel: string, now: number): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      // Writers hold ROW EXCLUSIVE until they commit: once this lock is granted, every seq
      // handed out so far belongs to a committed segment, and none is handed out until the
      // rewrite is in, so giving the merged segments the highest seq they replace is right.
      await tx.query('LOCK TABLE telemetry_segments IN SHARE ROW EXCLUSIVE MODE');
      const open = (await tx.query<{ start: number; end: number }>(
        `SELECT ${TIME('start_time')} AS start, ${TIME('end_time')} AS "end" FROM telemetry_segments
         WHERE spacecraft_id = $1 AND channel = $2 AND NOT sealed ORDER BY start_time, seq LIMIT ${FETCH_SEGMENTS}`,
        [spacecraft, channel],
      )).rows;
      if (!open.length) return;
      let lo = Math.min(...open.map((r) => Number(r.start)));
      let hi = Math.max(...open.map((r) => Number(r.end)));
      // Every segment overlapping the span, and those overlapping them, until the span stops growing.
      let rows: PayloadRow[];
      for (;;) {
        rows = (await tx.query<PayloadRow>(`SELECT ${PAYLOAD} FROM telemetry_segments WHERE ${IN_RANGE} ORDER BY start_time, seq`, [spacecraft, channel, lo, hi + 1])).rows;
        const nlo = Math.min(lo, ...rows.map((r) => Number(r.start)));
        const nhi = Math.max(hi, ...rows.map((r) => Number(r.end)));
        if (nlo === lo && nhi === hi) break;
        lo = nlo;
        hi = nhi;
      }
      const segments = rows.map((r) => decodeRow(undefined, r));
      const type = storedAs(rows[0]!.value_data);
      const merged = mergeSegments(segments);
      const seq = Math.max(...segments.map((s) => s.seq));
      // A full segment is final, and so is one of a day that ended an hour ago; late data reopens neither, it only overlaps them.
      const sealed = (s: EncodedSegment) => s.count === SEGMENT_READINGS || (Math.floor(s.end / DAY_MS) + 1) * DAY_MS <= now - SEAL_AFTER_MS;
      await tx.query(
        `DELETE FROM telemetry_segments WHERE ${IN_RANGE} AND (start_time, seq) IN (SELECT ${AT('s')}, q::bigint FROM json_to_recordset($5::json) AS x(s float8, q float8))`,
        [spacecraft, channel, lo, hi + 1, JSON.stringify(rows.map((r) => ({ s: Number(r.start), q: Number(r.seq) })))],
      );
      await insertSegments(tx, segmentRows(spacecraft, channel, cutSegments(type, merged), sealed, seq));
    });
  }

  /**
   * Drops the segments that ended before their mission's retention (whole segments, so a
   * day's readings go together) and the ledger entries past LEDGER_DAYS. Answers how many
   * segments were dropped.
   */
  async dropExpired(now = Date.now()): Promise<number> {
    const { rowCount } = await this.#sql.query(
      `DELETE FROM telemetry_segments s USING spacecraft c JOIN missions m ON m.id = c.mission_id
       WHERE s.spacecraft_id = c.id AND m.retention_days IS NOT NULL AND s.end_time < ${AT('$1')} - m.retention_days * interval '1 day'`,
      [now],
    );
    await this.#sql.query(`DELETE FROM telemetry_batches WHERE stored_at < ${AT('$1')} - interval '${LEDGER_DAYS} days'`, [now]);
    return rowCount;
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
