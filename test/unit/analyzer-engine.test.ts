import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AlertPublisher } from '../../src/components/analyzer/alert-publisher.ts';
import { AlertEngine, type AlertEngineDeps } from '../../src/components/analyzer/engine.ts';
import { TOPICS, type AlertEvent, type ProcessedBatch } from '../../src/core/messages.ts';
import { isUnavailable } from '../../src/engines/shared/unavailable.ts';
import type { AlertChange } from '../../src/stores/alerts/store.ts';
import { analyzerEnv, EventLogWithOutage, topicRecords } from '../support/components.ts';

const T0 = 1_700_000_000_000;
const limits = { redLow: 0, yellowLow: 10, yellowHigh: 90, redHigh: 100 };

const { env, stores, spacecraft } = analyzerEnv('orbit-analyzer-');
/** One publisher for the engines of these tests, as one process has: it holds the spacecraft's leases. */
let shared: AlertPublisher | undefined;
const sharedPublisher = () => (shared ??= new AlertPublisher({ events: env.engines.events, outbox: stores.alerts.outbox }));

interface Harness {
  engine: AlertEngine;
  clock: { now: number };
  transitions: AlertChange[];
}

async function loadedEngine(options: { publisher?: AlertPublisher; clock?: { now: number }; catalog?: AlertEngineDeps['catalog'] } = {}): Promise<Harness> {
  const clock = options.clock ?? { now: T0 };
  const transitions: AlertChange[] = [];
  const engine = new AlertEngine({
    ...stores, catalog: options.catalog ?? stores.catalog,
    publisher: options.publisher ?? sharedPublisher(),
    onTransition: (change) => transitions.push(change),
    now: () => clock.now,
  });
  await engine.load();
  return { engine, clock, transitions };
}

/** One reading as the processor publishes it, checked by ingest against `revision` of its channel's definition. */
const processed = (sc: string, channel: string, time: number, value: number, revision = 1): ProcessedBatch =>
  ({ batchId: randomUUID(), spacecraft: sc, receivedAt: time, processedAt: time, channels: [{ name: channel, type: 'number', revision }], readings: [{ channel, time, raw: value, value }] });

/** Feeds each reading to the engine as its own batch, in order. */
const feed = (engine: AlertEngine, sc: string, channel: string, readings: [time: number, value: number][]) =>
  engine.onBatches(readings.map(([time, value]) => processed(sc, channel, time, value)));

const alertsOf = (sc: string) => stores.alerts.list({ spacecraft: sc, limit: 100 });
const topicEventsOf = async (sc: string) => (await topicRecords<AlertEvent>(env.engines.events, TOPICS.alerts)).filter((r) => r.key === sc).map((r) => r.value);
/** The spacecraft's events on the alerts topic once the outbox is sent. */
const alertEventsOf = async (sc: string) => {
  await sharedPublisher().flush();
  return topicEventsOf(sc);
};

test('a reading past a limit opens one alert, stores it and publishes it with its batch', async () => {
  const sc = await spacecraft({ temp: { type: 'number', unit: 'degC', limits } });
  const { engine, transitions } = await loadedEngine();
  const cause = processed(sc, 'temp', T0, 95);
  assert.equal(await engine.onBatches([processed(sc, 'temp', T0 - 1000, 50), cause, processed(sc, 'temp', T0 + 1000, 96)]), 3);

  const [alert, ...others] = await alertsOf(sc);
  assert.deepEqual(others, []);
  assert.deepEqual(
    { rule: alert!.rule, severity: alert!.severity, state: alert!.state, value: alert!.value, threshold: alert!.threshold, openedAt: alert!.openedAt },
    { rule: 'limit', severity: 'warning', state: 'open', value: 95, threshold: 90, openedAt: new Date(T0).toISOString() },
  );
  assert.match(alert!.message, /temp = 95 degC is above its yellow limit 90/);
  assert.deepEqual(transitions.map((t) => [t.from, t.to]), [[null, 'open']]);

  const [event, ...moreEvents] = await alertEventsOf(sc);
  assert.deepEqual(moreEvents, []);
  assert.equal(event!.alert.id, alert!.id);
  assert.deepEqual(event!.transition, { from: null, to: 'open', action: 'raise', severity: 'warning', at: T0 });
  assert.equal(event!.batchId, cause.batchId);
  assert.deepEqual(engine.activeBySeverity(), new Map([['warning', 1]]));
});

