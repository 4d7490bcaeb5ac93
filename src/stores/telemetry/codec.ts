/**
 * Column encodings of an archive segment. Every column starts with a tag byte naming its
 * encoding, so a reader decodes any segment whoever wrote it (the migration from one row
 * per reading writes the plain forms in SQL; the writer and the compactor the packed ones).
 *
 * - Times (whole epoch ms, ascending): the first as a float64, then the first difference and
 *   the differences of differences as zigzag varints, a run of zeros as one token. Readings
 *   at a steady rate cost about one byte per run.
 * - Numbers: when every value is a decimal with at most 12 digits after the point (sensor
 *   resolution, as telemetry nearly always is), the scaled integers of the first or second
 *   difference, again zigzag varints with runs (the same idea as ALP's decimal encoding).
 *   Otherwise each value XOR its predecessor, zero bytes at either end left out (Gorilla's
 *   idea at byte rather than bit granularity: simpler, and faster to decode in JavaScript).
 * - Strings: runs of equal values as JSON, since string channels carry states that repeat.
 */

export const TIME_ENCODING = { plain: 0, delta: 1 } as const;
export const VALUE_ENCODING = { plain: 0, decimal: 1, xor: 2, json: 3, runs: 4 } as const;

/** Differences beyond this fall back to the plain encoding: zigzag of a difference of them stays exact. */
const MAX_PACKED = 2 ** 50;
const MAX_DECIMALS = 12;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, e) => 10 ** e);

class ByteWriter {
  #buf: Uint8Array;
  #at = 0;

