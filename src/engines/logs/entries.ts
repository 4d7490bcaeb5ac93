/**
 * What every log index agrees on: the levels and their order, which values are entries,
 * and what a word is, so a search finds the same entries whichever engine holds them.
 */
import type { LogEntry, LogLevel } from './port.ts';

export const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
export const LEVEL_RANK = new Map<string, number>(LEVELS.map((l, i) => [l, i]));

/** Letters, digits and underscores; dots and colons split (`telemetry.processed` is two words). */
const WORD_RE = /[\p{L}\p{N}_]+/gu;

export function wordsIn(text: string): string[] {
  return text.match(WORD_RE) ?? [];
}

/** String values anywhere inside fields, bounded so a pathological object cannot stall indexing. */
export function collectStrings(v: unknown, out: string[], depth: number): void {
  if (typeof v === 'string') out.push(v);
  else if (depth < 6 && v !== null && typeof v === 'object') {
    for (const x of Array.isArray(v) ? v : Object.values(v)) collectStrings(x, out, depth + 1);
  }
}

/** Why a value is not a storable log entry, or undefined when it is one. */
export function entryProblem(e: unknown): string | undefined {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return 'not an object';
  const x = e as Record<string, unknown>;
  // The upper bound (year 10000) keeps day names (files, indices) in YYYY form.
  if (typeof x.time !== 'number' || !Number.isFinite(x.time) || x.time < 0 || x.time >= 253402300800000) return 'time must be epoch milliseconds';
  if (typeof x.level !== 'string' || !LEVEL_RANK.has(x.level)) return `level must be one of ${LEVELS.join(', ')}`;
  if (typeof x.msg !== 'string') return 'msg must be a string';
  if (typeof x.service !== 'string') return 'service must be a string';
  for (const k of ['module', 'traceId', 'spanId']) {
    if (x[k] !== undefined && typeof x[k] !== 'string') return `${k} must be a string`;
  }
  if (x.fields !== undefined && (x.fields === null || typeof x.fields !== 'object' || Array.isArray(x.fields))) return 'fields must be an object';
  return undefined;
}

/** Throws a TypeError naming the first entry that is not storable. */
export function checkEntries(entries: unknown): asserts entries is LogEntry[] {
  if (!Array.isArray(entries)) throw new TypeError('index takes an array of log entries');
  for (let i = 0; i < entries.length; i++) {
    const problem = entryProblem(entries[i]);
    if (problem !== undefined) throw new TypeError(`log entry ${i}: ${problem}`);
  }
}

const DEFAULT_LIMIT = 100;
/** Elasticsearch's default `index.max_result_window`, and the embedded index's cap too. */
const MAX_LIMIT = 10_000;

/** The query's checked limit (capped) and the rank of its minimum level (0 when none). */
export function checkQuery(query: { limit?: number; level?: string }): { limit: number; minRank: number } {
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
  let minRank = 0;
  if (query.level !== undefined) {
    const rank = LEVEL_RANK.get(query.level);
    if (rank === undefined) throw new TypeError(`unknown level ${query.level}`);
    minRank = rank;
  }
  return { limit: Math.min(limit, MAX_LIMIT), minRank };
}

/**
 * Only the port's fields, in a fixed order: what is stored is what search returns, and ids
 * derived from it are stable. Also drops what an index adds when an entry is read back.
 */
export function portFields(e: LogEntry): LogEntry {
  const doc: LogEntry = { time: e.time, level: e.level, msg: e.msg, service: e.service };
  if (e.module !== undefined) doc.module = e.module;
  if (e.traceId !== undefined) doc.traceId = e.traceId;
  if (e.spanId !== undefined) doc.spanId = e.spanId;
  if (e.fields !== undefined) doc.fields = e.fields;
  return doc;
}
