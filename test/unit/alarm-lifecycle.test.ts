/**
 * The alarm lifecycle through the analyzer's engine on the real stores: debounce, limit
 * sets, return to normal awaiting acknowledgement, shelving and its expiry, the
 * operator's actions, and anomaly alerts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AlertPublisher } from '../../src/components/analyzer/alert-publisher.ts';
import { QUIET_MS } from '../../src/components/analyzer/anomaly.ts';
import { AlertEngine } from '../../src/components/analyzer/engine.ts';
import { TOPICS, type AlertEvent, type ProcessedBatch } from '../../src/core/messages.ts';
import type { ReadingValue } from '../../src/core/schemas.ts';
import { analyzerEnv, topicRecords } from '../support/components.ts';

const T0 = 1_700_000_000_000;
const limits = { redLow: 0, yellowLow: 10, yellowHigh: 90, redHigh: 100 };

const { env, stores, spacecraft } = analyzerEnv('orbit-alarms-');
/** One publisher for every engine here, as one process has. */
let shared: AlertPublisher | undefined;
const publisher = () => (shared ??= new AlertPublisher({ events: env.engines.events, outbox: stores.alerts.outbox }));

async function loadedEngine(): Promise<{ engine: AlertEngine; clock: { now: number } }> {
  const clock = { now: T0 };
  const engine = new AlertEngine({ ...stores, publisher: publisher(), now: () => clock.now });
  await engine.load();
  return { engine, clock };
}

/** One batch of readings of one spacecraft, as the processor publishes it. */
const batchOf = (sc: string, readings: [channel: string, time: number, value: ReadingValue][]): ProcessedBatch => ({
  batchId: randomUUID(), spacecraft: sc, receivedAt: T0, processedAt: T0,
  channels: [...new Set(readings.map(([c]) => c))].map((name) => ({ name, type: typeof readings.find(([c]) => c === name)![2] === 'string' ? 'string' : 'number', revision: 1 })),
  readings: readings.map(([channel, time, value]) => ({ channel, time, value, raw: value })),
});

/** Feeds each value of `channel` as its own batch, one second apart from `start`. */
const feed = (engine: AlertEngine, sc: string, channel: string, values: number[], start = T0) =>
  engine.onBatches(values.map((v, i) => batchOf(sc, [[channel, start + i * 1000, v]])));

const alertsOf = (sc: string) => stores.alerts.list({ spacecraft: sc, limit: 100 });
const eventsOf = async (sc: string) => {
  await publisher().flush();
  return (await topicRecords<AlertEvent>(env.engines.events, TOPICS.alerts)).filter((r) => r.key === sc).map((r) => r.value);
};
const steps = async (sc: string) => (await eventsOf(sc)).map((e) => `${e.transition.action}:${e.transition.from ?? '-'}>${e.transition.to}`);

test('debounce by samples: the alert is raised on the Nth consecutive reading past a limit; a normal reading starts over', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits, debounce: { samples: 3 } } });
  const { engine } = await loadedEngine();
  await feed(engine, sc, 'temp', [95, 96, 50, 95, 96]);
  assert.deepEqual(await alertsOf(sc), [], 'two in a row, a normal one, two in a row');
  await feed(engine, sc, 'temp', [97], T0 + 5000);
  const [alert] = await alertsOf(sc);
  assert.deepEqual([alert?.state, alert?.value, alert?.openedAt], ['open', 97, new Date(T0 + 5000).toISOString()]);
  await feed(engine, sc, 'temp', [120], T0 + 6000);
  assert.equal((await alertsOf(sc))[0]?.severity, 'critical', 'escalation is not debounced');
});

test('debounce by seconds: raised once the run past a limit spans T seconds of reading time', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits, debounce: { seconds: 10 } } });
  const { engine } = await loadedEngine();
  await engine.onBatches([batchOf(sc, [['temp', T0, 95], ['temp', T0 + 5000, 96], ['temp', T0 + 9999, 96]])]);
  assert.deepEqual(await alertsOf(sc), []);
  await engine.onBatches([batchOf(sc, [['temp', T0 + 10_000, 97]])]);
  assert.deepEqual((await alertsOf(sc)).map((a) => [a.state, a.value]), [['open', 97]]);
});

