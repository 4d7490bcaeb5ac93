import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrate } from '../../src/core/calibration.ts';
import { RollingWindow } from '../../src/core/rolling-window.ts';
import { parseTimeParam, toEpochMs } from '../../src/core/time.ts';

describe('calibration', () => {
  test('evaluates the polynomial c0 + c1*x + c2*x^2', () => {
    assert.equal(calibrate(10, { polynomial: [1, 2, 3] }), 1 + 20 + 300);
    assert.equal(calibrate(4096, { polynomial: [-50, 0.05] }), -50 + 204.8);
    assert.equal(calibrate(7, undefined), 7);
    assert.equal(calibrate(1902, { polynomial: [-50, 0.05] }), 45.1, 'no binary rounding noise');
  });
});

describe('rolling window', () => {
  test('min, max and mean cover only the last span', () => {
    const w = new RollingWindow(10_000);
    w.push(0, 5);
    w.push(1000, 1);
    w.push(2000, 9);
    assert.deepEqual(w.stats(), { min: 1, max: 9, mean: 5, count: 3 });
    const s = w.push(11_500, 4);
    assert.deepEqual(s, { min: 4, max: 9, mean: 6.5, count: 2 }, 'samples at 0 s and 1 s have left the window');
  });

  test('agrees with a brute-force computation over a long random series', () => {
    const w = new RollingWindow(5000);
    const all: { t: number; v: number }[] = [];
    let seed = 42;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const t = i * 100;
      const v = (seed % 1000) / 10;
      all.push({ t, v });
      const got = w.push(t, v);
      const inWindow = all.filter((s) => s.t > t - 5000).map((s) => s.v);
      assert.equal(got.min, Math.min(...inWindow));
      assert.equal(got.max, Math.max(...inWindow));
      assert.equal(got.count, inWindow.length);
      assert.ok(Math.abs(got.mean - inWindow.reduce((a, b) => a + b, 0) / inWindow.length) < 1e-9);
    }
  });
});

describe('time', () => {
  test('accepts ISO 8601 and epoch milliseconds', () => {
    assert.equal(toEpochMs('2026-01-01T00:00:00.250Z'), Date.UTC(2026, 0, 1, 0, 0, 0, 250));
    assert.equal(toEpochMs(1234), 1234);
    assert.equal(parseTimeParam('1700000000000'), 1_700_000_000_000);
    assert.equal(parseTimeParam('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
    assert.ok(Number.isNaN(parseTimeParam('yesterday')));
    assert.equal(parseTimeParam(undefined), undefined);
  });
});
