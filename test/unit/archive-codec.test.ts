import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeNumbers, decodeStrings, decodeTimes, encodeNumbers, encodeStrings, encodeTimes, TIME_ENCODING, VALUE_ENCODING } from '../../src/stores/telemetry/codec.ts';

const sortedTimes = fc.array(fc.integer({ min: -8.64e15, max: 8.64e15 }), { maxLength: 300 }).map((t) => [...new Set(t)].sort((a, b) => a - b));

describe('archive column encodings', () => {
  it('times come back exactly, whatever their spacing', () => {
    fc.assert(fc.property(sortedTimes, (times) => assert.deepEqual([...decodeTimes(encodeTimes(times))], times)));
  });

  it('a steady rate costs a few bytes per segment, not per reading', () => {
    const times = Array.from({ length: 1024 }, (_, i) => 1_780_000_000_000 + i * 1000);
    const bytes = encodeTimes(times);
    assert.equal(bytes[0], TIME_ENCODING.delta);
    assert.ok(bytes.length < 20, `${bytes.length} bytes`);
    // One gap in the rate breaks the run once.
    times[500]! += 7;
    assert.deepEqual([...decodeTimes(encodeTimes(times))], times);
  });

  it('any double comes back bit for bit: NaN, infinities, -0 and full-precision values', () => {
    fc.assert(fc.property(fc.array(fc.double(), { maxLength: 200 }), (values) => {
      const back = [...decodeNumbers(encodeNumbers(values))];
      assert.equal(back.length, values.length);
      values.forEach((v, i) => assert.ok(Object.is(back[i], v), `${back[i]} for ${v}`));
    }));
  });

  it('decimals at a sensor resolution come back exactly and pack into about a byte each', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -2_000_000, max: 2_000_000 }), { maxLength: 200 }), fc.integer({ min: 0, max: 6 }), (ints, e) => {
      const values = ints.map((n) => n / 10 ** e);
      assert.deepEqual([...decodeNumbers(encodeNumbers(values))], values);
    }));
    // A slow temperature with noise at two decimals.
    const temps = Array.from({ length: 1024 }, (_, i) => Math.round((20 + 5 * Math.sin(i / 200) + 0.05 * Math.sin(i * 7.3)) * 100) / 100);
    const bytes = encodeNumbers(temps);
    assert.equal(bytes[0], VALUE_ENCODING.decimal);
    assert.ok(bytes.length < 1.5 * temps.length, `${bytes.length} bytes for ${temps.length} values`);
    assert.deepEqual([...decodeNumbers(bytes)], temps);
  });

  it('a constant value costs a few bytes however long', () => {
    const bytes = encodeNumbers(new Array(4096).fill(0));
    assert.ok(bytes.length < 12, `${bytes.length} bytes`);
    assert.deepEqual([...decodeNumbers(bytes)], new Array(4096).fill(0));
  });

  it('strings come back in order, runs of a state stored once', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('NOMINAL', 'SAFE', 'é"\\\n', ''), { maxLength: 300 }), (values) => {
      assert.deepEqual(decodeStrings(encodeStrings(values)), values);
    }));
    assert.ok(encodeStrings(new Array(1000).fill('NOMINAL')).length < 20);
  });

  it('the plain forms the migration writes in SQL decode too', () => {
    const plain = new Uint8Array(17);
    const view = new DataView(plain.buffer);
    plain[0] = VALUE_ENCODING.plain;
    view.setFloat64(1, 1.5);
    view.setFloat64(9, -2);
    assert.deepEqual([...decodeNumbers(plain)], [1.5, -2]);
    assert.deepEqual([...decodeTimes(plain)], [1.5, -2]);
    assert.deepEqual(decodeStrings(new Uint8Array([VALUE_ENCODING.json, ...Buffer.from('["a","b"]')])), ['a', 'b']);
  });

  it('an unknown encoding is an error, not a wrong answer', () => {
    assert.throws(() => decodeNumbers(new Uint8Array([9, 0])), /unknown number encoding 9/);
    assert.throws(() => decodeTimes(new Uint8Array([9, 0])), /unknown time encoding 9/);
  });
});