test('limit sets follow the state channel, reading by reading, and start from its latest stored reading', async () => {
  const sc = await spacecraft({
    mode: { type: 'string' },
    temp: { type: 'number', limits, limitSets: [{ when: { channel: 'mode', equals: 'safe' }, limits: { yellowHigh: 40, redHigh: 100 } }] },
  });
  // Written before any analyzer knew mode to be a state channel.
  await stores.telemetry.write([{ spacecraft: sc, channel: 'mode', time: T0 - 60_000, raw: 'safe', value: 'safe', type: 'string', batchId: 'earlier' }]);
  const { engine } = await loadedEngine();
  await engine.onBatches([batchOf(sc, [['temp', T0, 45]])]);
  const [raised] = await alertsOf(sc);
  assert.deepEqual([raised?.threshold, raised?.message], [40, 'temp = 45 is above its yellow limit 40 (while mode = safe)']);

  // In one batch: nominal from T0 + 1000, back to safe at T0 + 3000; temp readings listed before the mode readings.
  await engine.onBatches([batchOf(sc, [['temp', T0 + 2000, 45], ['temp', T0 + 4000, 45], ['mode', T0 + 1000, 'nominal'], ['mode', T0 + 3000, 'safe']])]);
  const history = (await stores.alerts.get(raised!.id))!.history!;
  assert.deepEqual(history.map((h) => [h.action, h.to, h.value]), [['raise', 'open', 45], ['resolve', 'resolved', 45]], 'resolved by the nominal limits at T0 + 2000');
  const [again] = (await alertsOf(sc)).filter((a) => a.state === 'open');
  assert.deepEqual([again?.value, again?.openedAt], [45, new Date(T0 + 4000).toISOString()], 'raised again under the safe limits at T0 + 4000');
});

test('returnToNormal acknowledge: the alert stays as rtn-unacknowledged until acknowledged; off again meanwhile raises it again', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits, returnToNormal: 'acknowledge' } });
  const { engine, clock } = await loadedEngine();
  await feed(engine, sc, 'temp', [95, 50]);
  const [alert] = await alertsOf(sc);
  assert.deepEqual([alert?.state, alert?.returnedAt], ['rtn-unacknowledged', new Date(T0 + 1000).toISOString()]);
  await feed(engine, sc, 'temp', [96, 40], T0 + 2000);
  assert.equal((await alertsOf(sc)).length, 1, 'the same alert, raised again');

  clock.now = T0 + 10_000;
  const ack = await engine.acknowledge(alert!.id, 'flight-director', 'seen');
  assert.deepEqual([ack?.from, ack?.to, ack?.alert.acknowledgedBy], ['rtn-unacknowledged', 'resolved', 'flight-director']);
  assert.deepEqual(await steps(sc), [
    'raise:->open', 'return:open>rtn-unacknowledged', 'raise:rtn-unacknowledged>open', 'return:open>rtn-unacknowledged', 'acknowledge:rtn-unacknowledged>resolved',
  ]);

  // Acknowledged while off: it resolves when back to normal, latching or not.
  await feed(engine, sc, 'temp', [97], T0 + 20_000);
  const [second] = (await alertsOf(sc)).filter((a) => a.state === 'open');
  await engine.acknowledge(second!.id, 'ops', undefined);
  await feed(engine, sc, 'temp', [50], T0 + 21_000);
  assert.equal((await stores.alerts.get(second!.id))!.state, 'resolved');
});

test('a shelved alert publishes nothing readings do to it, and is raised again when its time is up while still off', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits } });
  const { engine, clock } = await loadedEngine();
  await feed(engine, sc, 'temp', [95]);
  const [alert] = await alertsOf(sc);
  const shelved = await engine.act(alert!.id, { kind: 'shelve', by: 'ops', until: T0 + 60_000, comment: 'known heater issue' });
  assert.ok(shelved && !('conflict' in shelved));
  assert.deepEqual([shelved.alert.state, shelved.alert.shelvedBy, shelved.alert.shelvedUntil], ['shelved', 'ops', new Date(T0 + 60_000).toISOString()]);

  await feed(engine, sc, 'temp', [120, 50, 96], T0 + 1000);
  clock.now = T0 + 59_999;
  await engine.tick();
  assert.deepEqual(await steps(sc), ['raise:->open', 'shelve:open>shelved'], 'nothing published while shelved');
  const stored = (await stores.alerts.get(alert!.id))!;
  assert.deepEqual(stored.history!.slice(2).map((h) => [h.action, h.to, h.severity]), [['severity', 'shelved', 'critical'], ['return', 'shelved', 'critical'], ['raise', 'shelved', 'warning']], 'but stored');
  assert.equal((await alertsOf(sc)).length, 1, 'no second alert while shelved');

  clock.now = T0 + 60_000;
  await engine.tick();
  const after = (await stores.alerts.get(alert!.id))!;
  assert.deepEqual([after.state, after.severity, after.shelvedUntil, after.history!.at(-1)!.comment], ['open', 'warning', undefined, 'shelve time ended']);
  assert.deepEqual((await steps(sc)).slice(2), ['unshelve:shelved>open'], 'raised again, published');
});

