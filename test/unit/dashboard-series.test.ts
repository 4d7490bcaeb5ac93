import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeriesBuffer, type SeriesPoint } from '../../web/dashboard/src/data/series.ts';

const pts = (...pairs: [number, number][]): SeriesPoint[] => pairs.map(([time, value]) => ({ time, value }));
const held = (b: SeriesBuffer) => [...b.times].map((t, i) => [t, b.values[i]]);

describe('SeriesBuffer', () => {
  it('appends live batches in time order', () => {
    const b = new SeriesBuffer(2);
    b.insert(pts([1, 10], [2, 20]));
    b.insert(pts([3, 30], [4, 40], [5, 50]));
    assert.deepEqual(held(b), [[1, 10], [2, 20], [3, 30], [4, 40], [5, 50]]);
    assert.equal(b.firstTime, 1);
    assert.equal(b.lastTime, 5);
  });

  it('puts late and out-of-order readings in their place', () => {
    const b = new SeriesBuffer();
    b.insert(pts([10, 1], [30, 3]));
    b.insert(pts([25, 2.5], [5, 0.5], [20, 2]));
    assert.deepEqual(held(b), [[5, 0.5], [10, 1], [20, 2], [25, 2.5], [30, 3]]);
  });

  it('replaces the value of a time already held rather than holding it twice', () => {
    const b = new SeriesBuffer();
    b.insert(pts([1, 1], [2, 2], [3, 3]));
    b.insert(pts([2, 22]));
    b.insert(pts([3, 33], [4, 4]));
    assert.deepEqual(held(b), [[1, 1], [2, 22], [3, 33], [4, 4]]);
  });

  it('keeps the last of equal times within one batch', () => {
    const b = new SeriesBuffer();
    b.insert(pts([2, 1], [1, 1], [2, 2]));
    assert.deepEqual(held(b), [[1, 1], [2, 2]]);
  });

  it('joins a backfill overlapping live data already buffered without a gap or a duplicate', () => {
    const b = new SeriesBuffer();
    // Live readings arrive while the history request is in flight ...
    b.insert(pts([98, 98], [99, 99], [100, 100]));
    // ... and the history answers up to the moment it was asked, overlapping them.
    b.insert(Array.from({ length: 100 }, (_, i) => ({ time: i, value: i })));
    b.insert(pts([101, 101]));
    assert.deepEqual([...b.times], Array.from({ length: 102 }, (_, i) => i));
    assert.deepEqual([...b.values], Array.from({ length: 102 }, (_, i) => i));
  });

  it('keeps a bucket envelope and gives raw readings an envelope of their value', () => {
    const b = new SeriesBuffer();
    b.insert([{ time: 0, value: 5, min: 1, max: 9 }]);
    b.insert(pts([60, 7]));
    assert.deepEqual([...b.mins], [1, 7]);
    assert.deepEqual([...b.maxs], [9, 7]);
  });

  it('trims the old end, and grows and compacts without losing order', () => {
    const b = new SeriesBuffer(4);
    for (let t = 0; t < 1000; t++) {
      b.insert(pts([t, t * 2]));
      b.trimBefore(t - 9);
    }
    assert.equal(b.length, 10);
    assert.deepEqual(held(b), Array.from({ length: 10 }, (_, i) => [990 + i, (990 + i) * 2]));
    b.trimBefore(995.5);
    assert.deepEqual([...b.times], [996, 997, 998, 999]);
    b.trimBefore(5000);
    assert.equal(b.length, 0);
    assert.equal(b.lastTime, undefined);
    b.insert(pts([1, 1]));
    assert.deepEqual(held(b), [[1, 1]]);
  });

  it('merges after a trim using what is held, not what was trimmed', () => {
    const b = new SeriesBuffer(8);
    b.insert(pts([1, 1], [2, 2], [3, 3], [4, 4], [5, 5]));
    b.trimBefore(3);
    b.insert(pts([2.5, 2.5], [6, 6]));
    assert.deepEqual([...b.times], [2.5, 3, 4, 5, 6]);
  });

  it('matches a sorted, de-duplicated model under random batches', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const b = new SeriesBuffer(1);
    const model = new Map<number, number>();
    for (let round = 0; round < 200; round++) {
      const batch = Array.from({ length: Math.floor(random() * 20) }, () => ({ time: Math.floor(random() * 500), value: random() }));
      b.insert(batch);
      for (const p of batch) model.set(p.time, p.value);
      if (round % 50 === 49) {
        const cut = Math.floor(random() * 200);
        b.trimBefore(cut);
        for (const t of model.keys()) if (t < cut) model.delete(t);
      }
    }
    const expected = [...model].sort((x, y) => x[0] - y[0]);
    assert.deepEqual(held(b), expected);
  });
});

describe('SeriesBuffer.replace', () => {
  it('swaps the buckets of a span for finer points and keeps the rest', () => {
    const b = new SeriesBuffer();
    b.insert([0, 60, 120, 180].map((time) => ({ time, value: time, min: time - 1, max: time + 1 })));
    b.replace(60, 180, pts([70, 7], [65, 6.5], [130, 13]));
    assert.deepEqual(held(b), [[0, 0], [65, 6.5], [70, 7], [130, 13], [180, 180]]);
    assert.deepEqual([...b.mins], [-1, 6.5, 7, 13, 179]);
  });

  it('empties a span when given nothing, and leaves a buffer with nothing there as it was', () => {
    const b = new SeriesBuffer();
    b.insert(pts([1, 1], [2, 2], [3, 3]));
    b.replace(2, 3, []);
    assert.deepEqual(held(b), [[1, 1], [3, 3]]);
    b.replace(10, 20, []);
    assert.deepEqual(held(b), [[1, 1], [3, 3]]);
  });
});