test('an alert escalates at once and steps down or resolves only past the hysteresis margin', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits } });
  const { engine } = await loadedEngine();
  await feed(engine, sc, 'temp', [[T0, 95], [T0 + 1, 120], [T0 + 2, 99], [T0 + 3, 97], [T0 + 4, 89], [T0 + 5, 87]]);

  const [alert] = await alertsOf(sc);
  const history = (await stores.alerts.get(alert!.id))!.history!;
  assert.deepEqual(history.map((h) => [h.from, h.to, h.severity, h.value]), [
    [null, 'open', 'warning', 95],
    ['open', 'open', 'critical', 120],
    ['open', 'open', 'warning', 97],
    ['open', 'resolved', 'warning', 87],
  ]);
  assert.equal(history[3]!.comment, 'value back within limits');
  assert.deepEqual((await alertEventsOf(sc)).map((e) => [e.transition.to, e.transition.severity]), [['open', 'warning'], ['open', 'critical'], ['open', 'warning'], ['resolved', 'warning']]);
  assert.equal(engine.activeBySeverity().size, 0);
});

test('a late reading does not resolve an alert decided by newer readings, but still opens one it shows', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits } });
  const { engine } = await loadedEngine();
  await feed(engine, sc, 'temp', [[T0 + 2000, 95], [T0 + 1000, 50]]);
  assert.deepEqual((await alertsOf(sc)).map((a) => a.state), ['open'], 'the late normal reading left the alert open');

  await feed(engine, sc, 'temp', [[T0 + 3000, 50], [T0 + 2500, 120]]);
  const states = (await alertsOf(sc)).map((a) => [a.state, a.severity, a.value]).sort();
  assert.deepEqual(states, [['open', 'critical', 120], ['resolved', 'warning', 95]]);
});

test('a watched channel silent past its interval gets one stale alert, resolved when readings resume', async () => {
  const sc = await spacecraft({ heartbeat: { type: 'number', staleAfterSeconds: 10 } });
  const { engine, clock } = await loadedEngine();

  clock.now = T0 + 10_000;
  await engine.tick();
  assert.deepEqual(await alertsOf(sc), [], 'silent for exactly its interval is not stale yet');

  clock.now = T0 + 10_001;
  await engine.tick();
  clock.now = T0 + 15_000;
  await engine.tick();
  const [stale, ...others] = await alertsOf(sc);
  assert.deepEqual(others, [], 'one stale alert however often it is checked');
  assert.deepEqual([stale!.rule, stale!.severity, stale!.state, stale!.threshold, stale!.message], ['stale', 'warning', 'open', 10, 'heartbeat: no reading for more than 10 s']);
  assert.equal(stale!.openedAt, new Date(T0 + 10_001).toISOString());

  clock.now = T0 + 16_000;
  const resumed = processed(sc, 'heartbeat', T0 + 15_900, 1);
  await engine.onBatches([resumed]);
  const after = (await stores.alerts.get(stale!.id))!;
  assert.equal(after.state, 'resolved');
  assert.equal(after.history!.at(-1)!.comment, 'readings resumed');
  const events = await alertEventsOf(sc);
  assert.deepEqual(events.map((e) => e.transition.to), ['open', 'resolved']);
  assert.equal(events[0]!.batchId, undefined, 'no reading caused the stale alert');
  assert.equal(events[1]!.batchId, resumed.batchId);

  clock.now = T0 + 25_000;
  await engine.tick();
  assert.equal((await stores.alerts.active()).length, 0, 'the reading restarted the interval');
});

test('a channel whose readings reach the store through another analyzer is not stale', async () => {
  const sc = await spacecraft({ heartbeat: { type: 'number', staleAfterSeconds: 10 } });
  const { engine, clock } = await loadedEngine();
  await stores.telemetry.write([{ spacecraft: sc, channel: 'heartbeat', time: T0 + 9_000, raw: 1, value: 1, type: 'number', batchId: 'elsewhere' }]);

  clock.now = T0 + 12_000;
  await engine.tick();
  assert.deepEqual(await alertsOf(sc), []);

  clock.now = T0 + 19_001;
  await engine.tick();
  assert.deepEqual((await alertsOf(sc)).map((a) => a.rule), ['stale'], 'silent for 10 s after the stored reading');
});

test('acknowledging moves an open alert to acknowledged and publishes it; an unknown id is undefined', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits } });
  const { engine, clock } = await loadedEngine();
  await feed(engine, sc, 'temp', [[T0, 95]]);
  const [alert] = await alertsOf(sc);

  clock.now = T0 + 60_000;
  const change = await engine.acknowledge(alert!.id, 'flight-director', 'looking into it');
  assert.deepEqual([change?.from, change?.to, change?.alert.acknowledgedBy, change?.at], ['open', 'acknowledged', 'flight-director', T0 + 60_000]);
  assert.equal((await stores.alerts.get(alert!.id))!.history!.at(-1)!.comment, 'looking into it');

  const again = await engine.acknowledge(alert!.id, 'someone-else', undefined);
  assert.deepEqual([again?.from, again?.to, again?.alert.acknowledgedBy], ['acknowledged', 'acknowledged', 'flight-director'], 'a second acknowledgement changes nothing');
  assert.equal(await engine.acknowledge('no-such-alert', 'ops', undefined), undefined);
  assert.deepEqual((await alertEventsOf(sc)).map((e) => e.transition.to), ['open', 'acknowledged']);

  await feed(engine, sc, 'temp', [[T0 + 1, 120]]);
  assert.deepEqual((await alertsOf(sc)).map((a) => [a.state, a.severity]), [['open', 'critical']], 'an escalation re-opens an acknowledged alert');
});

