import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, evaluateLimits, hysteresisMargin } from '../../src/core/limits.ts';
import { limitDecision } from '../../src/components/analyzer/rules.ts';
import type { Channel } from '../../src/core/schemas.ts';

const limits = { redLow: 0, yellowLow: 10, yellowHigh: 90, redHigh: 100 };

describe('limits', () => {
  test('outside red is critical, outside yellow a warning, inside normal', () => {
    assert.deepEqual(classify(101, limits), { severity: 'critical', threshold: 100 });
    assert.deepEqual(classify(-1, limits), { severity: 'critical', threshold: 0 });
    assert.deepEqual(classify(95, limits), { severity: 'warning', threshold: 90 });
    assert.deepEqual(classify(5, limits), { severity: 'warning', threshold: 10 });
    assert.deepEqual(classify(50, limits), { severity: null, threshold: null });
    assert.deepEqual(classify(100, limits), { severity: 'warning', threshold: 90 }, 'a value on the red limit is not past it');
  });

  test('one-sided limits work', () => {
    assert.equal(classify(1e6, { redLow: 3 }).severity, null);
    assert.equal(classify(2, { redLow: 3 }).severity, 'critical');
  });

  test('escalates at once but steps down only past the hysteresis margin', () => {
    const margin = hysteresisMargin(limits);
    assert.equal(margin, 2);
    assert.equal(evaluateLimits(100.5, limits, null).severity, 'critical');
    assert.equal(evaluateLimits(99.5, limits, 'critical').severity, 'critical', 'just inside red stays critical');
    assert.equal(evaluateLimits(97.9, limits, 'critical').severity, 'warning', 'clear of red by the margin drops to warning');
    assert.equal(evaluateLimits(89, limits, 'warning').severity, 'warning', 'just inside yellow stays a warning');
    assert.equal(evaluateLimits(87.9, limits, 'warning').severity, null, 'clear of yellow by the margin is normal');
    assert.equal(evaluateLimits(50, limits, 'critical').severity, null);
  });
});

describe('analyzer limit decisions', () => {
  const channel: Channel = { spacecraft: 'sc', name: 'temp', type: 'number', unit: 'degC', limits, createdAt: '', updatedAt: '' };

  test('opens, escalates, and resolves one alert', () => {
    assert.equal(limitDecision(channel, 50, undefined), undefined);
    const open = limitDecision(channel, 95, undefined);
    assert.equal(open?.kind, 'open');
    assert.match(open?.kind === 'open' ? open.message : '', /temp = 95 degC is above its yellow limit 90/);
    const active = { id: 'a1', rule: 'limit' as const, severity: 'warning' as const, state: 'open' as const, returned: false };
    assert.equal(limitDecision(channel, 95, active), undefined, 'no second alert for the same condition');
    assert.deepEqual(limitDecision(channel, 120, active)?.kind, 'change');
    assert.deepEqual(limitDecision(channel, 50, active), { kind: 'resolve', id: 'a1', comment: 'value back within limits' });
  });
});
