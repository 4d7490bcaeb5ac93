/**
 * How an ingest batch travels from ingest to the processor: JSON as the task queues carry
 * it today (the embedded queue and RabbitMQ both write JSON.stringify of the body as UTF-8
 * and JSON.parse it on delivery; the event log does the same with processed batches),
 * against columnar binary encodings: a compact one of our own and Apache Arrow IPC. Each
 * candidate encodes an IngestBatch as ingest builds it and decodes it back to the same
 * objects the processor works on, so the figures are the whole cost of a hop.
 *
 *   npm run bench:encoding [-- --rounds 15 --json]
 *
 * Prints bytes per reading and nanoseconds per reading (encode, decode, both), medians of
 * the rounds; with --json one JSON line as well.
 */
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { Float64, makeVector, Table, tableFromIPC, tableToIPC, Uint16, vectorFromArray } from 'apache-arrow';
import type { CalibratedReading, ChannelRef, IngestBatch, IngestItem } from '../src/core/messages.ts';
import type { ReadingValue } from '../src/core/schemas.ts';
import { channelCatalog } from '../src/components/simulator/channels.ts';
import { median } from './clients/stats.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);

// ---- the batches ----

const T0 = Date.UTC(2026, 10, 27, 10);

/** What the simulator posts, 1 Hz per channel: its channel set (numbers, one calibrated, a string and a boolean channel), `n` readings of one spacecraft. */
function simulatorBatch(n: number, rawAlways: boolean): IngestBatch {
  const channels = channelCatalog(1000);
  const refs: ChannelRef[] = channels.map((c, i) => ({ name: c.name, type: c.type, revision: 1 + (i % 3) }));
  const readings: CalibratedReading[] = [];
  for (let i = 0; i < n; i++) {
    const c = channels[i % channels.length]!;
    const time = T0 + Math.floor(i / channels.length) * 1000;
    let value: ReadingValue;
    let raw: ReadingValue | undefined;
    if (c.type === 'string') value = i % 97 === 0 ? 'safe' : 'nominal';
    else if (c.type === 'boolean') value = Math.floor(i / 600) % 2 === 0;
    else if (c.calibration) {
      raw = 1400 + (i % 50);
      value = Number((-50 + 0.05 * raw).toPrecision(12));
    } else value = Math.round((400 + 30 * Math.sin(i / 40)) * 1e6) / 1e6;
    readings.push(raw !== undefined || rawAlways ? { channel: c.name, time, value, raw: raw ?? value } : { channel: c.name, time, value });
  }
  return { batchId: 'f3a1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b', receivedAt: T0 + 5000, items: [{ spacecraft: 'sim-1', channels: refs, readings }] };
}

/** What `npm run bench` posts: 20 number channels without calibration, small integers. */
function pipelineBenchBatch(n: number): IngestBatch {
  const refs: ChannelRef[] = Array.from({ length: 20 }, (_, i) => ({ name: `ch${i}`, type: 'number', revision: 1 }));
  const readings = Array.from({ length: n }, (_, i): CalibratedReading => ({ channel: `ch${i % 20}`, time: T0 + Math.floor(i / 20), value: (i * 7) % 800 }));
  return { batchId: 'f3a1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b', receivedAt: T0 + 5000, items: [{ spacecraft: 'load-0', channels: refs, readings }] };
}

// ---- the candidates: encode to bytes, decode to the objects the processor takes ----

interface Codec {
  name: string;
  encode(batch: IngestBatch): Uint8Array;
  decode(bytes: Uint8Array): IngestBatch;
}

const json: Codec = {
  name: 'JSON (the queues today)',
  encode: (batch) => Buffer.from(JSON.stringify(batch), 'utf8'),
  decode: (bytes) => JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as IngestBatch,
};

/** Everything but the readings, as JSON: a few hundred bytes per batch. */
type Head = Omit<IngestBatch, 'items'> & { items: Omit<IngestItem, 'readings'>[] };

/** The head, length-prefixed, in front of each binary layout's columns. */
function encodeHead(batch: IngestBatch): [Buffer, Buffer] {
  const head: Head = { batchId: batch.batchId, receivedAt: batch.receivedAt, items: batch.items.map((i) => ({ spacecraft: i.spacecraft, channels: i.channels })) };
  const json = Buffer.from(JSON.stringify(head));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return [length, json];
}

/** The head, and the offset where the columns start. */
function decodeHead(buf: Buffer): { head: Head; end: number } {
  const length = buf.readUInt32LE(0);
  return { head: JSON.parse(buf.toString('utf8', 4, 4 + length)) as Head, end: 4 + length };
}

/**
 * Our own columnar layout, per item: u32 count, then columns: u16 channel index, float64
 * times, float64 numbers (0 for readings of other types), the strings and booleans as one
 * JSON array, a u8 flag per reading that has a raw value and those raw values as float64.
 */
