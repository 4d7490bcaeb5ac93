import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyWatch, QUIET_MS, WARMUP_READINGS, anomalyMessage, formatScore } from '../../src/components/analyzer/anomaly.ts';
import { extend, ready, type Run } from '../../src/components/analyzer/debounce.ts';
import { StateTimeline, STATE_HISTORY, chooseLimits } from '../../src/components/analyzer/limit-sets.ts';
import { shelfEnd } from '../../src/components/analyzer/operator-actions.ts';
import { decide, limitDecision, type ActiveAlert } from '../../src/components/analyzer/rules.ts';
import { createDetector } from '../../src/core/anomaly/registry.ts';
import type { Channel, ReadingValue } from '../../src/core/schemas.ts';

const limits = { redLow: 0, yellowLow: 10, yellowHigh: 90, redHigh: 100 };
const channel = (more: Partial<Channel> = {}): Channel => ({ spacecraft: 'sc', name: 'temp', type: 'number', unit: 'degC', limits, createdAt: '', updatedAt: '', ...more });
const active = (more: Partial<ActiveAlert> = {}): ActiveAlert => ({ id: 'a1', rule: 'limit', severity: 'warning', state: 'open', returned: false, ...more });
const off = { severity: 'warning' as const, threshold: 90, message: 'off' };

describe('lifecycle decisions', () => {
  test('off: opens, raises again after a return to normal, changes severity', () => {
    assert.equal(decide('limit', undefined, off, undefined, '')?.kind, 'open');
    assert.deepEqual(decide('limit', active({ state: 'rtn-unacknowledged', returned: true }), off, 'acknowledge', ''), { kind: 'reraise', id: 'a1', violation: off });
    assert.deepEqual(decide('limit', active({ state: 'shelved', returned: true }), off, undefined, ''), { kind: 'reraise', id: 'a1', violation: off });
    assert.equal(decide('limit', active(), off, undefined, ''), undefined, 'same severity: nothing');
    assert.equal(decide('limit', active(), { ...off, severity: 'critical' }, undefined, '')?.kind, 'change');
  });

  test('normal: resolves, or keeps the alert until acknowledged (latching) or unshelved', () => {
    assert.deepEqual(decide('limit', active(), null, undefined, 'back'), { kind: 'resolve', id: 'a1', comment: 'back' });
    assert.deepEqual(decide('limit', active(), null, 'auto', 'back'), { kind: 'resolve', id: 'a1', comment: 'back' });
    assert.deepEqual(decide('limit', active(), null, 'acknowledge', 'back'), { kind: 'return', id: 'a1', comment: 'back' });
    assert.deepEqual(decide('limit', active({ state: 'acknowledged' }), null, 'acknowledge', 'back')?.kind, 'resolve', 'acknowledged and back to normal: done');
    assert.deepEqual(decide('limit', active({ state: 'shelved' }), null, 'auto', 'back')?.kind, 'return', 'a shelved alert stays shelved');
    assert.equal(decide('limit', active({ state: 'rtn-unacknowledged', returned: true }), null, 'acknowledge', 'back'), undefined);
    assert.equal(decide('limit', undefined, null, 'acknowledge', 'back'), undefined);
  });

  test('a returned alert is judged without hysteresis; no limits resolve a standing alert', () => {
    // 89 is inside yellow but within the 2 % margin: a standing warning stays, a returned one is not raised again.
    assert.equal(limitDecision(channel(), 89, active()), undefined);
    assert.equal(limitDecision(channel(), 89, active({ state: 'rtn-unacknowledged', returned: true })), undefined);
    assert.equal(limitDecision(channel(), 91, active({ state: 'rtn-unacknowledged', returned: true }))?.kind, 'reraise');
    assert.deepEqual(limitDecision(channel({ limits: undefined }), 95, active()), { kind: 'resolve', id: 'a1', comment: 'no limits apply' });
    const open = limitDecision(channel(), 95, undefined, { yellowHigh: 50 }, 'while mode = safe');
    assert.equal(open?.kind === 'open' && open.message, 'temp = 95 degC is above its yellow limit 50 (while mode = safe)');
  });
});

describe('debounce', () => {
  const runOf = (times: number[]) => times.reduce<Run | undefined>((run, t) => extend(run, t), undefined)!;

  test('by samples: ready on the Nth consecutive reading past a limit', () => {
    assert.equal(ready(runOf([0, 1]), { samples: 3 }), false);
    assert.equal(ready(runOf([0, 1, 2]), { samples: 3 }), true);
    assert.equal(ready(runOf([0]), { samples: 1 }), true);
  });

  test('by seconds: ready once the run spans T seconds of reading time', () => {
    assert.equal(ready(runOf([0, 4_000, 9_999]), { seconds: 10 }), false);
    assert.equal(ready(runOf([0, 4_000, 10_000]), { seconds: 10 }), true);
    assert.equal(ready(runOf([0, 10_000, 5_000]), { seconds: 10 }), true, 'a late reading does not shorten the run');
  });

  test('either condition given suffices', () => {
    assert.equal(ready(runOf([0, 1_000]), { samples: 5, seconds: 1 }), true);
    assert.equal(ready(runOf([0, 1, 2, 3, 4]), { samples: 5, seconds: 60 }), true);
    assert.equal(ready(runOf([0, 1, 2]), { samples: 5, seconds: 60 }), false);
  });
});

