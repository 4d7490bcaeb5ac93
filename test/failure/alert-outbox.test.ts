/**
 * Alert events outlive the analyzer that stored them, on the real engines (which this test
 * stops and starts: run it on its own). Kafka is stopped, operators act on alerts and
 * channels fall silent, so transitions are stored while their events cannot be sent; the
 * analyzer is killed with SIGKILL; Kafka and a new analyzer come back: every transition
 * reaches the `alerts` topic exactly once, in order per spacecraft.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { down, up } from '../../ops/engines/engines.ts';
import { assertAlertsTopicMatchesHistory, outboxPending } from '../support/alert-topic.ts';
import { startDeployment } from '../support/deployment.ts';
import { eventually, metric, seedMission } from '../support/orbit.ts';

// Whatever happens, leave every engine running for the next test.
after(() => up().then(() => undefined));

test('an analyzer killed during a Kafka outage loses no alert event and its successor sends none twice', { timeout: 600_000 }, async (t) => {
  const deployment = await startDeployment({ targets: { console: 1, ingest: 1, processor: 1, analyzer: 1 } });
  try {
    const fleet = ['sat-a', 'sat-b'];
    const T = Date.now();
    for (const sc of fleet) {
      await seedMission(deployment, sc, { temp: { type: 'number', limits: { yellowHigh: 90, redHigh: 100 } }, beat: { type: 'number', staleAfterSeconds: 3 } });
      const res = await deployment.api('/v1/telemetry', { method: 'POST', json: { spacecraft: sc, readings: [{ channel: 'temp', time: T, value: 95 }, { channel: 'beat', time: T, value: 1 }] } });
      assert.equal(res.status, 202, await res.text());
    }
    const alertOf = (sc: string, rule: string) => eventually(async () => {
      const list = await (await deployment.api(`/v1/alerts?spacecraft=${sc}`)).json() as { id: string; rule: string; state: string }[];
      return list.find((a) => a.rule === rule && a.state !== 'resolved');
    }, 120_000, `a ${rule} alert of ${sc}`);
    const limitAlerts = await Promise.all(fleet.map((sc) => alertOf(sc, 'limit')));
    await eventually(async () => ((await outboxPending(deployment.env.ORBIT_SQL_URL!)) === 0 ? true : undefined), 60_000, 'the first events sent');

    await down(['kafka']);
    for (const alert of limitAlerts) {
      for (const [verb, body] of [['acknowledge', { by: 'flight-director' }], ['comment', { by: 'thermal', comment: 'heater stuck on' }], ['assign', { by: 'lead', to: 'thermal' }]] as const) {
        const res = await deployment.api(`/v1/alerts/${alert.id}/${verb}`, { method: 'POST', json: body });
        assert.equal(res.status, 200, `${verb} answered while Kafka is away: ${await res.text()}`);
      }
    }
    // The heartbeat channels fall silent while Kafka is away: the analyzer's clock raises their stale alerts.
    await Promise.all(fleet.map((sc) => alertOf(sc, 'stale')));
    const waiting = await outboxPending(deployment.env.ORBIT_SQL_URL!);
    assert.ok(waiting >= fleet.length * 4, `the outage's transitions wait in the outbox: ${waiting}`);
    // What an SRE sees: the backlog and its age on the analyzer's metrics.
    const [analyzer] = deployment.processes.get('analyzer')!.splice(0, 1);
    assert.equal(await metric(analyzer!.url, 'orbit_alert_outbox_pending'), waiting);
    assert.ok(await metric(analyzer!.url, 'orbit_alert_outbox_oldest_pending_seconds') > 0, 'the oldest waiting event has an age');

    analyzer!.child.kill('SIGKILL');
    assert.equal(await analyzer!.exited, 'SIGKILL');
    await up(['kafka']);
    await deployment.add('analyzer');
    // And after the restart, readings resolve the alerts: more transitions, sent by the new analyzer behind the old ones.
    for (const sc of fleet) {
      const now = Date.now();
      const res = await deployment.api('/v1/telemetry', { method: 'POST', json: { spacecraft: sc, readings: [{ channel: 'temp', time: now, value: 20 }, { channel: 'beat', time: now, value: 2 }] } });
      assert.equal(res.status, 202, await res.text());
    }
    await eventually(async () => {
      const list = await (await deployment.api('/v1/alerts?state=resolved')).json() as unknown[];
      return list.length >= fleet.length * 2 && (await outboxPending(deployment.env.ORBIT_SQL_URL!)) === 0 ? true : undefined;
    }, 180_000, 'the alerts resolved and the outbox empty');

    const sent = await assertAlertsTopicMatchesHistory(deployment.env);
    t.diagnostic(`${waiting} events waited through the outage and the kill`);
    for (const sc of fleet) {
      // raise, acknowledge, comment, assign, the stale raise, then both resolutions.
      assert.deepEqual(sent.get(sc)!.map((e) => e.split('|')[1]).sort(), ['acknowledge', 'assign', 'comment', 'raise', 'raise', 'resolve', 'resolve'], sc);
    }
  } finally {
    await up();
    await deployment.stop();
  }
});
