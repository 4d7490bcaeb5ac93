/**
 * Processed telemetry in the relational store: written by the processor, read by the
 * history API. One row per (spacecraft, channel, time), so a redelivered batch
 * overwrites itself instead of adding rows.
 */
import type { SqlStore } from '../../engines/sql/port.ts';
import type { ChannelType, ReadingValue } from '../../core/schemas.ts';
import type { ProcessedReading } from '../../core/messages.ts';
import { MAX_EPOCH_MS, toIso } from '../../core/time.ts';
import { service } from '../../core/service.ts';

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

const asNumber = (v: ReadingValue): number | null => (typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null);

/** A reading as a row of the JSON parameter; the keys are the columns of json_to_recordset's row type. */
interface WireRow {
  s: string;
  c: string;
  t: number;
  r: number | string | null;
  v: number | string | null;
  x: string | null;
  b: string;
}

/** JSON has no NaN or Infinity (JSON.stringify writes null); as strings, float8 reads them back. */
const toWire = (n: number | null): number | string | null => (n === null || Number.isFinite(n) ? n : String(n));

function decode(type: ChannelType, n: number | null, text: string | null): ReadingValue {
  if (type === 'string') return text ?? '';
  if (type === 'boolean') return n === 1;
  return n ?? Number.NaN;
}

export class TelemetryStore {
  readonly #sql: SqlStore;

  constructor(sql: SqlStore) {
    this.#sql = sql;
  }

  /**
   * Stores all readings in one statement: all or nothing.
   *
   * The rows travel as one JSON parameter, unpacked by json_to_recordset, rather than as
   * one array parameter per column through unnest: both engines write as many rows per
   * second either way, but JSON.stringify builds the parameter natively, where pg builds
   * array literals element by element in JavaScript, so the event loop spends a third of
   * the time per row on it; to PGlite's worker thread it crosses as one string.
   */
  async write(readings: StoredReading[]): Promise<number> {
    // One statement may not touch a row twice, so of readings repeating a (spacecraft, channel, time) the last one wins.
    const unique = new Map<string, StoredReading>();
    for (const r of readings) unique.set(`${r.spacecraft}\u0000${r.channel}\u0000${r.time}`, r);
    if (!unique.size) return 0;
    const rows: WireRow[] = [];
    for (const r of unique.values()) {
      rows.push({
        s: r.spacecraft,
        c: r.channel,
        t: r.time,
        r: toWire(asNumber(r.raw)),
        v: toWire(asNumber(r.value)),
        // Lone surrogates would be invalid JSON escapes to PostgreSQL; as text they become U+FFFD either way.
        x: r.type === 'string' ? String(r.value).toWellFormed() : null,
        b: r.batchId,
      });
    }
    await this.#sql.query(
      `INSERT INTO telemetry (spacecraft_id, channel, time, raw, value, text_value, batch_id)
       SELECT s, c, to_timestamp(t / 1000.0), r, v, x, b FROM json_to_recordset($1::json) AS u(s text, c text, t float8, r float8, v float8, x text, b text)
       ON CONFLICT (spacecraft_id, channel, time) DO UPDATE SET raw = excluded.raw, value = excluded.value, text_value = excluded.text_value, batch_id = excluded.batch_id`,
      [JSON.stringify(rows)],
    );
    return rows.length;
  }

  /** Whether any reading of the channel is stored (its type then cannot change). */
  async hasReadings(spacecraft: string, channel: string): Promise<boolean> {
    const { rows } = await this.#sql.query('SELECT 1 FROM telemetry WHERE spacecraft_id = $1 AND channel = $2 LIMIT 1', [spacecraft, channel]);
    return rows.length > 0;
  }

  /** Time of the newest stored reading of a channel (epoch ms), if any. */
  async latestTime(spacecraft: string, channel: string): Promise<number | undefined> {
    const { rows } = await this.#sql.query<{ t: number | string | null }>(
      'SELECT extract(epoch FROM max(time)) * 1000 AS t FROM telemetry WHERE spacecraft_id = $1 AND channel = $2',
      [spacecraft, channel],
    );
    const t = rows[0]?.t;
    return t === null || t === undefined ? undefined : Number(t);
  }

  /**
   * Up to `limit` readings of the range in time order, starting after `after` (epoch ms)
   * when given: keys are unique per (spacecraft, channel, time), so the last time read is
   * where the next page starts, however the range is being written to meanwhile.
   */
  async points(q: RangeQuery & { limit: number; after?: number }, type: ChannelType): Promise<{ points: Point[]; lastTime?: number }> {
    const { rows } = await this.#sql.query<{ t: number; raw: number | null; value: number | null; text_value: string | null }>(
      `SELECT extract(epoch FROM time) * 1000 AS t, raw, value, text_value FROM telemetry
       WHERE spacecraft_id = $1 AND channel = $2 AND time >= to_timestamp($3 / 1000.0) AND time < to_timestamp($4 / 1000.0)
         AND ($6::float8 IS NULL OR time > to_timestamp($6 / 1000.0))
       ORDER BY time LIMIT $5`,
      [q.spacecraft, q.channel, q.from ?? 0, q.to ?? MAX_EPOCH_MS, q.limit, q.after ?? null],
    );
    const points = rows.map((r) => ({ time: toIso(Math.round(Number(r.t))), value: decode(type, r.value, r.text_value), raw: decode(type, r.raw, r.text_value) }));
    return { points, ...(rows.length && { lastTime: Math.round(Number(rows.at(-1)!.t)) }) };
  }

  /** Every reading of the range in time order, a page at a time, so memory stays bounded however long the range. */
  async *scan(q: RangeQuery, type: ChannelType, pageSize = 10_000): AsyncGenerator<Point[]> {
    let after: number | undefined;
    for (;;) {
      const page = await this.points({ ...q, limit: pageSize, after }, type);
      if (page.points.length) yield page.points;
      if (page.points.length < pageSize) return;
      after = page.lastTime;
    }
  }

  async aggregate(q: RangeQuery & { stepSeconds: number; limit: number }): Promise<Bucket[]> {
    const { rows } = await this.#sql.query<{ b: number; min: number; max: number; avg: number; count: number | string }>(
      `SELECT floor(extract(epoch FROM time) / $5) * $5 * 1000 AS b, min(value) AS min, max(value) AS max, avg(value) AS avg, count(*) AS count
       FROM telemetry
       WHERE spacecraft_id = $1 AND channel = $2 AND time >= to_timestamp($3 / 1000.0) AND time < to_timestamp($4 / 1000.0) AND value IS NOT NULL
       GROUP BY b ORDER BY b LIMIT $6`,
      [q.spacecraft, q.channel, q.from ?? 0, q.to ?? MAX_EPOCH_MS, q.stepSeconds, q.limit],
    );
    return rows.map((r) => ({ time: toIso(Math.round(Number(r.b))), min: Number(r.min), max: Number(r.max), avg: Number(r.avg), count: Number(r.count) }));
  }
}

/** Processed telemetry: the only reader and writer of the telemetry table. */
export const TELEMETRY = service<TelemetryStore>('telemetry');
