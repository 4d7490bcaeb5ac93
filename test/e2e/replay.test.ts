/**
 * `orbit replay`: stored telemetry fed to the analyzer again after a limit change raises
 * the alerts the new limits call for; the enricher rebuilds its documents. On embedded
 * engines it runs while Orbit is stopped, and refuses while Orbit holds the data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { metric, startOrbit, tempDir } from '../support/orbit.ts';
import { until } from '../support/wait.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const orbitCli = async (args: string[], dataDir: string) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(path.join(ROOT, 'bin/orbit'), args, { env: { PATH: process.env.PATH, ORBIT_DATA_DIR: dataDir, ORBIT_LOG_LEVEL: 'warn' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

test('replay re-runs detection over stored telemetry after a limit change', async () => {
  const { dir, remove } = await tempDir('orbit-replay-');
  try {
    const T0 = Date.now() - 60_000;
    // Replay selects by when the telemetry was processed: the time of its record on the event log.
    const posted = Date.now();
    let orbit = await startOrbit({ dataDir: dir });
    await orbit.api('/v1/missions', { method: 'POST', json: { id: 'm-replay', name: 'Replay' } });
    await orbit.api('/v1/spacecraft', { method: 'POST', json: { id: 'rp-1', missionId: 'm-replay', name: 'RP 1' } });
    await orbit.api('/v1/spacecraft/rp-1/channels/temp', { method: 'PUT', json: { type: 'number', unit: 'C' } });
    const readings = [20, 95, 97, 30].map((value, i) => ({ channel: 'temp', time: T0 + i * 1000, value }));
    assert.equal((await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'rp-1', readings } })).status, 202);
    await until(async () => assert.equal((await (await orbit.api('/v1/telemetry?spacecraft=rp-1&channel=temp')).json()).points.length, 4), 15_000);
    // The analyzer too must be done with the batch: one it had not taken yet when Orbit stopped would be analyzed again after the restart, under the new limits.
    await until(async () => assert.equal(await metric(orbit.url, 'orbit_analyzer_readings_total'), 4), 15_000);
    const processed = Date.now() + 1;
    // Without limits nothing was raised; now the channel gets some.
    assert.deepEqual(await (await orbit.api('/v1/alerts?spacecraft=rp-1')).json(), []);
    assert.equal((await orbit.api('/v1/spacecraft/rp-1/channels/temp', { method: 'PUT', json: { type: 'number', unit: 'C', limits: { yellowHigh: 80, redHigh: 90 } } })).status, 200);

    const busy = await orbitCli(['replay', '--from', new Date(posted).toISOString(), '--target', 'analyzer'], dir);
    assert.notEqual(busy.code, 0, 'replay must not open the embedded engines under a running Orbit');
    assert.match(busy.stderr, /in use by another Orbit process/);
    assert.equal(await orbit.stop(), 0);

    const replayed = await orbitCli(['replay', '--from', String(posted), '--to', String(processed), '--target', 'analyzer'], dir);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, /replayed 1 batches \(4 readings\) to the analyzer/);
    const enriched = await orbitCli(['replay', '--from', String(posted), '--target', 'enricher'], dir);
    assert.equal(enriched.code, 0, enriched.stderr);
    assert.match(enriched.stdout, /replayed 1 batches \(4 readings\) to the enricher/);
    const none = await orbitCli(['replay', '--from', String(processed + 3_600_000), '--target', 'analyzer'], dir);
    assert.match(none.stdout, /replayed 0 batches \(0 readings\)/);

    orbit = await startOrbit({ dataDir: dir });
    try {
      const alerts = await (await orbit.api('/v1/alerts?spacecraft=rp-1')).json();
      assert.equal(alerts.length, 1, JSON.stringify(alerts));
      // 95 opened it as critical, 97 kept it, 30 resolved it: the lifecycle as if the limits had always been there.
      assert.equal(alerts[0].rule, 'limit');
      assert.equal(alerts[0].severity, 'critical');
      assert.equal(alerts[0].value, 95, 'a resolved alert keeps the value that raised it');
      assert.equal(alerts[0].state, 'resolved');
      const history = (await (await orbit.api(`/v1/alerts/${alerts[0].id}`)).json()).history;
      assert.deepEqual(history.map((h: { to: string }) => h.to), ['open', 'resolved']);
    } finally {
      await orbit.stop();
    }
  } finally {
    await remove();
  }
});

test('replay refuses a bad target or time with a message', async () => {
  const { dir, remove } = await tempDir('orbit-replay-');
  try {
    const target = await orbitCli(['replay', '--from', '2026-01-01T00:00:00Z', '--target', 'dashboard'], dir);
    assert.equal(target.code, 2);
    assert.match(target.stderr, /replay needs --target analyzer\|enricher/);
    const time = await orbitCli(['replay', '--from', 'yesterday', '--target', 'analyzer'], dir);
    assert.equal(time.code, 2);
    assert.match(time.stderr, /--from TIME/);
    const order = await orbitCli(['replay', '--from', '2000', '--to', '1000', '--target', 'analyzer'], dir);
    assert.equal(order.code, 2);
    assert.match(order.stderr, /--to must be a time after --from/);
  } finally {
    await remove();
  }
});
