/**
 * Segments as rows of the archive's table: the SQL fragments that read and write them,
 * and their conversion to and from segments. Shared by the store and the compactor.
 */
import type { SqlExecutor } from '../../engines/sql/port.ts';
import type { ChannelType } from '../../core/schemas.ts';
import { VALUE_ENCODING } from './codec.ts';
import { decodeSegment, type DecodedSegment, type EncodedSegment } from './segments.ts';

/** Segments fetched per round trip when reading a range in order. */
export const FETCH_SEGMENTS = 64;

export const TIME = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
export const AT = (param: string) => `to_timestamp(${param}::float8 / 1000.0)`;
/**
 * A segment's columns travel as base64 text: PGlite hands bytea over as hex parsed in
 * JavaScript, ten times slower than Buffer's native base64 (26 against 273 ms for 2,568
 * segments); PostgreSQL's wire carries a third less than hex.
 */
export const PAYLOAD = `seq::float8 AS seq, ${TIME('start_time')} AS start, ${TIME('end_time')} AS "end", start_time::text AS start_key,
  encode(times, 'base64') AS times, encode(value_data, 'base64') AS value_data, encode(raw_data, 'base64') AS raw_data`;
/** Segments of one channel that can hold readings in [$3, $4): none starts more than a day before its end. */
export const IN_RANGE = `spacecraft_id = $1 AND channel = $2 AND start_time >= ${AT('($3::float8 - 86400000)')} AND start_time < ${AT('$4')} AND end_time >= ${AT('$3')}`;

export interface PayloadRow {
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
export const storedAs = (values: Uint8Array): ChannelType => (values[0] === VALUE_ENCODING.json || values[0] === VALUE_ENCODING.runs ? 'string' : 'number');

export const bytes = (base64: string) => Buffer.from(base64, 'base64');

/** A segment's readings as the channel's type, or as stored when the type does not matter (compaction, aggregates). */
export function decodeRow(type: ChannelType | undefined, r: PayloadRow): DecodedSegment {
  const values = bytes(r.value_data);
  const row = { seq: Number(r.seq), start: Number(r.start), end: Number(r.end), times: bytes(r.times), values, raws: r.raw_data === null ? null : bytes(r.raw_data) };
  return decodeSegment(type ?? storedAs(values), row);
}

/** Segments as rows of a json_to_recordset parameter; bytes travel as base64. */
export function segmentRows(spacecraft: string, channel: string, segments: EncodedSegment[], sealed: (s: EncodedSegment) => boolean, seq?: number) {
  const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
  return segments.map((s) => ({
    sc: spacecraft, ch: channel, s: s.start, e: s.end, n: s.count, vn: s.valueCount, lo: s.min, hi: s.max, sm: s.sum,
    sealed: sealed(s), t: b64(s.times), v: b64(s.values), r: s.raws && b64(s.raws), q: seq ?? null,
  }));
}

/** INSERT of the segments in the json_to_recordset parameter `param`, when `condition` holds. */
export const insertSegmentsSql = (param: string, condition = 'true') =>
  `INSERT INTO telemetry_segments (spacecraft_id, channel, start_time, end_time, seq, count, value_count, min, max, sum, sealed, times, value_data, raw_data)
   SELECT sc, ch, ${AT('s')}, ${AT('e')}, coalesce(q, nextval('telemetry_segment_seq')), n, vn, lo, hi, sm, sealed, decode(t, 'base64'), decode(v, 'base64'), decode(r, 'base64')
   FROM json_to_recordset(${param}::json) AS x(sc text, ch text, s float8, e float8, q float8, n int, vn int, lo float8, hi float8, sm float8, sealed boolean, t text, v text, r text)
   WHERE ${condition}`;

export async function insertSegments(sql: SqlExecutor, rows: ReturnType<typeof segmentRows>): Promise<void> {
  if (rows.length) await sql.query(insertSegmentsSql('$1'), [JSON.stringify(rows)]);
}
