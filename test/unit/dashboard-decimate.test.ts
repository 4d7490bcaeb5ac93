import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decimate } from '../../web/dashboard/src/data/decimate.ts';

const empty = () => ({ times: new Float64Array(0), values: new Float64Array(0), length: 0 });

describe('decimate', () => {
  it('keeps every point when there are at most four per column', () => {
    const times = Float64Array.from([0, 1, 2, 3, 10, 11]);
    const values = Float64Array.from([5, 1, 9, 4, 2, 3]);
    const out = decimate(times, values, 0, 6, 0, 20, 2, empty());
    assert.deepEqual([...out.times.subarray(0, out.length)], [0, 1, 2, 3, 10, 11]);
  });

  it('keeps per column the first, lowest, highest and last point, in time order', () => {
    const times = Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const values = Float64Array.from([5, 9, 6, 1, 7, 4, 3, 2]);
    const out = decimate(times, values, 0, 8, 0, 8, 1, empty());
    assert.deepEqual([...out.times.subarray(0, out.length)], [0, 1, 3, 7]);
    assert.deepEqual([...out.values.subarray(0, out.length)], [5, 9, 1, 2]);
  });

  it('bounds the output by the columns and keeps each column\'s range of values', () => {
    const n = 100_000;
    const times = Float64Array.from({ length: n }, (_, i) => i);
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50) * 10 + ((i * 7919) % 13));
    const columns = 300;
    const out = decimate(times, values, 0, n, 0, n, columns, empty());
    assert.ok(out.length <= 4 * columns, `${out.length} points`);
    for (let i = 1; i < out.length; i++) assert.ok(out.times[i]! > out.times[i - 1]!);
    const perColumn = n / columns;
    for (let c = 0; c < columns; c++) {
      const lo = Math.ceil(c * perColumn);
      const hi = Math.ceil((c + 1) * perColumn);
      const slice = values.subarray(lo, hi);
      const kept = [...out.values.subarray(0, out.length)].filter((_, i) => out.times[i]! >= lo && out.times[i]! < hi);
      assert.equal(Math.min(...kept), Math.min(...slice));
      assert.equal(Math.max(...kept), Math.max(...slice));
    }
  });

  it('reuses the output arrays while they are large enough', () => {
    const out = empty();
    const times = Float64Array.from({ length: 1000 }, (_, i) => i);
    decimate(times, times, 0, 1000, 0, 1000, 10, out);
    const kept = out.times;
    decimate(times, times, 0, 1000, 0, 1000, 10, out);
    assert.equal(out.times, kept);
  });
});