const columnar: Codec = {
  name: 'columnar binary (own)',
  encode(batch) {
    const parts: Buffer[] = [...encodeHead(batch)];
    for (const item of batch.items) {
      const n = item.readings.length;
      const index = new Map(item.channels.map((c, i) => [c.name, i]));
      const fixed = Buffer.alloc(4 + n * 2 + n * 8 + n * 8 + n);
      fixed.writeUInt32LE(n, 0);
      let o = 4;
      const others: (string | boolean)[] = [];
      const raws: number[] = [];
      for (const r of item.readings) o = fixed.writeUInt16LE(index.get(r.channel)!, o);
      for (const r of item.readings) o = fixed.writeDoubleLE(r.time, o);
      for (const r of item.readings) {
        if (typeof r.value === 'number') o = fixed.writeDoubleLE(r.value, o);
        else {
          others.push(r.value);
          o = fixed.writeDoubleLE(0, o);
        }
      }
      for (const r of item.readings) {
        fixed[o++] = r.raw === undefined ? 0 : 1;
        if (r.raw !== undefined) raws.push(r.raw as number);
      }
      const rawBuf = Buffer.from(new Float64Array(raws).buffer);
      const othersJson = Buffer.from(JSON.stringify(others));
      const lens = Buffer.alloc(8);
      lens.writeUInt32LE(rawBuf.length, 0);
      lens.writeUInt32LE(othersJson.length, 4);
      parts.push(fixed, lens, rawBuf, othersJson);
    }
    return Buffer.concat(parts);
  },
  decode(bytes) {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const { head, end } = decodeHead(buf);
    let o = end;
    const items: IngestItem[] = head.items.map((h) => {
      const n = buf.readUInt32LE(o);
      o += 4;
      const chAt = o;
      const timeAt = chAt + n * 2;
      const valueAt = timeAt + n * 8;
      const flagAt = valueAt + n * 8;
      o = flagAt + n;
      const rawLen = buf.readUInt32LE(o);
      const othersLen = buf.readUInt32LE(o + 4);
      o += 8;
      const rawAt = o;
      o += rawLen;
      const others = JSON.parse(buf.toString('utf8', o, o + othersLen)) as (string | boolean)[];
      o += othersLen;
      const readings: CalibratedReading[] = new Array(n);
      let other = 0;
      let raw = 0;
      for (let i = 0; i < n; i++) {
        const c = h.channels[buf.readUInt16LE(chAt + i * 2)]!;
        const time = buf.readDoubleLE(timeAt + i * 8);
        const value = c.type === 'number' ? buf.readDoubleLE(valueAt + i * 8) : others[other++]!;
        readings[i] = buf[flagAt + i] ? { channel: c.name, time, value, raw: buf.readDoubleLE(rawAt + 8 * raw++) } : { channel: c.name, time, value };
      }
      return { spacecraft: h.spacecraft, channels: h.channels, readings };
    });
    return { batchId: head.batchId, receivedAt: head.receivedAt, items };
  },
};

/** The columnar bytes as base64 in a JSON body: what a task queue that carries JSON can take as it is. */
const columnarInJson: Codec = {
  name: 'columnar, base64 in JSON',
  encode: (batch) => Buffer.from(JSON.stringify({ batchId: batch.batchId, columns: Buffer.from(columnar.encode(batch)).toString('base64') }), 'utf8'),
  decode(bytes) {
    const body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as { columns: string };
    return columnar.decode(Buffer.from(body.columns, 'base64'));
  },
};

/**
 * Apache Arrow IPC (stream format), one record batch per item: channel index (Uint16),
 * time and number value (Float64), raw (Float64, null where absent); strings and booleans
 * in a Utf8 column (null for numbers). The head goes as JSON in front, as above.
 */
