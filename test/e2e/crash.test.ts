import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, seedMission, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';

const T0 = Date.parse('2026-11-27T00:00:00Z');
const BATCH = 200;

/** Posts batches with unique times from several clients until stopped; records what was answered 202. */
function drive(orbit: OrbitChild, spacecraft: string, clients: number) {
  const accepted: number[] = [];
  let next = 0;
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const times = Array.from({ length: BATCH }, () => T0 + next++);
      try {
        const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings: times.map((time) => ({ channel: 'counter', time, value: time - T0 })) } });
        if (res.status === 202) accepted.push(...times);
        else await res.text();
      } catch {
        // The process is gone: nothing was answered for this batch.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  return { accepted, stop: async () => { running = false; await Promise.all(loops); } };
}

async function storedTimes(orbit: OrbitChild, spacecraft: string): Promise<number[]> {
  const body = await (await orbit.api(`/v1/telemetry?spacecraft=${spacecraft}&channel=counter&from=${T0}&to=${T0 + 10_000_000}&limit=100000`)).json();
  return body.points.map((p: { time: string }) => Date.parse(p.time));
}

async function expectAllStoredOnce(orbit: OrbitChild, spacecraft: string, accepted: number[]) {
  const wanted = new Set(accepted);
  const times = await eventually(async () => {
    const t = await storedTimes(orbit, spacecraft);
    return [...wanted].every((w) => t.includes(w)) ? t : undefined;
  }, 20_000, `all ${wanted.size} accepted readings stored`);
  assert.equal(new Set(times).size, times.length, 'no reading stored twice');
  for (const t of times) assert.ok(t >= T0 && t < T0 + 10_000_000);
}

describe('durability', () => {
  const dirs: { remove: () => Promise<void> }[] = [];
  after(async () => { for (const d of dirs) await d.remove(); });

  /** A fresh Orbit with one counter channel, under load until `batches` batches were accepted. */
  async function underLoad(spacecraft: string, batches: number) {
    const data = await tempDir();
    dirs.push(data);
    const first = await startOrbit({ dataDir: data.dir });
    await seedMission(first, spacecraft, { counter: { type: 'number' } });
    const load = drive(first, spacecraft, 4);
    await eventually(async () => (load.accepted.length >= batches * BATCH ? true : undefined), 20_000, 'load accepted');
    return { data, first, load };
  }

  /** Starts Orbit again on the same data and runs check against it. */
  async function afterRestart(dataDir: string, check: (orbit: OrbitChild) => Promise<void>) {
    const second = await startOrbit({ dataDir });
    try {
      await check(second);
    } finally {
      await second.stop();
    }
  }

  test('SIGKILL mid-stream loses no reading answered 202, and stores none twice', async () => {
    const { data, first, load } = await underLoad('crash-1', 20);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    await load.stop();
    assert.ok(load.accepted.length >= 20 * BATCH);

    await afterRestart(data.dir, (second) => expectAllStoredOnce(second, 'crash-1', load.accepted));
  });

  test('SIGTERM drains: exit 0 within 10 s, and every accepted reading is there after a restart', async () => {
    const { data, first, load } = await underLoad('drain-1', 10);
    const started = Date.now();
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.ok(Date.now() - started < 10_000, 'exited within 10 s');
    await load.stop();

    await afterRestart(data.dir, (second) => expectAllStoredOnce(second, 'drain-1', load.accepted));
  });

  test('after a restart, a channel that stays silent still goes stale', async () => {
    const data = await tempDir();
    dirs.push(data);
    const first = await startOrbit({ dataDir: data.dir });
    await seedMission(first, 'quiet-1', { heartbeat: { type: 'number', staleAfterSeconds: 3 } });
    await first.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'quiet-1', readings: [{ channel: 'heartbeat', time: Date.now(), value: 1 }] } });
    // Stopped well before the channel could go stale in the first life.
    assert.deepEqual(await (await first.api('/v1/alerts?spacecraft=quiet-1')).json(), []);
    assert.equal(await first.stop(), 0);

    await afterRestart(data.dir, async (second) => {
      const alert = await eventually(async () => (await (await second.api('/v1/alerts?state=open&spacecraft=quiet-1')).json())[0], 8000, 'stale alert after restart');
      assert.equal(alert.rule, 'stale');
      assert.equal(alert.channel, 'heartbeat');
    });
  });
});
