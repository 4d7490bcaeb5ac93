/**
 * Webhook notifications end to end: Orbit all-in-one as a child process and a receiver on
 * 127.0.0.1 that checks every signature, as a user's would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, seedMission, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';
import { routeTo, WebhookReceiver } from '../support/webhook-receiver.ts';

const LIMITED = { temp: { type: 'number', limits: { redHigh: 50 } } };
const ENV = { ORBIT_NOTIFY_RETRY_DELAY_MS: '100', ORBIT_NOTIFY_MAX_ATTEMPTS: '3' };

const post = (orbit: OrbitChild, spacecraft: string, value: number) =>
  orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings: [{ channel: 'temp', time: Date.now(), value }] } });

async function deliveries(orbit: OrbitChild, alertId: string): Promise<any[]> {
  return (await orbit.api(`/v1/alerts/${alertId}/deliveries`)).json();
}

/** The first delivery of the spacecraft's first alert, once it is in `state`. */
async function firstDeliveryIn(orbit: OrbitChild, spacecraft: string, state: string): Promise<any> {
  const alert = (await (await orbit.api(`/v1/alerts?spacecraft=${spacecraft}`)).json())[0];
  const [d] = alert ? await deliveries(orbit, alert.id) : [];
  return d?.state === state ? d : undefined;
}

