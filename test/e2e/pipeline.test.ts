import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrbit, tempDir } from '../support/orbit.ts';
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
      assert.equal(accepted, 11, 'every reading the tests above posted');
      assert.equal(value(/^orbit_processor_readings_total\{[^}]*\} (\d+)$/m), accepted);
      assert.equal(value(/^orbit_analyzer_readings_total\{[^}]*\} (\d+)$/m), accepted);
      assert.equal(value(/^orbit_queue_messages\{queue="telemetry.ingest",state="ready"[^}]*\} (\d+)$/m), 0, 'nothing left on the queue');
      assert.equal(value(/^orbit_events_consumer_lag_records\{group="analyzer",topic="telemetry.processed"[^}]*\} (\d+)$/m), 0, 'the analyzer is caught up');
      const spec = await (await installation().api('/openapi.json')).json();
      for (const p of ['/v1/missions', '/v1/spacecraft', '/v1/spacecraft/{id}/channels/{name}', '/v1/telemetry', '/v1/telemetry/aggregate', '/v1/alerts', '/v1/alerts/{id}/acknowledge', '/v1/jobs', '/v1/jobs/{id}', '/v1/stream']) {
        assert.ok(spec.paths[p], `OpenAPI documents ${p}`);
      }
      assert.equal((await installation().api('/docs')).status, 200);
    });
  },
);
