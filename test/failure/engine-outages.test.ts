/**
 * Engine outages, on the real engines, which these tests stop and start: run on their
 * own (`npm run test:failure`), never beside other tests that use the engines.
 *
 * A target started before its engines waits for them without exiting; restarting
 * RabbitMQ, then Kafka, then PostgreSQL under a sustained load loses no accepted
 * reading, stores none twice and misses no alert.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { down, up } from '../../ops/engines/engines.ts';
import { archived } from '../support/archive.ts';
import { startDeployment, type Deployment } from '../support/deployment.ts';
import { eventually, seedMission, startOrbit, tempDir } from '../support/orbit.ts';
import { openStream } from '../support/sse.ts';
import { sleep } from '../support/wait.ts';


describe('engine outages', { concurrency: 1 }, () => {
  // Whatever happens, leave every engine running for the next test.
  after(() => up().then(() => undefined));

  test('a processor started while RabbitMQ and PostgreSQL are down waits with backoff, is not ready, and becomes ready when they are up', async () => {
    const deployment = await startDeployment({ targets: {} });
    const data = await tempDir();
    let processor: Awaited<ReturnType<typeof startOrbit>> | undefined;
    try {
      await down(['rabbitmq', 'postgres']);
      processor = await startOrbit({ dataDir: data.dir, args: ['--target', 'processor'], env: deployment.env, until: 'probing' });
      const started = Date.now();
      while (Date.now() - started < 6000) {
        assert.equal(processor.child.exitCode, null, 'the process keeps running');
        const ready = await processor.api('/readyz');
        assert.equal(ready.status, 503);
        assert.equal((await ready.json()).status, 'not ready');
        assert.equal((await processor.api('/healthz')).status, 200, 'alive while waiting');
        const other = await processor.api('/metrics');
        assert.deepEqual([other.status, other.headers.get('content-type'), other.headers.get('retry-after')], [503, 'application/problem+json', '1']);
        assert.match((await other.json()).detail, /starting; waiting for .*sql/);
        await sleep(500);
      }
      const retries = processor.logs.filter((l) => /unreachable; retrying in \d+ ms/.test(l)).map((l) => JSON.parse(l).retryInMs as number);
      assert.ok(retries.length >= 3 && retries.length <= 20, `retries with backoff, not a tight loop: ${retries.length} in 6 s`);
      assert.ok(retries.at(-1)! > retries[0]!, `the wait grows: ${retries.join(', ')}`);

      await up(['postgres', 'rabbitmq']);
      await eventually(async () => ((await processor!.api('/readyz')).status === 200 ? true : undefined), 60_000, 'processor ready once the engines are up');
      assert.equal(processor.child.exitCode, null);
    } finally {
      await up(['postgres', 'rabbitmq']);
      await processor?.stop();
      await data.remove();
      await deployment.stop();
    }
  });

  test('restarting RabbitMQ, then Kafka, then PostgreSQL mid-run: every accepted reading is stored once and every limit violation has its alert', { timeout: 600_000 }, async (t) => {
    const deployment: Deployment = await startDeployment({ targets: { console: 1, ingest: 1, processor: 2, analyzer: 2, dashboard: 1 } });
    const stream = await openStream(`${deployment.url}/v1/stream`);
    try {
      const fleet = ['sat-a', 'sat-b', 'sat-c', 'sat-d'];
      const VIOLATIONS = 40;
      const channels: Record<string, unknown> = { level: { type: 'number', limits: { redHigh: 1000 } } };
      for (let v = 0; v < VIOLATIONS; v += 1) channels[`v${v}`] = { type: 'number', limits: { redHigh: 100 } };
      for (const id of fleet) await seedMission(deployment, id, channels);

      const accepted = new Set<string>();
      const violations = new Set<string>();
      const refused = { count: 0 };
      let running = true;
      let clock = Date.parse('2026-11-27T00:00:00Z');
      let nextViolation = 0;
      let batches = 0;
      const client = async (spacecraft: string) => {
        let pending: { readings: { channel: string; time: number; value: number }[] } | undefined;
        while (running || pending) {
          if (!pending) {
            const readings = Array.from({ length: 100 }, (_, i) => ({ channel: 'level', time: clock++, value: i }));
            // Every fifth batch carries one violation on a channel of its own: one alert each.
            if (batches++ % 5 === 0 && nextViolation < VIOLATIONS) readings.push({ channel: `v${nextViolation++}`, time: clock++, value: 150 });
            pending = { readings };
          }
          const res = await deployment.api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings: pending.readings } }).catch(() => undefined);
          await res?.text();
          if (res?.status === 202) {
            for (const r of pending.readings) {
              accepted.add(`${spacecraft}|${r.channel}|${r.time}`);
              if (r.channel !== 'level') violations.add(`${spacecraft}|${r.channel}`);
            }
            pending = undefined;
            await sleep(20);
          } else {
            // A client keeps a refused batch and sends it again later, as Retry-After asks.
            refused.count += 1;
            await sleep(500);
          }
        }
      };
      const clients = Promise.all(fleet.map(client));

      for (const engine of ['rabbitmq', 'kafka', 'postgres']) {
        await sleep(4000);
        await down([engine]);
        await sleep(3000);
        await up([engine]);
      }
      await sleep(5000);
      running = false;
      await clients;
      assert.ok(accepted.size > 5000, `a sustained run: ${accepted.size} readings accepted, ${refused.count} refusals`);
      assert.ok(violations.size >= 10, `${violations.size} violations sent`);
      t.diagnostic(`${accepted.size} readings and ${violations.size} violations accepted; ${refused.count} posts refused during the outages and sent again`);

      const sql = new pg.Client({ connectionString: deployment.env.ORBIT_SQL_URL });
      await sql.connect();
      try {
        const stored = await eventually(async () => {
          const archive = await archived(deployment.env.ORBIT_SQL_URL!);
          return archive.count >= accepted.size ? archive : undefined;
        }, 180_000, `all ${accepted.size} accepted readings stored`);
        assert.equal(stored.count, accepted.size, 'no reading stored twice, none that was not accepted');
        const storedKeys = stored.keys;
        const missing = [...accepted].filter((k) => !storedKeys.has(k));
        assert.deepEqual(missing.slice(0, 5), [], `${missing.length} accepted readings missing`);

        const alerts = await eventually(async () => {
          const { rows: list } = await sql.query<{ k: string; n: number }>(`SELECT spacecraft_id || '|' || channel AS k, count(*)::int AS n FROM alerts WHERE rule = 'limit' GROUP BY 1`);
          return list.length >= violations.size ? list : undefined;
        }, 120_000, `an alert for each of ${violations.size} violations`);
        assert.deepEqual(alerts.map((a) => a.k).sort(), [...violations].sort());
        assert.ok(alerts.every((a) => a.n === 1), 'one alert per violation');
        // And every alert reached the alerts topic, even those decided while Kafka was away.
        const opened = () =>
          stream.events
            .filter((e) => e.event === 'alert' && (e.data as { transition: { to: string } }).transition.to === 'open')
            .map((e) => `${(e.data as { spacecraft: string }).spacecraft}|${(e.data as { channel: string }).channel}`);
        await eventually(async () => (new Set(opened()).size >= violations.size ? true : undefined), 60_000, 'an open event per violation on the stream');
        assert.deepEqual([...new Set(opened())].sort(), [...violations].sort());
      } finally {
        await sql.end();
      }
    } finally {
      stream.close();
      await up();
      await deployment.stop();
    }
  });
});
