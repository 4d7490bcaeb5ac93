/**
 * Orbit as separate services on the real engines: the pipeline scenarios pass as they
 * do all-in-one, and with two processors and two analyzers the work is shared, nothing
 * is stored twice and one spacecraft's alerts keep their order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { archived } from '../support/archive.ts';
import { startDeployment, type Deployment } from '../support/deployment.ts';
import { eventually, metric, metricTotal, seedMission } from '../support/orbit.ts';
import { openStream } from '../support/sse.ts';
import { routeTo, WebhookReceiver } from '../support/webhook-receiver.ts';
import { pipelineScenarios } from './pipeline.scenarios.ts';

let deployment: Deployment;

async function telemetryCount(spacecraft: string): Promise<number> {
  return (await archived(deployment.env.ORBIT_SQL_URL!, spacecraft)).count;
}

pipelineScenarios(
  'separate services on real engines, end to end',
  async () => {
    deployment = await startDeployment({
      targets: { console: 1, ingest: 1, processor: 2, enricher: 1, analyzer: 2, compute: 1, notifier: 1, dashboard: 1 },
      env: { ORBIT_NOTIFY_RETRY_DELAY_MS: '200' },
    });
    return deployment;
  },
  () => {
    test('every process is ready and names the engine behind each port', async () => {
      for (const [target, list] of deployment.processes) {
        for (const p of list) {
          const ready = await p.api('/readyz');
          assert.equal(ready.status, 200, `${target}: ${await ready.text()}`);
        }
      }
      const [processor] = deployment.processes.get('processor')!;
      const opened = processor.logs.filter((l) => /(task queue|event log|relational store) open/.test(l)).map((l) => JSON.parse(l).engine);
      assert.deepEqual(opened.sort(), ['kafka', 'postgresql', 'rabbitmq'].sort(), 'the processor runs on the real engines');
    });

    test('two processors and two analyzers share the work; every reading is stored once; alerts keep their order', async () => {
      const total = (target: string, name: string) => metricTotal(deployment.processes.get(target)!, name);
      const before = { processed: await total('processor', 'orbit_processor_readings_total'), analyzed: await total('analyzer', 'orbit_analyzer_readings_total') };
      const fleet = Array.from({ length: 8 }, (_, i) => `share-${i}`);
      for (const id of fleet) await seedMission(deployment, id, { temp: { type: 'number', limits: { redHigh: 100, yellowHigh: 80 } } });
      const stream = await openStream(`${deployment.url}/v1/stream`);
      const t0 = Date.parse('2026-11-27T12:00:00Z');
      let posted = 0;
      // Each spacecraft goes high, back to normal, high again and normal: two alerts, each opened then resolved.
      const shape = [50, 150, 50, 50, 150, 50];
      for (let step = 0; step < shape.length; step += 1) {
        await Promise.all(
          fleet.map(async (spacecraft) => {
            const readings = Array.from({ length: 50 }, (_, i) => ({ channel: 'temp', time: t0 + step * 60_000 + i * 1000, value: i === 49 ? shape[step] : 50 }));
            const res = await deployment.api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings } });
            assert.equal(res.status, 202, await res.text());
            posted += readings.length;
          }),
        );
        // Steps go in order, as a spacecraft sends them; batches of different spacecraft race.
        await eventually(async () => ((await total('processor', 'orbit_processor_readings_total')) - before.processed >= posted ? true : undefined), 15_000, `step ${step} stored`);
      }

      assert.equal((await total('processor', 'orbit_processor_readings_total')) - before.processed, posted, 'each batch was processed by exactly one processor');
      const processed = await Promise.all(deployment.processes.get('processor')!.map((p) => metric(p.url, 'orbit_processor_readings_total')));
      assert.ok(processed.every((n) => n > 0), `both processors took work: ${processed.join(', ')}`);
      await eventually(async () => ((await total('analyzer', 'orbit_analyzer_readings_total')) - before.analyzed >= posted ? true : undefined), 15_000, 'every reading analyzed');
      assert.equal((await total('analyzer', 'orbit_analyzer_readings_total')) - before.analyzed, posted, 'each batch was analyzed once');
      const analyzed = await Promise.all(deployment.processes.get('analyzer')!.map((p) => metric(p.url, 'orbit_analyzer_readings_total')));
      assert.ok(analyzed.every((n) => n > 0), `both analyzers took partitions: ${analyzed.join(', ')}`);

      assert.equal((await archived(deployment.env.ORBIT_SQL_URL!, 'share-%')).count, posted, 'every posted reading is in the store');

      for (const spacecraft of fleet) {
        const alerts = await eventually(async () => {
          const list = await (await deployment.api(`/v1/alerts?spacecraft=${spacecraft}`)).json();
          return list.length === 2 && list.every((a: { state: string }) => a.state === 'resolved') ? list : undefined;
        }, 15_000, `${spacecraft}: two resolved alerts`);
        assert.deepEqual(alerts.map((a: { value: number }) => a.value), [150, 150]);
        // The stream carries each spacecraft's transitions in the order they happened.
        const transitions = () =>
          stream.events
            .filter((e) => e.event === 'alert' && (e.data as { spacecraft: string }).spacecraft === spacecraft)
            .map((e) => `${(e.data as { id: string }).id}:${(e.data as { transition: { to: string } }).transition.to}`);
        await eventually(async () => (transitions().length >= 4 ? true : undefined), 10_000, `${spacecraft}: four alert events`);
        const [second, first] = alerts;
        assert.deepEqual(transitions(), [`${first.id}:open`, `${first.id}:resolved`, `${second.id}:open`, `${second.id}:resolved`]);
      }
      stream.close();
    });

    test('one spacecraft\'s batches raced by two processors: its alert events follow the stored history, one active alert at a time', async () => {
      const analyzed = () => metricTotal(deployment.processes.get('analyzer')!, 'orbit_analyzer_readings_total');
      const before = await analyzed();
      const fleet = Array.from({ length: 4 }, (_, i) => `race-${i}`);
      for (const id of fleet) await seedMission(deployment, id, { temp: { type: 'number', limits: { redHigh: 100, yellowHigh: 80 } } });
      const stream = await openStream(`${deployment.url}/v1/stream`);
      const t0 = Date.parse('2026-11-27T13:00:00Z');
      const shape = [150, 50, 150, 90, 50, 150, 50, 150];
      // Every batch of every spacecraft at once: the processors take one spacecraft's batches
      // in parallel and the analyzers see many of its readings late.
      await Promise.all(
        fleet.flatMap((spacecraft) =>
          shape.map(async (value, step) => {
            const readings = Array.from({ length: 20 }, (_, i) => ({ channel: 'temp', time: t0 + step * 60_000 + i * 1000, value: i === 19 ? value : 50 }));
            const res = await deployment.api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings } });
            assert.equal(res.status, 202, await res.text());
          }),
        ),
      );

      await eventually(async () => ((await analyzed()) - before >= fleet.length * shape.length * 20 ? true : undefined), 20_000, 'every reading analyzed');
      type StreamedAlert = { id: string; spacecraft: string; transition: { from: string | null; to: string; at: string } };
      for (const spacecraft of fleet) {
        const history = await eventually(async () => {
          const list: { id: string }[] = await (await deployment.api(`/v1/alerts?spacecraft=${spacecraft}`)).json();
          const alerts = await Promise.all(list.map(async (a) => (await deployment.api(`/v1/alerts/${a.id}`)).json()));
          const transitions = alerts.flatMap((a: { id: string; history: { to: string; at: string }[] }) => a.history.map((h) => `${a.id}:${h.to}@${h.at}`));
          const streamed = stream.events.filter((e) => e.event === 'alert' && (e.data as StreamedAlert).spacecraft === spacecraft);
          return transitions.length > 0 && streamed.length >= transitions.length ? { alerts, transitions } : undefined;
        }, 10_000, `${spacecraft}: every stored transition streamed`);
        assert.equal(await telemetryCount(spacecraft), shape.length * 20);
        const streamed = stream.events
          .filter((e) => e.event === 'alert' && (e.data as StreamedAlert).spacecraft === spacecraft)
          .map((e) => e.data as StreamedAlert);

        // Each stored transition is streamed once, and one alert's transitions in the order stored.
        assert.deepEqual(streamed.map((e) => `${e.id}:${e.transition.to}@${e.transition.at}`).sort(), [...history.transitions].sort());
        for (const alert of history.alerts as { id: string; history: { to: string }[] }[]) {
          assert.deepEqual(streamed.filter((e) => e.id === alert.id).map((e) => e.transition.to), alert.history.map((h) => h.to), `${spacecraft}: alert ${alert.id}`);
        }
        // In stream order a channel never has two alerts of one rule active at once.
        let active: string | undefined;
        for (const e of streamed) {
          if (e.transition.from === null) {
            assert.equal(active, undefined, `${spacecraft}: ${e.id} opened while ${active} was still active`);
            active = e.id;
          } else {
            assert.equal(e.id, active, `${spacecraft}: an event for ${e.id} while ${active} was the active alert`);
            if (e.transition.to === 'resolved') active = undefined;
          }
        }
      }
      stream.close();
    });

    test('the notifier on the real engines: one signed delivery per transition, a failed try retried through RabbitMQ', async () => {
      const receiver = new WebhookReceiver();
      await receiver.start();
      try {
        // The first try fails: the retry comes back from RabbitMQ's delayed queue.
        receiver.answer = (_path, count) => (count === 0 ? 500 : 200);
        await seedMission(deployment, 'notify-1', { temp: { type: 'number', limits: { redHigh: 100 } } });
        await routeTo(deployment, receiver, '/hook', { missionId: 'm-notify-1' });
        const t0 = Date.now();
        for (const [i, value] of [150, 50].entries()) {
          const res = await deployment.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'notify-1', readings: [{ channel: 'temp', time: t0 + i * 1000, value }] } });
          assert.equal(res.status, 202);
        }
        const alert = await eventually(async () => {
          const [a] = await (await deployment.api('/v1/alerts?spacecraft=notify-1')).json();
          return a?.state === 'resolved' ? a : undefined;
        // Generous: under a loaded machine the first batch of a new mission crosses four processes and two engines.
        }, 45_000, 'the alert opened and resolved');
        const log = await eventually(async () => {
          const l = await (await deployment.api(`/v1/alerts/${alert.id}/deliveries`)).json();
          return l.length === 2 && l.every((d: { state: string }) => d.state === 'delivered') ? l : undefined;
        }, 45_000, 'both transitions delivered');
        assert.deepEqual(log.map((d: { transition: { to: string } }) => d.transition.to).sort(), ['open', 'resolved']);
        const got = receiver.on('/hook');
        assert.ok(got.every((r) => r.signed), 'every try is signed');
        // One try failed and was repeated; every delivery reached the receiver, none beyond its retry.
        assert.deepEqual(new Set(got.map((r) => r.deliveryId)), new Set(log.map((d: { id: string }) => d.id)));
        assert.equal(got.length, 3);
        assert.equal(log.reduce((n: number, d: { attempts: number }) => n + d.attempts, 0), 3);
      } finally {
        await receiver.close();
      }
    });
  },
);
