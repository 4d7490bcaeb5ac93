/**
 * The NAB corpus as the scorer needs it: each series' times and values, and its
 * anomaly windows as row ranges. Read from the reference data beside the repository
 * (../shared/data/nab), never copied into it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const NAB_DIR = path.resolve(import.meta.dirname, '../../../shared/data/nab');

/** An anomaly window: the rows from `first` to `last`, both included. */
export interface Window {
  first: number;
  last: number;
}

export interface Series {
  /** Path under data/, as NAB names files: `realKnownCause/nyc_taxi.csv`. */
  name: string;
  /** Epoch ms. */
  times: Float64Array;
  values: Float64Array;
  /** In time order, not overlapping. */
  windows: Window[];
}

export interface Corpus {
  series: Series[];
  /** Windows over all series: NAB's count of true positives a perfect detector finds. */
  windowCount: number;
}

export function corpusPresent(dir = NAB_DIR): boolean {
  return existsSync(path.join(dir, 'labels', 'combined_windows.json'));
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** NAB's timestamps carry no zone; read as UTC so that no daylight-saving hour repeats or vanishes. */
export function parseTimestamp(text: string): number {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) throw new Error(`not a NAB timestamp: ${JSON.stringify(text)}`);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms);
}

function readSeries(dir: string, name: string, windowTimes: [string, string][]): Series {
  const lines = readFileSync(path.join(dir, 'data', name), 'utf8').split(/\r?\n/);
  if (lines[0]?.trim() !== 'timestamp,value') throw new Error(`${name}: expected header timestamp,value, got ${JSON.stringify(lines[0])}`);
  const rows = lines.slice(1).filter((l) => l.trim() !== '');
  const times = new Float64Array(rows.length);
  const values = new Float64Array(rows.length);
  const rowAt = new Map<number, number>();
  rows.forEach((line, i) => {
    const comma = line.indexOf(',');
    times[i] = parseTimestamp(line.slice(0, comma));
    values[i] = Number(line.slice(comma + 1));
    if (Number.isNaN(values[i])) throw new Error(`${name} line ${i + 2}: value is not a number`);
    // NAB locates a window edge by the first row with that timestamp.
    if (!rowAt.has(times[i]!)) rowAt.set(times[i]!, i);
  });
  const windows = windowTimes.map(([from, to]): Window => {
    const first = rowAt.get(parseTimestamp(from));
    const last = rowAt.get(parseTimestamp(to));
    if (first === undefined || last === undefined) throw new Error(`${name}: window ${from} .. ${to} does not start and end on rows of the series`);
    return { first, last };
  });
  windows.forEach((w, k) => {
    if (w.last < w.first || (k > 0 && w.first <= windows[k - 1]!.last)) throw new Error(`${name}: windows must be in order and apart`);
  });
  return { name, times, values, windows };
}

/** Reads every series of data/ and the windows of labels/combined_windows.json. */
export function readCorpus(dir = NAB_DIR): Corpus {
  const labels = JSON.parse(readFileSync(path.join(dir, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const names = readdirSync(path.join(dir, 'data'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.csv'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
  const missing = names.filter((n) => !(n in labels));
  if (missing.length) throw new Error(`no windows listed for ${missing.join(', ')}`);
  const series = names.map((name) => readSeries(dir, name, labels[name]!));
  return { series, windowCount: series.reduce((n, s) => n + s.windows.length, 0) };
}