describe('limit sets', () => {
  const safe = { yellowHigh: 40, redHigh: 50 };
  const sets = { limitSets: [{ when: { channel: 'mode', equals: 'safe' }, limits: safe }, { when: { channel: 'heater', equals: true }, limits: { redHigh: 200 } }] };
  const stateOf = (values: Record<string, ReadingValue>) => (c: string) => values[c];

  test('the first set whose state holds wins, else the default limits', () => {
    assert.deepEqual(chooseLimits(channel(sets), stateOf({ mode: 'safe', heater: true }), 0).limits, safe);
    assert.deepEqual(chooseLimits(channel(sets), stateOf({ mode: 'nominal', heater: true }), 0).limits, { redHigh: 200 });
    assert.deepEqual(chooseLimits(channel(sets), stateOf({ mode: 'nominal', heater: 'true' }), 0), { limits }, 'equality is strict: "true" is not true');
    assert.deepEqual(chooseLimits(channel(sets), stateOf({}), 0), { limits }, 'an unknown state: the default limits');
  });

  test('a state timeline answers the value at a reading time, whatever order readings came in', () => {
    const timeline = new StateTimeline();
    assert.equal(timeline.valueAt(5), undefined);
    timeline.record(10, 'nominal');
    timeline.record(30, 'safe');
    timeline.record(20, 'nominal');
    assert.deepEqual([5, 10, 19, 29, 30, 99].map((t) => timeline.valueAt(t)), ['nominal', 'nominal', 'nominal', 'nominal', 'safe', 'safe']);
    timeline.record(30, 'nominal');
    assert.equal(timeline.valueAt(31), 'nominal', 'a reading replaces one at the same time');
    for (let i = 0; i < STATE_HISTORY; i++) timeline.record(100 + i, 'safe');
    assert.equal(timeline.valueAt(15), 'safe', 'older than every reading kept: the oldest kept');
  });
});

describe('anomaly alerts', () => {
  const temp = { name: 'temp', unit: 'degC' };
  const ordinary = (i: number) => 20 + 2 * Math.sin(i / 5);

  test('a spike after the warm-up raises with a score, explained by the expected range; quiet for a minute is normal', () => {
    const watch = new AnomalyWatch({ name: 'windowed-gaussian' });
    assert.equal(watch.threshold, createDetector({ name: 'windowed-gaussian' }).threshold);
    const verdicts: [number, ReturnType<AnomalyWatch['observe']>][] = [];
    for (let i = 0; i < 300; i++) verdicts.push([i, watch.observe(temp, i * 1000, ordinary(i))]);
    assert.deepEqual(verdicts.filter(([, v]) => v), [], 'nothing anomalous in the ordinary series');
    const spike = watch.observe(temp, 300_000, 87.3);
    assert.ok(spike, 'the spike is a violation');
    assert.equal(spike.severity, 'warning');
    assert.ok(spike.score! >= watch.threshold && spike.score! <= 1);
    const [, low, high] = /^temp = 87\.3 degC is outside the expected (-?[\d.]+)–(-?[\d.]+) \(score 1\.000\)$/.exec(spike.message) ?? [];
    assert.ok(Number(low) < 18 && Number(high) > 22 && Number(high) < 87.3, `the ordinary swing lies inside the expected range, the spike outside: ${spike.message}`);
    assert.equal(watch.observe(temp, 301_000, ordinary(301)), undefined, 'not quiet yet');
    assert.equal(watch.observe(temp, 300_000 + QUIET_MS - 1, ordinary(302)), undefined);
    assert.equal(watch.observe(temp, 300_000 + QUIET_MS, ordinary(303)), null, 'quiet for QUIET_MS: normal');
  });

  test('nothing raises during the warm-up, however odd the readings', () => {
    const watch = new AnomalyWatch({ name: 'windowed-gaussian', sensitivity: 1 });
    for (let i = 0; i < WARMUP_READINGS; i++) assert.ok(!watch.observe(temp, i, i % 2 ? 0 : 1000), `reading ${i}`);
  });

  test('messages and scores read plainly', () => {
    assert.equal(formatScore(0.99999), '0.999');
    assert.equal(formatScore(1), '1.000');
    assert.equal(anomalyMessage(temp, 22, 0.9991, { low: 20.123456, high: 25.4 }), 'temp = 22 degC is anomalous, though within the expected 20.12–25.4 (score 0.999)');
    assert.equal(anomalyMessage({ name: 'v' }, 3, 1, undefined), 'v = 3 is anomalous (score 1.000)');
  });
});

describe('shelve requests', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  test('until a time in the future, or for a duration; exactly one of them', () => {
    assert.equal(shelfEnd({ by: 'ops', forSeconds: 90 }, now), now + 90_000);
    assert.equal(shelfEnd({ by: 'ops', until: '2026-01-01T01:00:00Z' }, now), now + 3_600_000);
    assert.equal(shelfEnd({ by: 'ops', until: now + 5 }, now), now + 5);
    assert.deepEqual(shelfEnd({ by: 'ops', until: now }, now), [{ pointer: '/until', detail: 'must be in the future (now is 2026-01-01T00:00:00.000Z)' }]);
    assert.deepEqual(shelfEnd({ by: 'ops' }, now), [{ pointer: '', detail: 'give exactly one of until and forSeconds' }]);
    assert.deepEqual(shelfEnd({ by: 'ops', until: now + 5, forSeconds: 1 }, now), [{ pointer: '/forSeconds', detail: 'give exactly one of until and forSeconds' }]);
  });
});