const arrow: Codec = {
  name: 'Apache Arrow IPC',
  encode(batch) {
    const parts: Buffer[] = [...encodeHead(batch)];
    for (const item of batch.items) {
      const index = new Map(item.channels.map((c, i) => [c.name, i]));
      const n = item.readings.length;
      const channel = new Uint16Array(n);
      const time = new Float64Array(n);
      const value = new Float64Array(n);
      const raw: (number | null)[] = new Array(n);
      const other: (string | null)[] = new Array(n);
      item.readings.forEach((r, i) => {
        channel[i] = index.get(r.channel)!;
        time[i] = r.time;
        value[i] = typeof r.value === 'number' ? r.value : 0;
        other[i] = typeof r.value === 'number' ? null : JSON.stringify(r.value);
        raw[i] = r.raw === undefined ? null : (r.raw as number);
      });
      const table = new Table({
        channel: makeVector({ type: new Uint16(), data: channel }),
        time: makeVector({ type: new Float64(), data: time }),
        value: makeVector({ type: new Float64(), data: value }),
        raw: vectorFromArray(raw, new Float64()),
        other: vectorFromArray(other),
      });
      const ipc = tableToIPC(table, 'stream');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(ipc.byteLength);
      parts.push(len, Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength));
    }
    return Buffer.concat(parts);
  },
  decode(bytes) {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const { head, end } = decodeHead(buf);
    let o = end;
    const items: IngestItem[] = head.items.map((h) => {
      const len = buf.readUInt32LE(o);
      const table = tableFromIPC(buf.subarray(o + 4, o + 4 + len));
      o += 4 + len;
      const channel = table.getChild('channel')!.toArray() as Uint16Array;
      const time = table.getChild('time')!.toArray() as Float64Array;
      const value = table.getChild('value')!.toArray() as Float64Array;
      const rawColumn = table.getChild('raw')!;
      const otherColumn = table.getChild('other')!;
      const readings: CalibratedReading[] = new Array(table.numRows);
      for (let i = 0; i < table.numRows; i++) {
        const c = h.channels[channel[i]!]!;
        const v: ReadingValue = c.type === 'number' ? value[i]! : (JSON.parse(otherColumn.get(i) as string) as ReadingValue);
        const raw = rawColumn.get(i) as number | null;
        readings[i] = raw === null ? { channel: c.name, time: time[i]!, value: v } : { channel: c.name, time: time[i]!, value: v, raw };
      }
      return { spacecraft: h.spacecraft, channels: h.channels, readings };
    });
    return { batchId: head.batchId, receivedAt: head.receivedAt, items };
  },
};

// ---- measuring ----

interface Figures {
  batch: string;
  codec: string;
  bytesPerReading: number;
  encodeNsPerReading: number;
  decodeNsPerReading: number;
  totalNsPerReading: number;
}

function measure(label: string, batch: IngestBatch, codec: Codec): Figures {
  const readings = batch.items.reduce((n, i) => n + i.readings.length, 0);
  const bytes = codec.encode(batch);
  assert.deepEqual(codec.decode(bytes), batch, `${codec.name} gives back what it was given`);
  // About 2 M readings a round, and a warm-up round not counted.
  const reps = Math.max(20, Math.round(2_000_000 / readings));
  const encodes: number[] = [];
  const decodes: number[] = [];
  let sink = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    let started = process.hrtime.bigint();
    let encoded: Uint8Array = bytes;
    for (let i = 0; i < reps; i++) encoded = codec.encode(batch);
    const encodeNs = Number(process.hrtime.bigint() - started);
    started = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) sink += codec.decode(encoded).items.length;
    const decodeNs = Number(process.hrtime.bigint() - started);
    if (round === 0) continue;
    encodes.push(encodeNs / reps / readings);
    decodes.push(decodeNs / reps / readings);
  }
  if (sink < 0) console.log(sink);
  const encodeNs = median(encodes);
  const decodeNs = median(decodes);
  return { batch: label, codec: codec.name, bytesPerReading: bytes.byteLength / readings, encodeNsPerReading: encodeNs, decodeNsPerReading: decodeNs, totalNsPerReading: median(encodes.map((e, i) => e + decodes[i]!)) };
}

const batches: [string, IngestBatch][] = [
  ['simulator, 500 readings / 15 channels', simulatorBatch(500, false)],
  ['simulator, 500, raw always carried', simulatorBatch(500, true)],
  ['npm run bench, 1000 readings / 20 channels', pipelineBenchBatch(1000)],
  ['simulator, 10,000 readings', simulatorBatch(10_000, false)],
];
const results: Figures[] = [];
for (const [label, batch] of batches) {
  for (const codec of [json, columnar, columnarInJson, arrow]) {
    if (label.includes('raw always') && codec !== json) continue;
    results.push(measure(label, batch, codec));
  }
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`median of ${ROUNDS} rounds, node ${process.version}`);
console.log(`${'batch'.padEnd(44)} ${'encoding'.padEnd(24)} ${pad('bytes/rdg', 9)} ${pad('enc ns', 7)} ${pad('dec ns', 7)} ${pad('both ns', 8)}`);
for (const r of results) {
  console.log(`${r.batch.padEnd(44)} ${r.codec.padEnd(24)} ${pad(r.bytesPerReading.toFixed(1), 9)} ${pad(r.encodeNsPerReading.toFixed(0), 7)} ${pad(r.decodeNsPerReading.toFixed(0), 7)} ${pad(r.totalNsPerReading.toFixed(0), 8)}`);
}
if (args.json) {
  const round = (r: Figures) => ({ ...r, bytesPerReading: Number(r.bytesPerReading.toFixed(2)), encodeNsPerReading: Math.round(r.encodeNsPerReading), decodeNsPerReading: Math.round(r.decodeNsPerReading), totalNsPerReading: Math.round(r.totalNsPerReading) });
  process.stdout.write(`${JSON.stringify({ rounds: ROUNDS, node: process.version, results: results.map(round) })}\n`);
}