test('a shelved alert that returned to normal resolves when unshelved; conflicts are named', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits } });
  const { engine, clock } = await loadedEngine();
  await feed(engine, sc, 'temp', [95]);
  const [alert] = await alertsOf(sc);
  await engine.act(alert!.id, { kind: 'shelve', by: 'ops', until: T0 + 3_600_000 });
  await feed(engine, sc, 'temp', [50], T0 + 1000);
  assert.deepEqual(await engine.act(alert!.id, { kind: 'clear', by: 'ops' }).then((r) => r && !('conflict' in r) && r.to), 'resolved');
  assert.deepEqual(await engine.act(alert!.id, { kind: 'unshelve', by: 'ops' }), { conflict: 'the alert is resolved, not shelved' });
  assert.deepEqual(await engine.act(alert!.id, { kind: 'shelve', by: 'ops', until: T0 + 10 }), { conflict: 'a resolved alert cannot be shelved' });
  assert.equal(await engine.act('no-such-alert', { kind: 'comment', by: 'ops', comment: 'hello' }), undefined);

  await feed(engine, sc, 'temp', [95], T0 + 2000);
  const [next] = (await alertsOf(sc)).filter((a) => a.state !== 'resolved');
  await engine.act(next!.id, { kind: 'shelve', by: 'ops', until: T0 + 3_600_000 });
  await feed(engine, sc, 'temp', [50], T0 + 3000);
  clock.now = T0 + 4000;
  const unshelved = await engine.act(next!.id, { kind: 'unshelve', by: 'ops', comment: 'done' });
  assert.ok(unshelved && !('conflict' in unshelved));
  assert.deepEqual([unshelved.from, unshelved.to, unshelved.action], ['shelved', 'resolved', 'unshelve']);
});

test('comments and assignment are stored and published with who made them; a clear resolves and the next reading raises anew', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits } });
  const { engine } = await loadedEngine();
  await feed(engine, sc, 'temp', [95]);
  const [alert] = await alertsOf(sc);
  await engine.act(alert!.id, { kind: 'assign', by: 'lead', to: 'thermal-engineer' });
  await engine.act(alert!.id, { kind: 'comment', by: 'thermal-engineer', comment: 'heater stuck on' });
  const cleared = await engine.act(alert!.id, { kind: 'clear', by: 'thermal-engineer', comment: 'heater reset' });
  assert.ok(cleared && !('conflict' in cleared));
  assert.deepEqual([cleared.alert.state, cleared.alert.assignedTo], ['resolved', 'thermal-engineer']);
  const history = (await stores.alerts.get(alert!.id))!.history!;
  assert.deepEqual(history.map((h) => [h.action, h.to, h.by, h.comment]), [
    ['raise', 'open', undefined, undefined],
    ['assign', 'open', 'lead', 'assigned to thermal-engineer'],
    ['comment', 'open', 'thermal-engineer', 'heater stuck on'],
    ['clear', 'resolved', 'thermal-engineer', 'heater reset'],
  ]);
  const events = await eventsOf(sc);
  assert.deepEqual(events.map((e) => [e.transition.action, e.transition.by]), [['raise', undefined], ['assign', 'lead'], ['comment', 'thermal-engineer'], ['clear', 'thermal-engineer']]);

  await feed(engine, sc, 'temp', [96], T0 + 1000);
  assert.deepEqual((await alertsOf(sc)).map((a) => a.state).sort(), ['open', 'resolved']);
});

test('a channel with a detector raises an anomaly alert with its score on a spike, resolved after a quiet period', async () => {
  const sc = await spacecraft({ temp: { type: 'number', unit: 'degC', detector: { name: 'windowed-gaussian', sensitivity: 0.5 } } });
  const { engine } = await loadedEngine();
  const ordinary = Array.from({ length: 200 }, (_, i) => 20 + 2 * Math.sin(i / 5));
  await engine.onBatches([batchOf(sc, ordinary.map((v, i) => ['temp', T0 + i * 1000, v]))]);
  assert.deepEqual(await alertsOf(sc), [], 'nothing on the ordinary series');

  const spikeAt = T0 + 200_000;
  await engine.onBatches([batchOf(sc, [['temp', spikeAt, 87.3]])]);
  const [alert] = await alertsOf(sc);
  assert.deepEqual([alert?.rule, alert?.severity, alert?.value], ['anomaly', 'warning', 87.3]);
  assert.ok(alert!.score! >= alert!.threshold! && alert!.score! <= 1, `score ${alert!.score} against threshold ${alert!.threshold}`);
  assert.match(alert!.message, /^temp = 87\.3 degC is outside the expected [\d.]+–[\d.]+ \(score 1\.000\)$/);

  const quiet = Array.from({ length: QUIET_MS / 1000 + 1 }, (_, i) => 20 + 2 * Math.sin((201 + i) / 5));
  await engine.onBatches([batchOf(sc, quiet.map((v, i) => ['temp', spikeAt + (i + 1) * 1000, v]))]);
  const resolved = (await stores.alerts.get(alert!.id))!;
  assert.equal(resolved.state, 'resolved');
  assert.equal(resolved.resolvedAt, new Date(spikeAt + QUIET_MS).toISOString());
});