/** A sample of /metrics with these labels (0 when absent). */
async function sample(orbit: OrbitChild, name: string, labels: string): Promise<number> {
  const text = await (await orbit.api('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Nothing left to send: the notifier read every alert event and the delivery queue is empty. */
async function settled(orbit: OrbitChild): Promise<true | undefined> {
  const lag = await sample(orbit, 'orbit_events_consumer_lag_records', 'group="notifier"');
  const ready = await sample(orbit, 'orbit_queue_messages', 'queue="notifications.deliveries",state="ready"');
  const unacked = await sample(orbit, 'orbit_queue_messages', 'queue="notifications.deliveries",state="unacked"');
  return lag === 0 && ready === 0 && unacked === 0 ? true : undefined;
}

describe('notifications', () => {
  const receiver = new WebhookReceiver();
  const dirs: { remove: () => Promise<void> }[] = [];
  before(() => receiver.start());
  after(async () => {
    await receiver.close();
    for (const d of dirs) await d.remove();
  });

  test('one signed delivery per transition, open then resolve, across a restart: none twice, none lost', async () => {
    const data = await tempDir();
    dirs.push(data);
    const first = await startOrbit({ dataDir: data.dir, env: ENV });
    let second: OrbitChild | undefined;
    try {
      await seedMission(first, 'sc-r', LIMITED);
      await seedMission(first, 'sc-other', LIMITED);
      await routeTo(first, receiver, '/ops', { missionId: 'm-sc-r', severities: ['critical'], rules: ['limit'] });
      await routeTo(first, receiver, '/elsewhere', { missionId: 'm-sc-other' });
      const listed = await (await first.api('/v1/notification-routes')).json();
      assert.equal(listed.length, 2);
      assert.ok(listed.every((r: object) => !('secret' in r)), 'secrets are never listed');

      assert.equal((await post(first, 'sc-r', 80)).status, 202);
      const opened = await eventually(async () => receiver.on('/ops')[0], 15_000, 'the open delivery');
      const alertId = opened.body.alert.id;
      await eventually(async () => ((await deliveries(first, alertId))[0]?.state === 'delivered' ? true : undefined), 5000, 'the open delivery logged as delivered');
      assert.equal(await first.stop('SIGTERM'), 0);

      second = await startOrbit({ dataDir: data.dir, env: ENV });
      assert.equal((await post(second, 'sc-r', 20)).status, 202);
      const log = await eventually(async () => {
        const l = await deliveries(second!, alertId);
        return l.length === 2 && l.every((d) => d.state === 'delivered') ? l : undefined;
      }, 15_000, 'the resolve delivered');
      await eventually(() => settled(second!), 10_000, 'notifier settled');

      const got = receiver.on('/ops');
      assert.equal(got.length, 2, `exactly two deliveries: ${got.map((r) => r.body.transition.to).join(', ')}`);
      assert.deepEqual(got.map((r) => r.body.transition.to), ['open', 'resolved']);
      assert.ok(got.every((r) => r.signed), 'every delivery carries a valid signature');
      assert.deepEqual(got.map((r) => r.deliveryId), log.map((d) => d.id), 'Orbit-Delivery names the logged delivery');
      assert.ok(got.every((r) => r.body.deliveryId === r.deliveryId && r.body.missionId === 'm-sc-r' && r.body.alert.id === alertId));
      assert.ok(got.every((r) => !Number.isNaN(Date.parse(r.timestamp))));
      assert.deepEqual(log.map((d) => [d.transition.to, d.attempts, d.lastStatus]), [['open', 1, 200], ['resolved', 1, 200]]);
      assert.equal(receiver.on('/elsewhere').length, 0, "another mission's route is not told");
    } finally {
      await first.stop();
      await second?.stop();
    }
  });

  test('a shelved alert notifies nobody while shelved; unshelving while the value is still off notifies again', async () => {
    const data = await tempDir();
    dirs.push(data);
    const orbit = await startOrbit({ dataDir: data.dir, env: ENV });
    try {
      await seedMission(orbit, 'sc-s', LIMITED);
      await routeTo(orbit, receiver, '/shelf', { missionId: 'm-sc-s' });
      assert.equal((await post(orbit, 'sc-s', 80)).status, 202);
      const opened = await eventually(async () => receiver.on('/shelf')[0], 15_000, 'the open delivery');
      const alertId = opened.body.alert.id;
      const act = (action: string, body: object) => orbit.api(`/v1/alerts/${alertId}/${action}`, { method: 'POST', json: body });
      assert.equal((await act('shelve', { by: 'ops', forSeconds: 3600 })).status, 200);
      // Back to normal and off again while shelved: stored, told to nobody.
      for (const value of [20, 90]) assert.equal((await post(orbit, 'sc-s', value)).status, 202);
      await eventually(async () => {
        const alert = await (await orbit.api(`/v1/alerts/${alertId}`)).json();
        return alert.history.filter((h: { action: string }) => h.action === 'raise').length === 2 ? true : undefined;
      }, 10_000, 'the raise while shelved stored');
      assert.equal((await act('comment', { by: 'ops', comment: 'heater cycling' })).status, 200);
      await eventually(() => settled(orbit), 10_000, 'notifier settled while shelved');
      assert.equal(receiver.on('/shelf').length, 1, 'nothing delivered while shelved');

      assert.equal((await act('unshelve', { by: 'ops' })).status, 200);
      const again = await eventually(async () => receiver.on('/shelf')[1], 15_000, 'the delivery of the unshelved alert');
      assert.deepEqual([again.body.transition.from, again.body.transition.to, again.body.alert.state], ['shelved', 'open', 'open']);
      assert.ok(again.signed);
      await eventually(() => settled(orbit), 10_000, 'notifier settled');
      assert.equal(receiver.on('/shelf').length, 2);
    } finally {
      await orbit.stop();
    }
  });

  test('a receiver answering 500 then 200 is retried and ends delivered; one always failing ends dead and dead-lettered', async () => {
    const data = await tempDir();
    dirs.push(data);
    const orbit = await startOrbit({ dataDir: data.dir, env: ENV });
    try {
      receiver.answer = (path, count) => (path === '/down' || (path === '/flaky' && count === 0) ? 500 : 200);
      await seedMission(orbit, 'sc-f', LIMITED);
      await seedMission(orbit, 'sc-d', LIMITED);
      await routeTo(orbit, receiver, '/flaky', { missionId: 'm-sc-f' });
      await routeTo(orbit, receiver, '/down', { missionId: 'm-sc-d' });
      await post(orbit, 'sc-f', 80);
      await post(orbit, 'sc-d', 80);

      const flaky = await eventually(() => firstDeliveryIn(orbit, 'sc-f', 'delivered'), 15_000, 'the flaky receiver delivered');
      assert.equal(flaky.attempts, 2);
      assert.equal(flaky.lastStatus, 200);
      const tries = receiver.on('/flaky');
      assert.equal(tries.length, 2);
      assert.equal(tries[0]!.deliveryId, tries[1]!.deliveryId, 'a retry is the same delivery');
      assert.equal(tries[0]!.raw, tries[1]!.raw, 'with the same bytes');
      assert.ok(tries.every((t) => t.signed));

      const dead = await eventually(() => firstDeliveryIn(orbit, 'sc-d', 'dead'), 15_000, 'the failing receiver dead');
      assert.equal(dead.attempts, 3);
      assert.equal(dead.lastStatus, 500);
      assert.match(dead.lastError, /receiver answered 500/);
      assert.equal(receiver.on('/down').length, 3);
      const letters = await eventually(async () => {
        const l = await (await orbit.api('/v1/queues/notifications.deliveries/dead-letters')).json();
        return l.length ? l : undefined;
      }, 5000, 'the dead letter');
      assert.equal(letters.length, 1);
      assert.equal(letters[0].body.deliveryId, dead.id);
      assert.match(letters[0].reason, /receiver answered 500/);

      const unknown = await orbit.api('/v1/alerts/no-such-alert/deliveries');
      assert.equal(unknown.status, 404);
      const bad = await orbit.api('/v1/notification-routes', { method: 'POST', json: { name: '', url: 'ftp://example.org', severities: ['loud'], secret: 'short' } });
      assert.equal(bad.status, 400);
      assert.deepEqual((await bad.json()).errors.map((e: { pointer: string }) => e.pointer).sort(), ['/name', '/secret', '/severities/0', '/url']);
    } finally {
      receiver.answer = () => 200;
      await orbit.stop();
    }
  });
});
