import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limitBands, limitState, valueRange } from '../../web/dashboard/src/data/limits.ts';
import { formatViewQuery, parseViewQuery, resolveRange } from '../../web/dashboard/src/data/view-query.ts';
import { StateDictionary, stateColour, stateSegments } from '../../web/dashboard/src/data/states.ts';
import { timeTickLabels } from '../../web/dashboard/src/data/time-ticks.ts';
import { formatAge, isStale } from '../../web/dashboard/src/data/readings.ts';

const BUS = { redLow: 27.5, yellowLow: 29, yellowHigh: 34, redHigh: 35 };

describe('limits', () => {
  it('grades a value red, yellow or nominal', () => {
    assert.deepEqual([20, 28, 30, 34.5, 40].map((v) => limitState(v, BUS)), ['critical', 'warning', 'nominal', 'warning', 'critical']);
    assert.equal(limitState(1e9, undefined), 'nominal');
  });

  it('shades the out-of-limit regions, open-ended where a side has no red limit', () => {
    assert.deepEqual(limitBands({ redLow: 45, yellowLow: 60 }), [
      { low: -Infinity, high: 45, state: 'critical' },
      { low: 45, high: 60, state: 'warning' },
    ]);
    assert.deepEqual(limitBands({ yellowHigh: 10 }), [{ low: 10, high: Infinity, state: 'warning' }]);
  });

  it('stretches the value range over the data and the limits near it, with a margin', () => {
    const [low, high] = valueRange(30, 31, BUS);
    assert.ok(low < 27.5 && low > 26 && high > 35 && high < 36.5, `${low}..${high}`);
    // A wheel at 1,400 rpm keeps the plot's height: its ±5,000/6,000 limits are far away.
    const [wheelLow, wheelHigh] = valueRange(1380, 1400, { redLow: -6000, yellowLow: -5000, yellowHigh: 5000, redHigh: 6000 });
    assert.ok(wheelLow > 1300 && wheelHigh < 1500, `${wheelLow}..${wheelHigh}`);
    const [low2, high2] = valueRange(20, 40, BUS);
    assert.ok(low2 < 20 && high2 > 40);
    assert.deepEqual(valueRange(Infinity, -Infinity, undefined), [0, 1]);
  });
});

describe('view query', () => {
  it('round-trips channels and a preset', () => {
    const search = formatViewQuery({ channels: ['power.bus_voltage', 'thermal.battery_temp'], range: { kind: 'preset', preset: '1h' } });
    assert.equal(search, 'channels=power.bus_voltage,thermal.battery_temp&range=1h');
    assert.deepEqual(parseViewQuery(search), { channels: ['power.bus_voltage', 'thermal.battery_temp'], range: { kind: 'preset', preset: '1h' } });
  });

  it('reads a fixed span in ISO or epoch ms, and falls back to the default on nonsense', () => {
    assert.deepEqual(parseViewQuery('from=2026-01-01T00:00:00Z&to=1767229260000').range, { kind: 'fixed', from: 1767225600000, to: 1767229260000 });
    assert.deepEqual(parseViewQuery('from=later&to=2026-01-01T00:00:00Z&range=3w'), { channels: undefined, range: { kind: 'preset', preset: '15m' } });
    assert.deepEqual(resolveRange({ kind: 'preset', preset: '5m' }, 1_000_000), { from: 700_000, to: 1_000_000 });
  });
});

describe('time ticks', () => {
  it('labels in UTC, with seconds for fine ticks and the date where it changes', () => {
    const t0 = Date.parse('2026-12-07T23:59:00Z');
    assert.deepEqual(timeTickLabels([t0, t0 + 30_000, t0 + 60_000]), ['12-07 23:59:00', '23:59:30', '12-08 00:00:00']);
    assert.deepEqual(timeTickLabels([t0 - 3_540_000, t0 + 60_000]), ['12-07 23:00', '12-08 00:00']);
  });
});

describe('state timelines', () => {
  it('collapses equal consecutive readings into segments that hold until the next change', () => {
    const dict = new StateDictionary();
    const values = ['nominal', 'nominal', 'safe', 'safe', 'nominal'];
    const codes = values.map((v) => dict.code(v));
    assert.deepEqual(stateSegments([0, 10, 20, 30, 40], codes, 0, 100, 50), [
      { start: 0, end: 20, code: 0 },
      { start: 20, end: 40, code: 1 },
      { start: 40, end: 50, code: 0 },
    ]);
    assert.equal(dict.value(1), 'safe');
    assert.notEqual(dict.code(true), dict.code('true'));
  });

  it('keeps only segments overlapping the range shown', () => {
    assert.deepEqual(stateSegments([0, 10, 20], [0, 1, 0], 12, 18, 30), [{ start: 10, end: 20, code: 1 }]);
  });
});

describe('value table wording', () => {
  it('calls a reading older than staleAfterSeconds stale', () => {
    assert.equal(isStale(0, 10_001, 10), true);
    assert.equal(isStale(0, 10_000, 10), false);
    assert.equal(isStale(0, 1e12, undefined), false);
  });

  it('words ages', () => {
    assert.deepEqual([4_200, 200_000, 7_500_000, 274_000_000].map(formatAge), ['4 s', '3 m 20 s', '2 h 5 m', '3 d 4 h']);
  });
});

describe('state colours', () => {
  it('labels light fills in dark text and dark fills in light text', () => {
    assert.equal(stateColour('nominal', 0).text, '#0d1117');
    assert.equal(stateColour(false, 1).text, '#e6edf3');
    assert.notEqual(stateColour('a', 0).fill, stateColour('b', 1).fill);
  });
});
