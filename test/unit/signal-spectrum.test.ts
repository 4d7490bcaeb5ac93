import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossCorrelation, peakBin, welch } from '../../src/core/signal/spectrum.ts';
import { medianInterval, resample } from '../../src/core/signal/resample.ts';

/** A seeded generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Normally distributed noise of standard deviation sd (Box–Muller). */
function noise(n: number, sd: number, seed: number): Float64Array {
  const r = random(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return out;
}

const variance = (v: Float64Array) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
};

test('Welch finds 1.5 Hz and 7 Hz in a sine mixture with their power, and the PSD integrates to the variance', () => {
  const fs = 64;
  const n = 64 * 600;
  const a1 = 2;
  const a2 = 0.5;
  const sd = 0.3;
  const noiseOf = noise(n, sd, 7);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 10 + a1 * Math.sin(2 * Math.PI * 1.5 * (i / fs)) + a2 * Math.sin(2 * Math.PI * 7 * (i / fs) + 1) + noiseOf[i]!;

  const L = 1024;
  const { density, segments } = welch(x, { sampleRateHz: fs, segmentLength: L, overlap: 0.5, window: 'hann', detrend: 'mean' });
  const df = fs / L;
  assert.equal(density.length, L / 2 + 1);
  assert.ok(segments > 40);
  assert.equal(peakBin(density) * df, 1.5);

  // Parseval: the integral of the PSD is the variance of the signal (a1²/2 + a2²/2 + sd²).
  const integral = density.reduce((a, b) => a + b, 0) * df;
  const expected = a1 ** 2 / 2 + a2 ** 2 / 2 + sd ** 2;
  assert.ok(Math.abs(integral / variance(x) - 1) < 0.03, `integral ${integral} against variance ${variance(x)}`);
  assert.ok(Math.abs(integral / expected - 1) < 0.03, `integral ${integral} against ${expected}`);

  // Each tone's power is the PSD summed over the bins around it (a Hann window spreads a line over ±2 bins).
  const band = (hz: number) => {
    const k = Math.round(hz / df);
    let sum = 0;
    for (let j = k - 3; j <= k + 3; j++) sum += density[j]!;
    return sum * df;
  };
  assert.ok(Math.abs(band(1.5) / (a1 ** 2 / 2) - 1) < 0.05, `1.5 Hz band holds ${band(1.5)}`);
  assert.ok(Math.abs(band(7) / (a2 ** 2 / 2) - 1) < 0.05, `7 Hz band holds ${band(7)}`);
  // The 7 Hz line stands far above the noise floor around it.
  const floor = density[Math.round(12 / df)]!;
  assert.ok(density[Math.round(7 / df)]! > 100 * floor);
});

test('a linear trend is removed by linear detrending and leaves the tone as the peak', () => {
  const fs = 10;
  const n = 4096;
  const x = Float64Array.from({ length: n }, (_, i) => 0.5 * i + Math.sin(2 * Math.PI * 2 * (i / fs)));
  const { density } = welch(x, { sampleRateHz: fs, segmentLength: 256, overlap: 0.5, window: 'hann', detrend: 'linear' });
  // 2 Hz falls between bins 51 and 52 (0.039 Hz apart): the peak is the nearer one.
  assert.ok(Math.abs(peakBin(density) * (fs / 256) - 2) <= fs / 256 / 2);
  const integral = density.reduce((a, b) => a + b, 0) * (fs / 256);
  assert.ok(Math.abs(integral - 0.5) < 0.02, `integral ${integral}`);
});

test('two channels shifted by a known delay correlate best at that lag', () => {
  const fs = 20;
  const n = 4000;
  const base = noise(n + 100, 1, 11);
  const delay = 37;
  const x = base.subarray(100, 100 + n);
  // y is x delayed by 37 samples (1.85 s), plus a little noise of its own.
  const extra = noise(n, 0.2, 12);
  const y = Float64Array.from({ length: n }, (_, i) => base[100 + i - delay]! + extra[i]!);
  const maxLag = 200;
  const r = crossCorrelation(x, y, maxLag);
  assert.equal(r.length, 2 * maxLag + 1);
  let best = 0;
  for (let i = 1; i < r.length; i++) if (r[i]! > r[best]!) best = i;
  assert.equal((best - maxLag) / fs, delay / fs);
  assert.ok(r[best]! > 0.9 && r[best]! <= 1);
  // And the other way round, the peak is at the negative lag.
  const back = crossCorrelation(y, x, maxLag);
  let bestBack = 0;
  for (let i = 1; i < back.length; i++) if (back[i]! > back[bestBack]!) bestBack = i;
  assert.equal(bestBack - maxLag, -delay);
  // A series against itself: 1 at lag 0.
  assert.ok(Math.abs(crossCorrelation(x, x, 5)[5]! - 1) < 1e-9);
});

test('irregular readings are resampled onto a grid at their median interval', () => {
  const times = [0, 100, 210, 300, 400, 520, 600];
  const values = times.map((t) => t / 10);
  assert.equal(medianInterval(times), 100);
  assert.deepEqual([...resample(times, values, 0, 100, 7)].map((v) => Math.round(v * 1e9) / 1e9), [0, 10, 20, 30, 40, 50, 60]);
});
