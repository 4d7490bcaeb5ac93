import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertEventHandler } from '../../src/components/notifier/recorder.ts';
import { DeliveryFailedError, createDeliveryHandler } from '../../src/components/notifier/sender.ts';
import type { WebhookOutcome, WebhookRequest } from '../../src/components/notifier/webhook.ts';
import { QUEUES, type AlertEvent, type DeliveryMessage } from '../../src/core/messages.ts';
import type { Alert } from '../../src/core/schemas.ts';
import type { EventRecord } from '../../src/engines/events/port.ts';
import type { Delivery, PublishOptions } from '../../src/engines/queue/port.ts';
import type { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { NotificationStore } from '../../src/stores/notifications/store.ts';
import { migratedSql, silentLogger } from '../support/components.ts';

const AT = Date.parse('2026-12-01T10:00:00Z');
let sql: PgliteStore;
let store: NotificationStore;
let catalog: MissionCatalog;

before(async () => {
  sql = await migratedSql();
  store = new NotificationStore(sql);
  catalog = new MissionCatalog(sql);
  await catalog.createMission({ id: 'm-1', name: 'One' });
  await catalog.createMission({ id: 'm-2', name: 'Two' });
  await catalog.createSpacecraft({ id: 'sc-1', missionId: 'm-1', name: 'sc-1' });
});
after(() => sql.close());

/** A task queue that keeps what is published, and can be made to refuse. */
function recordingQueue() {
  const published: { queue: string; body: DeliveryMessage; options?: PublishOptions }[] = [];
  let refuse = false;
  return {
    published,
    refuseNext() {
      refuse = true;
    },
    async publish<T>(queue: string, body: T, options?: PublishOptions) {
      if (refuse) {
        refuse = false;
        throw new Error('queue away');
      }
      published.push({ queue, body: body as DeliveryMessage, options });
      return options?.id ?? 'x';
    },
  };
}

let alertSeq = 0;
function alertEvent(overrides: Partial<Alert> = {}, transition: Partial<AlertEvent['transition']> = {}): AlertEvent {
  const alert = {
    id: `a-${++alertSeq}`, spacecraft: 'sc-1', channel: 'temp', rule: 'limit', severity: 'critical', state: 'open', value: 99, threshold: 50, message: 'hot',
    openedAt: new Date(AT).toISOString(), updatedAt: new Date(AT).toISOString(), ...overrides,
  } as Alert;
  // Cast: events of later releases carry more fields about the transition (who, why), which the notifier passes on as they are.
  return { alert, transition: { from: null, to: alert.state, severity: alert.severity, at: AT, ...transition } as AlertEvent['transition'] };
}
const records = (...events: AlertEvent[]) => events.map((value, offset) => ({ topic: 'alerts', partition: 0, offset, key: value.alert.spacecraft, value, headers: {}, timestamp: AT })) as EventRecord<AlertEvent>[];

async function route(input: Partial<Parameters<NotificationStore['createRoute']>[1]> = {}) {
  return store.createRoute(`r-${Math.random().toString(36).slice(2)}`, { name: 'ops', url: 'http://127.0.0.1:9/hook', enabled: true, secret: 'a-secret-of-sixteen', ...input });
}

test('each matching route gets one delivery, queued under its id; an event read again records and queues nothing more', async () => {
  const all = await route({ name: 'all' });
  const mission = await route({ name: 'mission m-1', missionId: 'm-1' });
  const other = await route({ name: 'mission m-2', missionId: 'm-2' });
  const queue = recordingQueue();
  let recorded = 0;
  const handle = createAlertEventHandler({ store, catalog, queue, onRecorded: (n) => (recorded += n) });
  const opened = alertEvent();
  const resolved = { ...opened, alert: { ...opened.alert, state: 'resolved' as const }, transition: { ...opened.transition, from: 'open' as const, to: 'resolved' as const, at: AT + 1000 } };

  await handle(records(opened, resolved));
  await handle(records(opened, resolved));

  const log = await store.deliveriesOf(opened.alert.id);
  assert.equal(log.length, 4, 'two transitions, two matching routes');
  assert.equal(recorded, 4);
  assert.deepEqual(new Set(log.map((d) => d.routeId)), new Set([all.id, mission.id]));
  assert.ok(!log.some((d) => d.routeId === other.id));
  assert.deepEqual(log.map((d) => d.state), ['pending', 'pending', 'pending', 'pending']);
  assert.equal(queue.published.length, 4);
  for (const p of queue.published) {
    assert.equal(p.queue, QUEUES.notifications);
    assert.equal(p.options?.id, p.body.deliveryId);
  }
  assert.deepEqual(new Set(queue.published.map((p) => p.body.deliveryId)), new Set(log.map((d) => d.id)));
  for (const r of [all, mission, other]) await store.deleteRoute(r.id);
});

test('a delivery recorded but never queued (the queue refused) is queued when the event is read again', async () => {
  const r = await route();
  const queue = recordingQueue();
  const handle = createAlertEventHandler({ store, catalog, queue });
  const e = alertEvent();
  queue.refuseNext();
  await assert.rejects(handle(records(e)), /queue away/);
  assert.equal(queue.published.length, 0);
  await handle(records(e));
  await handle(records(e));
  const log = await store.deliveriesOf(e.alert.id);
  assert.equal(log.length, 1);
  assert.deepEqual(queue.published.map((p) => p.body.deliveryId), [log[0]!.id]);
  await store.deleteRoute(r.id);
});

test('a shelved alert records no delivery', async () => {
  const r = await route();
  const queue = recordingQueue();
  let shelved = 0;
  const handle = createAlertEventHandler({ store, catalog, queue, onShelved: () => shelved++ });
  const e = alertEvent({ state: 'shelved' }, { from: 'open', to: 'shelved' });
  await handle(records(e));
  assert.deepEqual(await store.deliveriesOf(e.alert.id), []);
  assert.equal(queue.published.length, 0);
  assert.equal(shelved, 1);
  await store.deleteRoute(r.id);
});

/** Records the delivery of a fresh alert to the one route there is, and answers its id. */
async function oneDelivery(): Promise<{ id: string; alertId: string }> {
  const queue = recordingQueue();
  const e = alertEvent();
  await createAlertEventHandler({ store, catalog, queue })(records(e));
  return { id: queue.published.find((p) => p.body)!.body.deliveryId, alertId: e.alert.id };
}

function message(deliveryId: string, attempt: number): Delivery<DeliveryMessage> {
  return { id: deliveryId, queue: QUEUES.notifications, body: { deliveryId }, headers: {}, attempt, publishedAt: AT, ack: async () => undefined, nack: async () => undefined };
}

function sender(answers: WebhookOutcome[], maxAttempts = 3) {
  const requests: WebhookRequest[] = [];
  const outcomes: string[] = [];
  const handle = createDeliveryHandler({
    store, logger: silentLogger, timeoutMs: 1000, maxAttempts, now: () => AT,
    post: async (request) => {
      requests.push(request);
      return answers.shift() ?? { ok: true, status: 200 };
    },
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  return { handle, requests, outcomes };
}

test('a failed try is counted and thrown for the queue to retry; a 2xx marks the delivery delivered, and a repeat sends nothing', async () => {
  const r = await route({ url: 'http://receiver.test/hook', secret: 'another-secret-sixteen' });
  const { id, alertId } = await oneDelivery();
  const s = sender([{ ok: false, status: 500, error: 'receiver answered 500' }, { ok: true, status: 202 }]);

  await assert.rejects(s.handle(message(id, 1)), (e: unknown) => e instanceof DeliveryFailedError && e.message === 'receiver answered 500');
  let [d] = await store.deliveriesOf(alertId);
  assert.equal(d!.state, 'failed');
  assert.equal(d!.attempts, 1);
  assert.equal(d!.lastStatus, 500);
  assert.equal(d!.lastError, 'receiver answered 500');

  await s.handle(message(id, 2));
  [d] = await store.deliveriesOf(alertId);
  assert.equal(d!.state, 'delivered');
  assert.equal(d!.attempts, 2);
  assert.equal(d!.lastStatus, 202);
  assert.equal(d!.deliveredAt, new Date(AT).toISOString());

  await s.handle(message(id, 3));
  assert.equal(s.requests.length, 2, 'a delivered delivery is not sent again');
  assert.deepEqual(s.outcomes, ['failed', 'delivered']);
  // Each try sends the same bytes to the route's URL with its secret.
  assert.equal(s.requests[0]!.body, s.requests[1]!.body);
  assert.equal(s.requests[0]!.url, 'http://receiver.test/hook');
  assert.equal(s.requests[0]!.secret, 'another-secret-sixteen');
  assert.equal(JSON.parse(s.requests[0]!.body).deliveryId, id);
  await store.deleteRoute(r.id);
});

test('the last failed try leaves the delivery dead with its error, and still throws so the queue dead-letters it', async () => {
  const r = await route();
  const { id, alertId } = await oneDelivery();
  const s = sender([{ ok: false, error: 'no answer within 1000 ms' }, { ok: false, error: 'fetch failed: ECONNREFUSED' }], 2);
  await assert.rejects(s.handle(message(id, 1)));
  await assert.rejects(s.handle(message(id, 2)), /ECONNREFUSED/);
  const [d] = await store.deliveriesOf(alertId);
  assert.equal(d!.state, 'dead');
  assert.equal(d!.attempts, 2);
  assert.equal(d!.lastError, 'fetch failed: ECONNREFUSED');
  assert.equal(d!.lastStatus, undefined);
  assert.deepEqual(s.outcomes, ['failed', 'dead']);
  await store.deleteRoute(r.id);
});

test("a deleted route's pending delivery is given up without a try; an unknown delivery is dropped", async () => {
  const r = await route();
  const { id, alertId } = await oneDelivery();
  await store.deleteRoute(r.id);
  const s = sender([]);
  await s.handle(message(id, 1));
  await s.handle(message('no-such-delivery', 1));
  assert.equal(s.requests.length, 0);
  const [d] = await store.deliveriesOf(alertId);
  assert.equal(d!.state, 'dead');
  assert.equal(d!.lastError, 'the route was deleted');
  assert.equal(d!.routeName, 'ops', 'the log keeps the name of the deleted route');
});

test('routes are listed without their secret; the sender reads it', async () => {
  const r = await route({ severities: ['critical'], rules: ['limit'], missionId: 'm-1' });
  const listed = (await store.listRoutes()).find((x) => x.id === r.id)!;
  assert.deepEqual(listed, { ...r });
  assert.equal('secret' in listed, false);
  assert.deepEqual(listed.severities, ['critical']);
  assert.deepEqual(await store.routeTarget(r.id), { url: 'http://127.0.0.1:9/hook', secret: 'a-secret-of-sixteen' });
  assert.equal(await store.deleteRoute(r.id), true);
  assert.equal(await store.deleteRoute(r.id), false);
  assert.equal(await store.routeTarget(r.id), undefined);
});