test('an acknowledgement is answered while the event log is away; its event follows once it is back', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits } });
  const events = new EventLogWithOutage(env.engines.events);
  const publisher = new AlertPublisher({ events, outbox: stores.alerts.outbox });
  const { engine } = await loadedEngine({ publisher });
  await feed(engine, sc, 'temp', [[T0, 95]]);
  await publisher.flush();
  const [alert] = await alertsOf(sc);

  await events.whileAway(async () => {
    const change = await engine.acknowledge(alert!.id, 'ops', undefined);
    assert.equal(change?.to, 'acknowledged');
    assert.equal((await stores.alerts.get(alert!.id))!.state, 'acknowledged');
    await assert.rejects(publisher.flush(), isUnavailable);
  });
  assert.deepEqual((await topicEventsOf(sc)).map((e) => e.transition.to), ['open']);

  await feed(engine, sc, 'temp', [[T0 + 1, 87]]);
  await publisher.flush();
  assert.deepEqual((await topicEventsOf(sc)).map((e) => e.transition.to), ['open', 'acknowledged', 'resolved'], 'the held event went first, in order');
  await publisher.stop();
});

test('two analyzers over one store keep one alert per channel: the second adopts the alert the first opened', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits } });
  const a = await loadedEngine();
  const b = await loadedEngine();

  await feed(a.engine, sc, 'temp', [[T0, 95]]);
  await feed(b.engine, sc, 'temp', [[T0 + 1, 96]]);
  const [opened, ...others] = await alertsOf(sc);
  assert.deepEqual(others, [], 'no second alert for the same channel');
  assert.deepEqual(b.transitions, []);

  await feed(b.engine, sc, 'temp', [[T0 + 2, 120], [T0 + 3, 50]]);
  const history = (await stores.alerts.get(opened!.id))!.history!;
  assert.deepEqual(history.map((h) => [h.to, h.severity]), [['open', 'warning'], ['open', 'critical'], ['resolved', 'critical']], 'the second analyzer escalated and resolved the adopted alert');
  assert.deepEqual((await alertsOf(sc)).length, 1);
});

test('a limit change counts from the first batch checked against its revision; definitions are read only when missing or older', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits }, volts: { type: 'number', limits } });
  const reads: string[][] = [];
  const counting: AlertEngineDeps['catalog'] = {
    channelsWithStaleness: () => stores.catalog.channelsWithStaleness(),
    channelsOf: (id, names) => (reads.push([...names]), stores.catalog.channelsOf(id, names)),
  };
  const { engine } = await loadedEngine({ catalog: counting });
  const both = (time: number, temp: number, tempRevision = 1): ProcessedBatch => ({
    ...processed(sc, 'temp', time, temp, tempRevision),
    channels: [{ name: 'temp', type: 'number', revision: tempRevision }, { name: 'volts', type: 'number', revision: 1 }],
    readings: [{ channel: 'temp', time, raw: temp, value: temp }, { channel: 'volts', time, raw: 50, value: 50 }],
  });
  await engine.onBatches([both(T0, 50), both(T0 + 1000, 60)]);
  assert.deepEqual(reads, [['temp', 'volts']], 'one read for every channel of the first batch, none for the next');

  await stores.catalog.putChannel(sc, 'temp', { type: 'number', limits: { ...limits, yellowHigh: 40 } });
  await engine.onBatches([both(T0 + 2000, 45)]);
  assert.deepEqual(await alertsOf(sc), [], 'a reading checked against revision 1 is judged by the limits of revision 1');
  assert.equal(reads.length, 1);

  await engine.onBatches([both(T0 + 3000, 45, 2), both(T0 + 4000, 46, 2)]);
  assert.deepEqual(reads, [['temp', 'volts'], ['temp']], 'revision 2 is read once, only for the channel that changed');
  const [alert] = await alertsOf(sc);
  assert.deepEqual([alert?.severity, alert?.threshold, alert?.value], ['warning', 40, 45]);
});

test('a record from before channel revisions were carried is judged by the definition held, read once', async () => {
  const sc = await spacecraft({ temp: { type: 'number', limits } });
  let reads = 0;
  const { engine } = await loadedEngine({ catalog: { channelsWithStaleness: () => stores.catalog.channelsWithStaleness(), channelsOf: (id, names) => (reads++, stores.catalog.channelsOf(id, names)) } });
  const { channels: _, ...old } = processed(sc, 'temp', T0, 95);
  await engine.onBatches([old, { ...processed(sc, 'temp', T0 + 1000, 96), channels: undefined }]);
  assert.equal(reads, 1);
  assert.equal((await alertsOf(sc))[0]?.severity, 'warning');
});