  constructor(capacity: number) {
    this.#buf = new Uint8Array(Math.max(16, capacity));
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#at + n));
    next.set(this.#buf.subarray(0, this.#at));
    this.#buf = next;
  }

  byte(b: number): void {
    this.#room(1);
    this.#buf[this.#at++] = b;
  }

  bytes(b: Uint8Array): void {
    this.#room(b.length);
    this.#buf.set(b, this.#at);
    this.#at += b.length;
  }

  /** A non-negative integer up to 2^53, seven bits a byte, low bits first. */
  varint(n: number): void {
    this.#room(8);
    while (n >= 128) {
      this.#buf[this.#at++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.#buf[this.#at++] = n;
  }

  float64(v: number): void {
    this.#room(8);
    new DataView(this.#buf.buffer, this.#buf.byteOffset + this.#at, 8).setFloat64(0, v);
    this.#at += 8;
  }

  done(): Uint8Array {
    return this.#buf.slice(0, this.#at);
  }
}

class ByteReader {
  readonly #buf: Uint8Array;
  at: number;

  constructor(buf: Uint8Array, at = 1) {
    this.#buf = buf;
    this.at = at;
  }

  byte(): number {
    return this.#buf[this.at++]!;
  }

  varint(): number {
    let b = this.#buf[this.at++]!;
    if (b < 128) return b;
    let n = b & 127;
    let scale = 128;
    do {
      b = this.#buf[this.at++]!;
      n += (b & 127) * scale;
      scale *= 128;
    } while (b >= 128);
    return n;
  }

  float64(): number {
    const v = new DataView(this.#buf.buffer, this.#buf.byteOffset + this.at, 8).getFloat64(0);
    this.at += 8;
    return v;
  }
}

const zigzag = (n: number): number => (n >= 0 ? 2 * n : -2 * n - 1);
const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/**
 * Residuals as tokens: 0 starts a run of zero residuals (its length minus one follows),
 * anything else is zigzag(residual), never 0 for a residual that is not.
 */
function writeResiduals(w: ByteWriter, residual: (i: number) => number, from: number, to: number): void {
  let i = from;
  while (i < to) {
    const r = residual(i);
    if (r !== 0) {
      w.varint(zigzag(r));
      i++;
      continue;
    }
    let run = 1;
    while (i + run < to && residual(i + run) === 0) run++;
    w.byte(0);
    w.varint(run - 1);
    i += run;
  }
}

function plainFloats(tag: number, values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(1 + values.length * 8);
  out[0] = tag;
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(1 + i * 8, values[i]!);
  return out;
}

function readPlainFloats(bytes: Uint8Array): Float64Array {
  const n = (bytes.length - 1) / 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset + 1, n * 8);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8);
  return out;
}

/** Second differences of `v` from index 2 on (first differences before). */
const secondDifference = (v: ArrayLike<number>) => (i: number) => v[i]! - 2 * v[i - 1]! + v[i - 2]!;

function packable(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isSafeInteger(v[i]) || Math.abs(v[i]!) > MAX_PACKED / 4) return false;
  return true;
}

export function encodeTimes(times: ArrayLike<number>): Uint8Array {
  if (!packable(times)) return plainFloats(TIME_ENCODING.plain, times);
  const w = new ByteWriter(16 + times.length / 4);
  w.byte(TIME_ENCODING.delta);
  w.varint(times.length);
  if (times.length === 0) return w.done();
  w.float64(times[0]!);
  if (times.length > 1) w.varint(zigzag(times[1]! - times[0]!));
  writeResiduals(w, secondDifference(times), 2, times.length);
  return w.done();
}

/**
 * Integrates residuals `order` times into `out` from index `order` on, `out[0..order)`
 * given. Written as one loop with the varint reading inline: decoding is on the path of
 * every history read, and this runs several times faster than a callback per value.
 */
function integrate(bytes: Uint8Array, at: number, out: Float64Array, order: 1 | 2): void {
  const n = out.length;
  let i: number = order;
  let prev = out[order - 1]!;
  let delta = order === 2 ? prev - out[0]! : 0;
  while (i < n) {
    let b = bytes[at++]!;
    let token = b & 127;
    if (b >= 128) {
      let scale = 128;
      do {
        b = bytes[at++]!;
        token += (b & 127) * scale;
        scale *= 128;
      } while (b >= 128);
    }
    if (token === 0) {
      let run = bytes[at++]!;
      if (run >= 128) {
        run &= 127;
        let scale = 128;
        let c: number;
        do {
          c = bytes[at++]!;
          run += (c & 127) * scale;
          scale *= 128;
        } while (c >= 128);
      }
      const end = i + run + 1;
      if (order === 1) out.fill(prev, i, end);
      else for (; i < end; i++) out[i] = prev += delta;
      i = end;
      continue;
    }
    const r = token % 2 === 0 ? token / 2 : -(token + 1) / 2;
    if (order === 1) out[i++] = prev += r;
    else out[i++] = prev += delta += r;
  }
}

export function decodeTimes(bytes: Uint8Array): Float64Array {
  if (bytes[0] === TIME_ENCODING.plain) return readPlainFloats(bytes);
  if (bytes[0] !== TIME_ENCODING.delta) throw new Error(`unknown time encoding ${bytes[0]}`);
  const r = new ByteReader(bytes);
  const n = r.varint();
  const out = new Float64Array(n);
  if (n === 0) return out;
  out[0] = r.float64();
  if (n > 1) out[1] = out[0] + unzigzag(r.varint());
  if (n > 2) integrate(bytes, r.at, out, 2);
  return out;
}

/** The fewest decimals that give back every value exactly, or -1 when some value has more. */
function decimalsOf(values: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || Object.is(v, -0)) return -1;
    while (Math.round(v * POW10[e]!) / POW10[e]! !== v) if (++e > MAX_DECIMALS) return -1;
  }
  return e;
}

function encodeDecimal(values: ArrayLike<number>, e: number): Uint8Array | undefined {
  const scaled = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) scaled[i] = Math.round(values[i]! * POW10[e]!);
  if (!packable(scaled)) return undefined;
  // Smooth signals (an orbit's altitude) have small second differences, noisy ones small first ones.
  let first = 0;
  let second = 0;
  for (let i = 2; i < scaled.length; i++) {
    first += Math.abs(scaled[i]! - scaled[i - 1]!);
    second += Math.abs(scaled[i]! - 2 * scaled[i - 1]! + scaled[i - 2]!);
  }
  const order = second < first ? 2 : 1;
  const w = new ByteWriter(8 + values.length);
  w.byte(VALUE_ENCODING.decimal);
  w.varint(values.length);
  w.byte(e);
  w.byte(order);
  if (values.length === 0) return w.done();
  w.varint(zigzag(scaled[0]!));
  if (order === 2) {
    if (scaled.length > 1) w.varint(zigzag(scaled[1]! - scaled[0]!));
    writeResiduals(w, secondDifference(scaled), 2, scaled.length);
  } else {
    writeResiduals(w, (i) => scaled[i]! - scaled[i - 1]!, 1, scaled.length);
  }
  return w.done();
}

