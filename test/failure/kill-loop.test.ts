/**
 * kill -9 under load, on the real engines: while clients post batches, processors and
 * analyzers are killed with SIGKILL in turn and started again. Then every reading answered
 * 202 is stored exactly once, every alert event reached the `alerts` topic exactly once in
 * order, and the stored alert history is what replaying the stored readings through a
 * fresh Orbit produces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresStore } from '../../src/engines/sql/postgres.ts';
import { TelemetryStore } from '../../src/stores/telemetry/store.ts';
import { archived } from '../support/archive.ts';
import { assertAlertsTopicMatchesHistory, outboxPending } from '../support/alert-topic.ts';
import { startDeployment, type Deployment } from '../support/deployment.ts';
import { eventually, seedMission, startOrbit, tempDir, type ApiResponse } from '../support/orbit.ts';
import { sleep } from '../support/wait.ts';

type Api = (pathname: string, init?: RequestInit & { json?: unknown }) => Promise<ApiResponse>;

const FLEET = ['sat-a', 'sat-b', 'sat-c'];
const VIOLATIONS = 30;
const CHANNELS: Record<string, unknown> = { level: { type: 'number', limits: { redHigh: 1000 } } };
// Each violation on a channel of its own: one alert each, whatever order processors deliver batches in.
for (let v = 0; v < VIOLATIONS; v += 1) CHANNELS[`v${v}`] = { type: 'number', limits: { yellowHigh: 100, redHigh: 200 } };

/** Every alert with its history, as `spacecraft|channel|rule` then its transitions, sorted. */
async function alertHistories(api: Api): Promise<string[]> {
  const out: string[] = [];
  for (const sc of FLEET) {
    const list = await (await api(`/v1/alerts?spacecraft=${sc}&limit=1000`)).json() as { id: string }[];
    for (const { id } of list) {
      const a = await (await api(`/v1/alerts/${id}`)).json() as { spacecraft: string; channel: string; rule: string; history: { from: string | null; to: string; action?: string; severity: string; value: number | null; at: string }[] };
      out.push(`${a.spacecraft}|${a.channel}|${a.rule}: ${a.history.map((h) => `${h.from ?? '-'}>${h.to} ${h.action} ${h.severity} ${h.value} ${h.at}`).join(', ')}`);
    }
  }
  return out.sort();
}

/** The readings PostgreSQL stored, per spacecraft in time order. */
async function storedReadings(url: string): Promise<Map<string, { channel: string; time: number; value: number }[]>> {
  const sql = await PostgresStore.open(url);
  try {
    const telemetry = new TelemetryStore(sql);
    const bySpacecraft = new Map<string, { channel: string; time: number; value: number }[]>();
    for (const sc of FLEET) {
      const readings: { channel: string; time: number; value: number }[] = [];
      for (const channel of Object.keys(CHANNELS)) {
        for await (const s of telemetry.columns({ spacecraft: sc, channel }, 'number')) {
          for (let i = 0; i < s.times.length; i++) readings.push({ channel, time: s.times[i]!, value: s.raws[i] as number });
        }
      }
      bySpacecraft.set(sc, readings.sort((a, b) => a.time - b.time));
    }
    return bySpacecraft;
  } finally {
    await sql.close();
  }
}

