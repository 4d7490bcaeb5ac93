/**
 * What every log index agrees on: the levels and their order, which values are entries,
 * and what a word is, so a search finds the same entries whichever engine holds them.
 */
import type { LogLevel } from './port.ts';

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
