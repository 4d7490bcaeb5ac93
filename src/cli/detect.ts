/**
 * `orbit detect`: back-tests a streaming detector on any series. Reads CSV with the
 * header `time,value` (time as epoch ms or ISO 8601) and writes `time,score,anomaly`,
 * one row per input row in the same order. It streams: one line in, one line out, the
 * output written in chunks that wait for the reader (backpressure), so ten million rows
 * take the memory of a few, plus the detector's bounded state.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { createDetector, DEFAULT_DETECTOR, type ConfiguredDetector, type DetectorSpec } from '../core/anomaly/registry.ts';
import { MAX_EPOCH_MS } from '../core/time.ts';

/** Bad input: the message names the line (1-based, the header is line 1). */
export class InputError extends Error {}

/** Output is gathered into chunks of about this many characters before it is written. */
const CHUNK_CHARS = 64 * 1024;

const EPOCH_MS = /^-?\d+(\.\d+)?$/;
/** ISO 8601 as Date.parse takes it, with a date; anything else Date.parse might guess at is refused. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function parseTime(text: string, line: number): number {
  const ms = EPOCH_MS.test(text) ? Number(text) : ISO_8601.test(text) ? Date.parse(text) : Number.NaN;
  if (!(Math.abs(ms) <= MAX_EPOCH_MS)) throw new InputError(`line ${line}: time ${JSON.stringify(text)} is neither epoch milliseconds nor ISO 8601`);
  return ms;
}

function parseValue(text: string, line: number): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw new InputError(`line ${line}: value ${JSON.stringify(text)} is not a finite number`);
  return value;
}

export interface DetectResult {
  rows: number;
  anomalies: number;
}

/**
 * Scores every row of `input` with `configured` and writes the CSV to `output`. Throws an
 * InputError at the first bad line, after writing the rows before it.
 */
export async function detectStream(input: Readable, output: Writable, configured: ConfiguredDetector): Promise<DetectResult> {
  const { detector, threshold } = configured;
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let chunk = '';
  const flush = async () => {
    if (!chunk) return;
    const ok = output.write(chunk);
    chunk = '';
    if (!ok) await once(output, 'drain');
  };
  let line = 0;
  let previous = -Infinity;
  const result: DetectResult = { rows: 0, anomalies: 0 };
  try {
    for await (const text of lines) {
      line++;
      if (line === 1) {
        if (text.replace(/^\uFEFF/, '').trim() !== 'time,value') throw new InputError(`line 1: expected the header "time,value", got ${JSON.stringify(text.slice(0, 80))}`);
        chunk += 'time,score,anomaly\n';
        continue;
      }
      const comma = text.indexOf(',');
      if (comma < 0 || text.indexOf(',', comma + 1) >= 0) throw new InputError(`line ${line}: expected two fields, time,value; got ${JSON.stringify(text.slice(0, 80))}`);
      const timeText = text.slice(0, comma).trim();
      const time = parseTime(timeText, line);
      const value = parseValue(text.slice(comma + 1), line);
      if (time < previous) throw new InputError(`line ${line}: time ${timeText} is before the previous row's; rows must be in time order`);
      previous = time;
      const score = detector.score(time, value);
      const anomaly = score >= threshold ? 1 : 0;
      result.rows++;
      result.anomalies += anomaly;
      chunk += `${timeText},${score},${anomaly}\n`;
      if (chunk.length >= CHUNK_CHARS) await flush();
    }
    if (line === 0) throw new InputError('line 1: expected the header "time,value", got no input');
  } finally {
    // What was scored before a bad line is written, so the output shows how far it got.
    await flush();
    lines.close();
  }
  return result;
}

/**
 * The detector `orbit detect` runs: a channel's configured spec when given, else the
 * default; --detector and --sensitivity override either. An unknown name throws a
 * RangeError listing the known ones.
 */
export function detectorFromOptions(name: string | undefined, sensitivity: string | undefined, configured?: DetectorSpec): ConfiguredDetector {
  const spec: DetectorSpec = configured ? { ...configured } : { name: DEFAULT_DETECTOR };
  // Checked by createDetector, which names the known detectors.
  if (name !== undefined) spec.name = name as DetectorSpec['name'];
  if (sensitivity !== undefined) {
    const s = Number(sensitivity);
    if (sensitivity.trim() === '' || !(s >= 0 && s <= 1)) throw new RangeError(`--sensitivity must be a number from 0 to 1, got ${JSON.stringify(sensitivity)}`);
    spec.sensitivity = s;
  }
  return createDetector(spec);
}