test('killing processors and analyzers with SIGKILL under load loses no accepted reading, stores none twice, and leaves the alert history a replay produces', { timeout: 600_000 }, async (t) => {
  const started = Date.now();
  const deployment: Deployment = await startDeployment({ targets: { console: 1, ingest: 1, processor: 2, analyzer: 2 } });
  try {
    for (const sc of FLEET) await seedMission(deployment, sc, CHANNELS);
    t.diagnostic(`deployment up in ${Math.round((Date.now() - started) / 1000)} s`);

    const accepted = new Set<string>();
    const violations = new Set<string>();
    let refused = 0;
    let running = true;
    let clock = Date.parse('2026-12-01T00:00:00Z');
    let nextViolation = 0;
    // Violations spread over the whole run, so that alerts are decided while analyzers die.
    let violationDue = Date.now();
    const client = async (spacecraft: string) => {
      let pending: { channel: string; time: number; value: number }[] | undefined;
      while (running || pending) {
        if (!pending) {
          pending = Array.from({ length: 50 }, (_, i) => ({ channel: 'level', time: clock++, value: i }));
          if (Date.now() >= violationDue && nextViolation < VIOLATIONS) {
            violationDue = Date.now() + 1500;
            pending.push({ channel: `v${nextViolation++}`, time: clock++, value: 150 });
          }
        }
        const res = await deployment.api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings: pending } }).catch(() => undefined);
        await res?.text();
        if (res?.status === 202) {
          for (const r of pending) {
            accepted.add(`${spacecraft}|${r.channel}|${r.time}`);
            if (r.channel !== 'level') violations.add(`${spacecraft}|${r.channel}`);
          }
          pending = undefined;
          await sleep(30);
        } else {
          refused += 1;
          await sleep(500);
        }
      }
    };
    const clients = Promise.all(FLEET.map(client));

    // Kill one process at a time, a processor then an analyzer, and start its replacement.
    const kills: string[] = [];
    for (let round = 0; round < 6; round += 1) {
      await sleep(6000);
      const target = round % 2 === 0 ? 'processor' : 'analyzer';
      const list = deployment.processes.get(target)!;
      const [victim] = list.splice(0, 1);
      victim!.child.kill('SIGKILL');
      await victim!.exited;
      kills.push(target);
      await deployment.add(target);
    }
    await sleep(3000);
    running = false;
    await clients;
    t.diagnostic(`${accepted.size} readings and ${violations.size} violations accepted, ${refused} posts refused and sent again, ${kills.length} kills (${kills.join(', ')})`);
    assert.ok(accepted.size > 3000, `a sustained load: ${accepted.size} readings`);
    assert.ok(violations.size >= 20, `violations all through the run: ${violations.size}`);

    const url = deployment.env.ORBIT_SQL_URL!;
    const stored = await eventually(async () => {
      const archive = await archived(url);
      return archive.count >= accepted.size ? archive : undefined;
    }, 120_000, `all ${accepted.size} accepted readings stored`);
    assert.equal(stored.count, accepted.size, 'no reading stored twice, none that was not accepted');
    const missing = [...accepted].filter((k) => !stored.keys.has(k));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} accepted readings missing`);

    const histories = await eventually(async () => {
      const h = await alertHistories(deployment.api);
      return h.length >= violations.size && (await outboxPending(url)) === 0 ? h : undefined;
    }, 120_000, `an alert for each of ${violations.size} violations, and the outbox sent`);
    assert.deepEqual(histories.map((h) => h.slice(0, h.indexOf(':'))), [...violations].map((v) => `${v}|limit`).sort(), 'one alert per violation');
    await assertAlertsTopicMatchesHistory(deployment.env);

    // Replay: the stored readings, in time order, through a fresh Orbit on its own engines.
    const data = await tempDir();
    const fresh = await startOrbit({ dataDir: data.dir, timeoutMs: 60_000 });
    try {
      for (const sc of FLEET) await seedMission(fresh, sc, CHANNELS);
      for (const [sc, readings] of await storedReadings(url)) {
        for (let i = 0; i < readings.length; i += 1000) {
          const res = await fresh.api('/v1/telemetry', { method: 'POST', json: { spacecraft: sc, readings: readings.slice(i, i + 1000) } });
          assert.equal(res.status, 202, await res.text());
        }
      }
      const replayed = await eventually(async () => {
        const h = await alertHistories(fresh.api);
        return h.length >= histories.length ? h : undefined;
      }, 60_000, 'the replay\'s alerts');
      assert.deepEqual(replayed, histories, 'the stored alert history is what the stored readings produce');
    } finally {
      await fresh.stop();
      await data.remove();
    }
    t.diagnostic(`whole run ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await deployment.stop();
  }
});
