/**
 * The history explorer's arithmetic: the bucket step a range gets, and the SVG geometry
 * (scales, UTC time ticks, value ticks, path data).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bucketStepSeconds, MAX_BUCKETS, PRESETS, stepLabel } from '../../src/components/console/pages/history/range.ts';
import { bandPath, linePath, linearScale, timeTicks, valueTicks } from '../../src/components/console/pages/history/svg.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

test('each preset gets the smallest listed step that keeps it within a thousand buckets', () => {
  assert.deepEqual(PRESETS.map((p) => stepLabel(bucketStepSeconds(p.ms))), ['1 s', '5 s', '2 min', '15 min', '1 h']);
  assert.equal(bucketStepSeconds(1000), 1, 'never below a second');
  assert.equal(bucketStepSeconds(365 * DAY), 43_200);
  assert.equal(bucketStepSeconds(100 * 365 * DAY) % 604_800, 0, 'past the list, whole weeks');
});

test('any span gives at most a thousand buckets', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 1e13 }), (spanMs) => Math.ceil(spanMs / (bucketStepSeconds(spanMs) * 1000)) <= MAX_BUCKETS));
});

test('a linear scale maps the domain onto the range, and an empty domain onto its middle', () => {
  const x = linearScale([100, 200], [0, 50]);
  assert.equal(x(100), 0);
  assert.equal(x(150), 25);
  assert.equal(x(200), 50);
  const y = linearScale([0, 10], [100, 0]);
  assert.equal(y(10), 0, 'a range may run backwards, as SVG y does');
  assert.equal(linearScale([5, 5], [0, 10])(5), 5);
});

test('value ticks fall on 1-2-5 steps inside the range, without floating-point residue', () => {
  assert.deepEqual(valueTicks(0, 1), [0, 0.5, 1]);
  assert.deepEqual(valueTicks(0.1, 0.7), [0.2, 0.4, 0.6]);
  assert.deepEqual(valueTicks(-13, 42), [0, 20, 40]);
  assert.deepEqual(valueTicks(-0.3, 0.05), [-0.3, -0.2, -0.1, 0]);
  assert.deepEqual(valueTicks(3, 3), [3]);
  assert.deepEqual(valueTicks(Infinity, -Infinity), []);
});

test('time ticks are whole UTC steps, labelled by what the step needs', () => {
  const from = Date.parse('2026-12-07T10:07:00Z');
  const hourly = timeTicks(from, from + 6 * HOUR);
  assert.equal(hourly[0]!.time, Date.parse('2026-12-07T11:00:00Z'));
  assert.deepEqual(hourly.map((t) => t.label), ['11:00', '12:00', '13:00', '14:00', '15:00', '16:00']);
  const overMidnight = timeTicks(Date.parse('2026-12-07T20:00:00Z'), Date.parse('2026-12-08T04:00:00Z'));
  assert.ok(overMidnight.some((t) => t.label === '12-08'), 'midnight names its day');
  const seconds = timeTicks(from, from + 30_000);
  assert.match(seconds[0]!.label, /^10:07:\d\d$/);
  const days = timeTicks(Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-11-08T00:00:00Z'));
  assert.deepEqual(days.map((t) => t.label)[0], '2026-11-01');
  for (const span of [10_000, HOUR, DAY, 30 * DAY, 3000 * DAY]) assert.ok(timeTicks(from, from + span).length <= 8, `at most 8 ticks over ${span} ms`);
  assert.deepEqual(timeTicks(from, from), []);
});

test('path data: a line through the points, and a band out along the top and back along the bottom', () => {
  assert.equal(linePath([{ x: 0, y: 10 }, { x: 5.25, y: 2 }, { x: 10, y: 3.33 }]), 'M0.0 10.0L5.3 2.0L10.0 3.3');
  assert.equal(linePath([]), '');
  assert.equal(bandPath([{ x: 0, high: 1, low: 9 }, { x: 10, high: 2, low: 8 }]), 'M0.0 1.0L10.0 2.0L10.0 8.0L0.0 9.0Z');
  assert.equal(bandPath([]), '');
});
