/**
 * The alert outbox and its publisher, on the embedded event log and on the real Kafka
 * (the same tests: the publisher reads the topic back through the port): events stored
 * with the alert changes reach the alerts topic once each, in order per spacecraft,
 * through event log outages, a publisher that dies between sending and marking, and two
 * live publishers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AlertPublisher, SEQUENCE_HEADER, outgoingAlert } from '../../src/components/analyzer/alert-publisher.ts';
import { TOPICS, type AlertEvent } from '../../src/core/messages.ts';
import { KafkaEventLog } from '../../src/engines/events/kafka.ts';
import { namespacedLog } from '../../src/engines/events/namespaced.ts';
import type { EventLog } from '../../src/engines/events/port.ts';
import { isUnavailable } from '../../src/engines/shared/unavailable.ts';
import { analyzerEnv, EventLogWithOutage, topicRecords } from '../support/components.ts';
import { realEngine } from '../support/engines.ts';
import { sleep } from '../support/wait.ts';

const T0 = 1_700_000_000_000;
const { env, stores } = analyzerEnv('orbit-alert-outbox-');

const LOGS: [string, () => Promise<{ log: EventLog; close(): Promise<void> }>][] = [
  ['the embedded event log', async () => ({ log: env.engines.events, close: async () => undefined })],
  ['Kafka', async () => {
    const kafka = await KafkaEventLog.open(realEngine('ORBIT_EVENTS_BROKERS'), { clientId: 'orbit-test-alert-outbox' });
    const log = namespacedLog(kafka, `test-${randomUUID().slice(0, 8)}`);
    await log.createTopic(TOPICS.alerts, { partitions: 3 });
    return { log, close: () => kafka.close() };
  }],
];

for (const [name, open] of LOGS) {
  describe(`alert outbox on ${name}`, () => {
    let events: EventLog;
    let close: () => Promise<void>;
    before(async () => ({ log: events, close } = await open()));
    after(() => close());

    const publisherOf = (options: { leaseMs?: number; events?: EventLogWithOutage } = {}) =>
      new AlertPublisher({ events: options.events ?? events, outbox: stores.alerts.outbox, ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }) });

    const recordsOf = async (sc: string) => (await topicRecords<AlertEvent>(events, TOPICS.alerts)).filter((r) => r.key === sc);
    const stepsOf = async (sc: string) => (await recordsOf(sc)).map((r) => `${r.headers[SEQUENCE_HEADER]}:${r.value.transition.action}>${r.value.transition.to}`);

    test('a stored change goes onto the alerts topic keyed by its spacecraft, with its transition, its cause and its place in order, once', async () => {
      const { sc, id } = await twoChanges();
      assert.deepEqual(await stores.alerts.outbox.backlog().then((b) => b.pending), 2, 'stored with the changes, not yet sent');
      const outage = new EventLogWithOutage(events);
      const publisher = publisherOf({ events: outage });
      await publisher.flush();

      const records = await recordsOf(sc);
      assert.deepEqual(records.map((r) => [r.value.alert.id, r.value.transition.from, r.value.transition.to, r.value.transition.by, r.value.batchId]), [
        [id, null, 'open', undefined, 'batch-7'],
        [id, 'open', 'acknowledged', 'flight-director', undefined],
      ]);
      assert.deepEqual(records.map((r) => [r.headers.ce_type, r.headers[SEQUENCE_HEADER], r.headers.ce_id]), [
        ['orbit.alert.changed.v1', '1', `${sc}:1`],
        ['orbit.alert.changed.v1', '2', `${sc}:2`],
      ]);
      assert.deepEqual(await stores.alerts.outbox.backlog(), { pending: 0 });

      const publishes = outage.publishes;
      await publisher.flush();
      assert.equal(outage.publishes, publishes, 'nothing is sent twice, and an empty outbox asks the event log nothing');
      await publisher.stop();
    });

    test('changes stored while the event log is away wait in the store; a publisher started after the first died sends them, in order', async () => {
      const outage = new EventLogWithOutage(events);
      const first = publisherOf({ events: outage, leaseMs: 300 });
      const { sc } = await twoChanges();
      await outage.whileAway(() => assert.rejects(first.flush(), isUnavailable));
      const backlog = await stores.alerts.outbox.backlog();
      assert.equal(backlog.pending, 2);
      assert.ok(backlog.oldestAt! <= Date.now(), 'the oldest waiting event has an age');
      assert.deepEqual(await recordsOf(sc), []);

      // The first publisher dies holding the lease (it is never stopped): the next one waits for the lease to run out, then sends.
      const next = publisherOf({ leaseMs: 300 });
      await next.flush();
      assert.deepEqual(await stepsOf(sc), [], 'the dead holder\'s lease still runs');
      await sleep(400);
      await next.flush();
      assert.deepEqual(await stepsOf(sc), ['1:raise>open', '2:acknowledge>acknowledged']);
      assert.equal((await stores.alerts.outbox.backlog()).pending, 0);
      await next.stop();
    });

    test('events a publisher sent but did not mark before it died are not sent again', async () => {
      const { sc, id } = await twoChanges();
      await stores.alerts.clear(id, 'ops', 'done', T0 + 2000);
      // What a publisher killed between sending and marking leaves: the first two on the topic, all three unsent in the store.
      const pending = await stores.alerts.outbox.pending(sc, 10);
      assert.equal(pending.length, 3);
      await events.publish(TOPICS.alerts, pending.slice(0, 2).map(outgoingAlert));

      const publisher = publisherOf();
      await publisher.flush();
      assert.deepEqual(await stepsOf(sc), ['1:raise>open', '2:acknowledge>acknowledged', '3:clear>resolved']);
      assert.equal((await stores.alerts.outbox.backlog()).pending, 0, 'the ones found on the topic are marked too');
      await publisher.stop();
    });

    test('of two live publishers, only the lease holder sends a spacecraft\'s events; once it stops, the other takes over', async () => {
      const a = publisherOf();
      const b = publisherOf();
      const { sc, id } = await twoChanges();
      await Promise.all([a.flush(), b.flush(), a.flush(), b.flush()]);
      assert.deepEqual(await stepsOf(sc), ['1:raise>open', '2:acknowledge>acknowledged'], 'each event once, in order');
      const holder = await env.sql.query<{ holder: string }>('SELECT holder FROM alert_outbox_leases WHERE spacecraft_id = $1', [sc]);
      const [owner, other] = holder.rows[0]!.holder === a.holder ? [a, b] : [b, a];

      await stores.alerts.comment(id, 'ops', 'still watching', T0 + 3000);
      await other.flush();
      assert.equal((await stepsOf(sc)).length, 2, 'the other publisher leaves the holder\'s spacecraft alone');
      await owner.stop();
      await other.flush();
      assert.deepEqual(await stepsOf(sc), ['1:raise>open', '2:acknowledge>acknowledged', '3:comment>acknowledged'], 'a stopped holder lets its lease go at once');
      await other.stop();
    });

    test('what readings do to a shelved alert that stays shelved is stored without an event', async () => {
      const { sc, id } = await twoChanges();
      await stores.alerts.shelve(id, 'ops', T0 + 60_000, undefined, T0 + 2000);
      await stores.alerts.changeSeverity(id, 'critical', 120, 100, 'temp = 120 is above 100', T0 + 3000);
      const publisher = publisherOf();
      await publisher.flush();
      assert.deepEqual(await stepsOf(sc), ['1:raise>open', '2:acknowledge>acknowledged', '3:shelve>shelved']);
      assert.equal((await stores.alerts.get(id))!.history!.length, 4, 'the hidden change is in the history');
      await publisher.stop();
    });
  });
}

/** Opens an alert on a new spacecraft and acknowledges it: two stored transitions, two events waiting. */
async function twoChanges(): Promise<{ sc: string; id: string }> {
  const sc = `sc-${randomUUID().slice(0, 8)}`;
  const opened = await stores.alerts.open({ spacecraft: sc, channel: 'temp', rule: 'limit', severity: 'warning', value: 95, threshold: 90, message: 'temp = 95 is above 90', at: T0 }, { batchId: 'batch-7', receivedAt: T0 - 5 });
  await stores.alerts.acknowledge(opened.alert.id, 'flight-director', 'seen', T0 + 1000);
  return { sc, id: opened.alert.id };
}

