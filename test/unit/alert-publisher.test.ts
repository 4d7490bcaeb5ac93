import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AlertPublisher, type CausedChange } from '../../src/components/analyzer/alert-publisher.ts';
import { TOPICS, type AlertEvent, type ProcessedBatch } from '../../src/core/messages.ts';
import type { AlertState } from '../../src/core/schemas.ts';
import { isUnavailable } from '../../src/engines/shared/unavailable.ts';
import { EventLogWithOutage, openEngines, topicRecords, type Engines } from '../support/components.ts';

let engines: Engines;
let events: EventLogWithOutage;

before(async () => {
  engines = await openEngines('orbit-alert-publisher-');
  events = new EventLogWithOutage(engines.events);
});

after(async () => {
  await engines?.close();
});

/** A stored alert change as the alert store returns it. */
function change(spacecraft: string, to: AlertState, at: number, cause?: ProcessedBatch): CausedChange {
  const time = new Date(at).toISOString();
  return {
    change: {
      alert: { id: `alert-${spacecraft}`, spacecraft, channel: 'temp', rule: 'limit', severity: 'warning', state: to, value: 95, threshold: 90, message: 'temp = 95 is above its yellow limit 90', openedAt: time, updatedAt: time },
      from: to === 'open' ? null : 'open',
      to,
      action: to === 'open' ? 'raise' : 'acknowledge',
      at,
    },
    ...(cause && { cause }),
  };
}

const eventsOf = async (spacecraft: string) => (await topicRecords<AlertEvent>(engines.events, TOPICS.alerts)).filter((r) => r.key === spacecraft);
const unavailable = (error: unknown) => isUnavailable(error);

test('each change goes onto the alerts topic keyed by its spacecraft, with its transition and the batch that caused it', async () => {
  const sc = `sc-${randomUUID()}`;
  const cause: ProcessedBatch = { batchId: 'batch-7', spacecraft: sc, receivedAt: 1_000, processedAt: 1_005, readings: [] };
  const publisher = new AlertPublisher(events);
  await publisher.publish([change(sc, 'open', 2_000, cause), change(sc, 'acknowledged', 3_000)]);

  const records = await eventsOf(sc);
  assert.deepEqual(records.map((r) => r.value), [
    { alert: change(sc, 'open', 2_000).change.alert, transition: { from: null, to: 'open', action: 'raise', severity: 'warning', at: 2_000 }, batchId: 'batch-7', receivedAt: 1_000 },
    { alert: change(sc, 'acknowledged', 3_000).change.alert, transition: { from: 'open', to: 'acknowledged', action: 'acknowledge', severity: 'warning', at: 3_000 } },
  ]);
  assert.equal(records[0]!.headers.ce_type, 'orbit.alert.changed.v1');
  assert.equal(publisher.held, 0);
});

test('with nothing to send, the event log is not asked', async () => {
  const before = events.publishes;
  await new AlertPublisher(events).publish([]);
  assert.equal(events.publishes, before);
});

test('changes made while the event log is away are held, then sent first and in order on the next publish', async () => {
  const sc = `sc-${randomUUID()}`;
  const publisher = new AlertPublisher(events);
  await events.whileAway(async () => {
    await assert.rejects(publisher.publish([change(sc, 'open', 1)]), unavailable);
    await assert.rejects(publisher.publish([change(sc, 'acknowledged', 2)]), unavailable);
    assert.equal(publisher.held, 2);
  });
  assert.deepEqual(await eventsOf(sc), []);

  await publisher.publish([change(sc, 'resolved', 3)]);
  assert.equal(publisher.held, 0);
  assert.deepEqual((await eventsOf(sc)).map((r) => [r.value.transition.to, r.value.transition.at]), [['open', 1], ['acknowledged', 2], ['resolved', 3]]);

  await publisher.publish([]);
  assert.equal((await eventsOf(sc)).length, 3, 'sent changes are not sent again');
});

test('held changes go out on the next publish even when it brings nothing new', async () => {
  const sc = `sc-${randomUUID()}`;
  const publisher = new AlertPublisher(events);
  await events.whileAway(() => assert.rejects(publisher.publish([change(sc, 'open', 1)]), unavailable));
  await publisher.publish([]);
  assert.equal(publisher.held, 0);
  assert.deepEqual((await eventsOf(sc)).map((r) => r.value.transition.to), ['open']);
});
