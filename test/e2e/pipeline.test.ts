import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, metric, seedMission, startOrbit, tempDir } from '../support/orbit.ts';
import { pipelineScenarios } from './pipeline.scenarios.ts';

pipelineScenarios(
  'all-in-one pipeline on embedded engines, end to end',
  async () => {
    const data = await tempDir();
    const orbit = await startOrbit({ dataDir: data.dir });
    return { url: orbit.url, api: orbit.api, stop: async () => (await orbit.stop(), await data.remove()) };
  },
  (installation) => {
    test('health, readiness, metrics and the OpenAPI document', async () => {
      assert.equal((await installation().api('/healthz')).status, 200);
      const ready = await installation().api('/readyz');
      assert.equal(ready.status, 200);
      const modules = (await ready.json()).modules.map((m: { name: string }) => m.name);
      for (const m of ['sql', 'queue', 'events', 'ingest', 'processor', 'enricher', 'analyzer', 'compute', 'dashboard', 'console', 'simulator']) assert.ok(modules.includes(m), m);
      const metrics = await (await installation().api('/metrics')).text();
      const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1]);
      const accepted = value(/^orbit_ingest_readings_total\{outcome="accepted"[^}]*\} (\d+)$/m);
      assert.equal(accepted, 19, 'every reading the tests above posted');
      // Ingest also derived 2 readings of a derived channel from them.
      assert.equal(value(/^orbit_processor_readings_total\{[^}]*\} (\d+)$/m), accepted + 2);
      assert.equal(value(/^orbit_analyzer_readings_total\{[^}]*\} (\d+)$/m), accepted + 2);
      assert.equal(value(/^orbit_queue_messages\{queue="telemetry.ingest",state="ready"[^}]*\} (\d+)$/m), 0, 'nothing left on the queue');
      assert.equal(value(/^orbit_events_consumer_lag_records\{group="analyzer",topic="telemetry.processed"[^}]*\} (\d+)$/m), 0, 'the analyzer is caught up');
      const spec = await (await installation().api('/openapi.json')).json();
      for (const p of ['/v1/missions', '/v1/spacecraft', '/v1/spacecraft/{id}/channels/{name}', '/v1/telemetry', '/v1/telemetry/aggregate', '/v1/alerts', '/v1/alerts/{id}/acknowledge', '/v1/jobs', '/v1/jobs/{id}', '/v1/stream']) {
        assert.ok(spec.paths[p], `OpenAPI documents ${p}`);
      }
      assert.equal((await installation().api('/docs')).status, 200);
    });

    test('a limit change counts for every reading posted after the PUT answered, in either direction', async () => {
      const orbit = installation();
      await seedMission(orbit, 'limits-1', { temp: { type: 'number', unit: 'degC', limits: { yellowHigh: 90, redHigh: 100 } } });
      const t0 = Date.parse('2026-11-28T10:00:00Z');
      const post = async (i: number, value: number) => {
        const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'limits-1', readings: [{ channel: 'temp', time: t0 + i * 1000, value }] } });
        assert.equal(res.status, 202, await res.text());
      };
      const openAlerts = async () => (await orbit.api('/v1/alerts?state=open&spacecraft=limits-1')).json();
      const analyzed = async (n: number) => eventually(async () => ((await metric(orbit.url, 'orbit_analyzer_readings_total')) >= n ? true : undefined), 5000, `${n} readings analyzed`);

      // Every stage has now seen the channel at its first definition.
      const before = await metric(orbit.url, 'orbit_analyzer_readings_total');
      await post(0, 45);
      await analyzed(before + 1);
      assert.deepEqual(await openAlerts(), []);

      const tighter = await orbit.api('/v1/spacecraft/limits-1/channels/temp', { method: 'PUT', json: { type: 'number', unit: 'degC', limits: { yellowHigh: 40, redHigh: 100 } } });
      assert.equal(tighter.status, 200);
      await post(1, 45);
      const [alert] = await eventually(async () => ((await openAlerts()).length ? openAlerts() : undefined), 5000, 'alert under the new limit');
      assert.deepEqual([alert.rule, alert.severity, alert.threshold, alert.value], ['limit', 'warning', 40, 45]);

      const looser = await orbit.api('/v1/spacecraft/limits-1/channels/temp', { method: 'PUT', json: { type: 'number', unit: 'degC', limits: { yellowHigh: 90, redHigh: 100 } } });
      assert.equal(looser.status, 200);
      await post(2, 45);
      const resolved = await eventually(async () => {
        const a = await (await orbit.api(`/v1/alerts/${alert.id}`)).json();
        return a.state === 'resolved' ? a : undefined;
      }, 5000, 'alert resolved under the restored limit');
      assert.deepEqual(resolved.history.map((h: { to: string }) => h.to), ['open', 'resolved']);
    });
  },
);
