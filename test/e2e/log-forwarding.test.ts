/**
 * Orbit's own log lines forwarded while it runs: to VictoriaLogs through Loki's push API
 * (from `.engines/env`; this test fails without it), to a json_lines TCP receiver standing
 * in for Logstash, to both at once, and to neither when both are away.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, metric, startOrbit, tempDir } from '../support/orbit.ts';
import { realBackend } from '../support/engines.ts';
import { jsonLinesReceiver } from '../support/json-lines-receiver.ts';
import { freePort } from '../support/net.ts';

/** Log lines VictoriaLogs holds for the given stream labels, found through LogsQL. */
async function victoriaLogs(lokiUrl: string, labels: Record<string, string>): Promise<Record<string, string>[]> {
  const base = new URL(lokiUrl);
  const selector = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
  const response = await fetch(`${base.origin}/select/logsql/query`, { method: 'POST', body: new URLSearchParams({ query: `_stream:{${selector}}`, limit: '1000' }) });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

const serviceName = () => `orbit-e2e-${randomBytes(4).toString('hex')}`;

describe('log forwarding', { timeout: 180_000 }, () => {
  test('to Loki: lines are found in VictoriaLogs by service, target and level, up to the last one at stop', async () => {
    const lokiUrl = realBackend('ORBIT_LOKI_URL');
    const service = serviceName();
    const { dir, remove } = await tempDir();
    const orbit = await startOrbit({ dataDir: dir, env: { ORBIT_LOKI_URL: lokiUrl, OTEL_SERVICE_NAME: service } });
    try {
      const started = await eventually(async () => {
        const lines = await victoriaLogs(lokiUrl, { service, target: 'all', level: 'info' });
        return lines.find((l) => /listening on/.test(l.msg ?? '')) ? lines : undefined;
      }, 30_000, 'the start-up line in VictoriaLogs');
      const line = started.find((l) => /listening on/.test(l.msg ?? ''))!;
      assert.equal(line.target, 'all');
      assert.equal(line.level, 'info');
      assert.match(line._stream!, new RegExp(`service="${service}"`));
      assert.ok(await metric(orbit.url, 'orbit_log_forward_sent_total') > 0);
    } finally {
      assert.equal(await orbit.stop(), 0);
      await remove();
    }
    // The last lines go in the final flush at stop.
    await eventually(async () => ((await victoriaLogs(lokiUrl, { service, target: 'all', level: 'info' })).some((l) => l.msg === 'stopped') ? true : undefined), 30_000, 'the "stopped" line in VictoriaLogs');
  });

  test('to Logstash: every line arrives as a JSON object with @timestamp, message, level, service and target', async () => {
    const receiver = await jsonLinesReceiver();
    const service = serviceName();
    const { dir, remove } = await tempDir();
    const orbit = await startOrbit({ dataDir: dir, env: { ORBIT_LOGSTASH_URL: receiver.url, OTEL_SERVICE_NAME: service } });
    try {
      const line = await eventually(async () => receiver.received.find((r) => /listening on/.test(String(r.message))), 30_000, 'the start-up line at the receiver');
      assert.equal(line.service, service);
      assert.equal(line.target, 'all');
      assert.equal(line.level, 'info');
      assert.ok(!Number.isNaN(Date.parse(String(line['@timestamp']))) && String(line['@timestamp']).endsWith('Z'));
      assert.equal(typeof line.url, 'string', 'the other fields come along');
      assert.ok(!('pid' in line) && !('msg' in line) && !('time' in line));
      assert.ok(await metric(orbit.url, 'orbit_log_forward_sent_total') > 0);
    } finally {
      assert.equal(await orbit.stop(), 0);
      await receiver.stop();
      await remove();
    }
    assert.deepEqual(receiver.bad, [], 'every line is JSON');
    assert.ok(receiver.received.some((r) => r.message === 'stopped'), 'the final flush at stop');
    assert.ok(receiver.received.every((r) => r.service === service && r.target === 'all' && typeof r.level === 'string' && typeof r['@timestamp'] === 'string'));
  });

  test('to both at once: the same lines reach each', async () => {
    const lokiUrl = realBackend('ORBIT_LOKI_URL');
    const receiver = await jsonLinesReceiver();
    const service = serviceName();
    const { dir, remove } = await tempDir();
    const orbit = await startOrbit({ dataDir: dir, env: { ORBIT_LOKI_URL: lokiUrl, ORBIT_LOGSTASH_URL: receiver.url, OTEL_SERVICE_NAME: service } });
    try {
      await eventually(async () => receiver.received.find((r) => /listening on/.test(String(r.message))), 30_000, 'the start-up line at the receiver');
      await eventually(async () => (await victoriaLogs(lokiUrl, { service, target: 'all', level: 'info' })).find((l) => /listening on/.test(l.msg ?? '')), 30_000, 'the start-up line in VictoriaLogs');
      const text = await (await fetch(`${orbit.url}/metrics`)).text();
      for (const backend of ['loki', 'logstash']) {
        assert.match(text, new RegExp(`^orbit_log_forward_sent_total\\{backend="${backend}"[^}]*\\} [1-9]`, 'm'));
        assert.match(text, new RegExp(`^orbit_log_forward_dropped_total\\{backend="${backend}",reason="overflow"[^}]*\\} 0`, 'm'));
      }
    } finally {
      assert.equal(await orbit.stop(), 0);
      await receiver.stop();
      await remove();
    }
  });

  test('with both backends away, Orbit starts, serves and stops promptly all the same', async () => {
    const { dir, remove } = await tempDir();
    const orbit = await startOrbit({ dataDir: dir, env: { ORBIT_LOKI_URL: `http://127.0.0.1:${await freePort()}`, ORBIT_LOGSTASH_URL: `tcp://127.0.0.1:${await freePort()}` } });
    try {
      assert.equal((await orbit.api('/healthz')).status, 200);
      // Reported once, as a warning, not once per retry.
      await eventually(async () => (orbit.logs.filter((l) => /log forwarding to .* failing/.test(l)).length >= 2 ? true : undefined), 20_000, 'the warnings');
      const text = await (await fetch(`${orbit.url}/metrics`)).text();
      assert.match(text, /^orbit_log_forward_buffered_entries\{backend="loki"[^}]*\} [1-9]/m);
    } finally {
      const began = Date.now();
      assert.equal(await orbit.stop(), 0);
      assert.ok(Date.now() - began < 15_000, `stop took ${Date.now() - began} ms`);
      await remove();
    }
    assert.equal(orbit.logs.filter((l) => /log forwarding to Loki .* failing/.test(l)).length, 1);
  });
});
