/**
 * Processed telemetry in the relational store: written by the processor, read by the
 * history API. One row per (spacecraft, channel, time), so a redelivered batch
 * overwrites itself instead of adding rows.
 */
import type { SqlStore } from '../../engines/sql/port.ts';
import type { ChannelType, ReadingValue } from '../../core/schemas.ts';
import type { ProcessedReading } from '../../core/messages.ts';
import { MAX_EPOCH_MS, toIso } from '../../core/time.ts';

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

  /** Stores all readings in one statement: all or nothing. */
  async write(readings: StoredReading[]): Promise<number> {
    // One statement may not touch a row twice, so of readings repeating a (spacecraft, channel, time) the last one wins.
    const unique = new Map<string, StoredReading>();
    for (const r of readings) unique.set(`${r.spacecraft}\u0000${r.channel}\u0000${r.time}`, r);
    const rows = [...unique.values()];
    if (!rows.length) return 0;
    await this.#sql.query(
      `INSERT INTO telemetry (spacecraft_id, channel, time, raw, value, text_value, batch_id)
       SELECT s, c, to_timestamp(t / 1000.0), r, v, x, b FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::text[], $7::text[]) AS u(s, c, t, r, v, x, b)
       ON CONFLICT (spacecraft_id, channel, time) DO UPDATE SET raw = excluded.raw, value = excluded.value, text_value = excluded.text_value, batch_id = excluded.batch_id`,
      [
        rows.map((r) => r.spacecraft),
        rows.map((r) => r.channel),
        rows.map((r) => r.time),
        rows.map((r) => asNumber(r.raw)),
        rows.map((r) => asNumber(r.value)),
        rows.map((r) => (r.type === 'string' ? String(r.value) : null)),
        rows.map((r) => r.batchId),
      ],
    );
    return rows.length;
  }

  async points(q: RangeQuery & { limit: number }, type: ChannelType): Promise<Point[]> {
    const { rows } = await this.#sql.query<{ t: number; raw: number | null; value: number | null; text_value: string | null }>(
      `SELECT extract(epoch FROM time) * 1000 AS t, raw, value, text_value FROM telemetry
       WHERE spacecraft_id = $1 AND channel = $2 AND time >= to_timestamp($3 / 1000.0) AND time < to_timestamp($4 / 1000.0)
       ORDER BY time LIMIT $5`,
      [q.spacecraft, q.channel, q.from ?? 0, q.to ?? MAX_EPOCH_MS, q.limit],
    );
    return rows.map((r) => ({ time: toIso(Math.round(Number(r.t))), value: decode(type, r.value, r.text_value), raw: decode(type, r.raw, r.text_value) }));
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