function encodeXor(values: ArrayLike<number>): Uint8Array {
  const w = new ByteWriter(8 + values.length * 4);
  w.byte(VALUE_ENCODING.xor);
  w.varint(values.length);
  const bits = new DataView(new ArrayBuffer(16));
  const word = new Uint8Array(bits.buffer, 8, 8);
  for (let i = 0; i < values.length; i++) {
    bits.setFloat64(0, i ? values[i - 1]! : 0);
    bits.setFloat64(8, values[i]!);
    for (let k = 0; k < 8; k++) word[k]! ^= bits.getUint8(k);
    let lead = 0;
    while (lead < 8 && word[lead] === 0) lead++;
    if (lead === 8) {
      w.byte(0);
      continue;
    }
    let trail = 0;
    while (word[7 - trail] === 0) trail++;
    // 1 + lead * 8 + trail is never 0, which stands for "same as the one before".
    w.byte(1 + lead * 8 + trail);
    w.bytes(word.subarray(lead, 8 - trail));
  }
  return w.done();
}

export function encodeNumbers(values: ArrayLike<number>): Uint8Array {
  const e = decimalsOf(values);
  return (e >= 0 && encodeDecimal(values, e)) || encodeXor(values);
}

export function decodeNumbers(bytes: Uint8Array): Float64Array {
  switch (bytes[0]) {
    case VALUE_ENCODING.plain:
      return readPlainFloats(bytes);
    case VALUE_ENCODING.decimal: {
      const r = new ByteReader(bytes);
      const n = r.varint();
      const scale = POW10[r.byte()]!;
      const order = r.byte() === 2 ? 2 : 1;
      const ints = new Float64Array(n);
      if (n === 0) return ints;
      ints[0] = unzigzag(r.varint());
      if (order === 2 && n > 1) ints[1] = ints[0] + unzigzag(r.varint());
      if (n > order) integrate(bytes, r.at, ints, order);
      for (let i = 0; i < n; i++) ints[i] = ints[i]! / scale;
      return ints;
    }
    case VALUE_ENCODING.xor: {
      const r = new ByteReader(bytes);
      const n = r.varint();
      const out = new Float64Array(n);
      const word = new Uint8Array(8);
      const view = new DataView(word.buffer);
      for (let i = 0; i < n; i++) {
        const header = r.byte();
        if (header !== 0) {
          const lead = Math.floor((header - 1) / 8);
          const trail = (header - 1) % 8;
          for (let k = lead; k < 8 - trail; k++) word[k]! ^= r.byte();
        }
        out[i] = view.getFloat64(0);
      }
      return out;
    }
    default:
      throw new Error(`unknown number encoding ${bytes[0]}`);
  }
}

export function encodeStrings(values: readonly string[]): Uint8Array {
  const runs: [string, number][] = [];
  for (const v of values) {
    const last = runs.at(-1);
    if (last && last[0] === v) last[1]++;
    else runs.push([v, 1]);
  }
  const text = Buffer.from(JSON.stringify(runs), 'utf8');
  const out = new Uint8Array(1 + text.length);
  out[0] = VALUE_ENCODING.runs;
  out.set(text, 1);
  return out;
}

export function decodeStrings(bytes: Uint8Array): string[] {
  const json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.length - 1).toString('utf8')) as unknown[];
  if (bytes[0] === VALUE_ENCODING.json) return json.map((v) => String(v ?? ''));
  if (bytes[0] !== VALUE_ENCODING.runs) throw new Error(`unknown string encoding ${bytes[0]}`);
  const out: string[] = [];
  for (const [v, n] of json as [string, number][]) for (let k = 0; k < n; k++) out.push(v);
  return out;
}
