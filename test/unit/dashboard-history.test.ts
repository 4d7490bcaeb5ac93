import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateRate, planHistory, RAW_POINT_LIMIT } from '../../web/dashboard/src/data/history.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('planHistory', () => {
  it('asks for raw readings over a narrow range', () => {
    assert.deepEqual(planHistory({ from: 0, to: 15 * MIN, widthPx: 1000, rateHz: 1 }), { kind: 'raw', expectedPoints: 900 });
  });

  it('stays raw up to the limit, and aggregates past it', () => {
    const rateHz = 100;
    const atLimit = (RAW_POINT_LIMIT / rateHz) * 1000;
    assert.equal(planHistory({ from: 0, to: atLimit, widthPx: 1000, rateHz }).kind, 'raw');
    assert.equal(planHistory({ from: 0, to: atLimit + 1000, widthPx: 1000, rateHz }).kind, 'aggregate');
  });

  it('aggregates a wide range to about a bucket per pixel, on a nice step', () => {
    // 7 days at 1 Hz is 604,800 readings; 1,200 px: 504 s per pixel -> 600 s buckets.
    assert.deepEqual(planHistory({ from: 0, to: 168 * HOUR, widthPx: 1200, rateHz: 1 }), { kind: 'aggregate', stepSeconds: 600, expectedPoints: 604_800 });
    // 24 h at 10 Hz on 800 px: 108 s per pixel -> 120 s.
    const day = planHistory({ from: 0, to: 24 * HOUR, widthPx: 800, rateHz: 10 });
    assert.equal(day.kind === 'aggregate' && day.stepSeconds, 120);
  });

  it('never makes buckets finer than needed to fill the width', () => {
    for (const widthPx of [300, 977, 1500, 2560]) {
      const plan = planHistory({ from: 0, to: 6 * HOUR, widthPx, rateHz: 50 });
      assert.equal(plan.kind, 'aggregate');
      if (plan.kind !== 'aggregate') continue;
      const buckets = (6 * HOUR) / 1000 / plan.stepSeconds;
      assert.ok(buckets <= widthPx && buckets >= widthPx / 2.5, `${buckets} buckets for ${widthPx} px`);
    }
  });

  it('takes a silent channel as raw (nothing to fetch is cheap)', () => {
    assert.equal(planHistory({ from: 0, to: 168 * HOUR, widthPx: 1000, rateHz: 0 }).kind, 'raw');
  });
});

describe('estimateRate', () => {
  it('counts the readings of the whole window when the sample is complete', () => {
    const times = Array.from({ length: 60 }, (_, i) => 1000 * i);
    assert.equal(estimateRate(times, { windowStart: 0, windowEnd: 60_000, full: false }), 1);
  });

  it('uses the span a full page covers', () => {
    // 1,000 readings at 100 Hz fill the page 10 s into a 60 s window.
    const times = Array.from({ length: 1000 }, (_, i) => 10 * (i + 1));
    assert.equal(estimateRate(times, { windowStart: 0, windowEnd: 60_000, full: true }), 100);
  });

  it('is zero for a silent channel', () => {
    assert.equal(estimateRate([], { windowStart: 0, windowEnd: 60_000, full: false }), 0);
  });
});
