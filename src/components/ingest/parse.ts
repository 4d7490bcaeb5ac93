/**
 * Request bodies -> readings grouped by spacecraft, each reading with the JSON pointer
 * that names it in the body, and every problem found on the way. Parsed once: what
 * leaves here is checked against the mission database (validate.ts) and enqueued.
 */
import { Compile } from 'typebox/compile';
import { NdjsonReading, type TelemetryBatch } from '../../core/schemas.ts';
import { toEpochMs } from '../../core/time.ts';
import { HttpProblem, schemaFieldErrors, type FieldError, type SchemaError } from '../../platform/problem.ts';
import type { LocatedReading } from './validate.ts';

const ndjsonLine = Compile(NdjsonReading);

/** One spacecraft's readings and the pointer to blame when the spacecraft is unknown. */
export interface LocatedGroup {
  pointer: string;
  readings: LocatedReading[];
}

export type Located = Map<string, LocatedGroup>;

/** NDJSON: one reading per line, any spacecraft. Pointers start with the 0-based line index. */
export function parseNdjson(text: string, maxReadings: number, errors: FieldError[]): Located {
  const groups: Located = new Map();
  const lines = text.split('\n');
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    if (++count > maxReadings) throw new HttpProblem(413, `a batch holds at most ${maxReadings} readings`);
    const pointer = `/${i}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors.push({ pointer, detail: `line ${i + 1} is not valid JSON: ${(error as Error).message}` });
      continue;
    }
    if (!ndjsonLine.Check(value)) {
      for (const e of schemaFieldErrors(ndjsonLine.Errors(value), pointer)) errors.push({ pointer: e.pointer, detail: `line ${i + 1}: ${e.detail}` });
      continue;
    }
    const reading = { channel: value.channel, time: toEpochMs(value.time), value: value.value, pointer };
    const group = groups.get(value.spacecraft);
    if (group) group.readings.push(reading);
    else groups.set(value.spacecraft, { pointer: `${pointer}/spacecraft`, readings: [reading] });
  }
  if (count === 0) errors.push({ pointer: '/', detail: 'the body holds no readings' });
  return groups;
}

/**
 * A JSON batch: one spacecraft's readings. With the schema's findings (`schemaErrors`),
 * the well-formed readings are still returned, so the mission database's verdict on
 * them joins the schema's in one answer that names every bad field.
 */
export function locateJson(body: unknown, schemaErrors: readonly SchemaError[] | undefined, errors: FieldError[]): Located {
  const located: Located = new Map();
  const batch = body as Partial<TelemetryBatch> | null;
  const found = schemaErrors ? schemaFieldErrors(schemaErrors) : [];
  errors.push(...found);
  const malformed = (i: number) => found.some((e) => e.pointer === `/readings/${i}` || e.pointer.startsWith(`/readings/${i}/`));
  if (typeof batch?.spacecraft !== 'string' || !Array.isArray(batch.readings) || found.some((e) => e.pointer === '/spacecraft')) return located;
  located.set(batch.spacecraft, {
    pointer: '/spacecraft',
    readings: batch.readings.flatMap((r, i) => (malformed(i) ? [] : [{ channel: r.channel, time: toEpochMs(r.time), value: r.value, pointer: `/readings/${i}` }])),
  });
  return located;
}
