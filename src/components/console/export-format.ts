/**
 * Readings as export lines: CSV (RFC 4180, header `time,value,raw`) or NDJSON (one
 * `{time, value, raw}` object per line). Times are ISO 8601 UTC, as everywhere in the API.
 */
import type { ReadingValue } from '../../core/schemas.ts';

export const EXPORT_FORMATS = {
  csv: { contentType: 'text/csv; charset=utf-8', header: 'time,value,raw\n' },
  ndjson: { contentType: 'application/x-ndjson', header: '' },
} as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

interface ExportPoint {
  time: string;
  value: ReadingValue;
  raw: ReadingValue;
}

/** A field quoted only when it must be: a comma, a quote or a line break in it. */
function csvField(value: ReadingValue): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function exportLines(points: readonly ExportPoint[], format: ExportFormat): string {
  let out = '';
  if (format === 'csv') for (const p of points) out += `${p.time},${csvField(p.value)},${csvField(p.raw)}\n`;
  else for (const p of points) out += `${JSON.stringify({ time: p.time, value: p.value, raw: p.raw })}\n`;
  return out;
}
