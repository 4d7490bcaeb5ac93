/**
 * A full disk under the all-in-one process (embedded engines), for real: the data
 * directory is a small tmpfs that the test fills with a file and empties again. While it
 * is full, ingest answers 503 with Retry-After and /readyz says not ready, a log line
 * names the full directory; once the file is removed the next requests succeed without a
 * restart, and every reading answered 202 is stored. The record log, the document store
 * and PGlite are also checked on their own. Needs root (mount).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually, seedMission, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';
import { RecordLog } from '../../src/engines/storage/record-log.ts';
import { EmbeddedDocumentStore } from '../../src/engines/docs/embedded.ts';
import { PgliteWorkerStore } from '../../src/engines/sql/pglite-worker.ts';
import { isUnavailable } from '../../src/engines/shared/unavailable.ts';

const run = promisify(execFile);
const SPACECRAFT = 'df-1';
/** Room for PGlite (about 40 MB and a 16 MB WAL segment), the queue and the event log. */
const DISK_MB = 160;

let mount: { dir: string; remove: () => Promise<void> };
let orbit: OrbitChild | undefined;

before(async () => {
  mount = await tempDir('orbit-diskfull-');
  await run('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MB}m`, 'tmpfs', mount.dir]);
});
after(async () => {
  await orbit?.stop('SIGKILL');
  await run('umount', ['-l', mount.dir]).catch(() => undefined);
  await mount.remove();
});

/** Fills the file system to the last byte; the returned function frees it. */
async function fill(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, 'filler');
  const fh = await fs.open(file, 'w');
  for (const size of [1 << 20, 4096, 1]) {
    const chunk = Buffer.alloc(size, 1);
    try {
      for (;;) await fh.write(chunk);
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
    }
  }
  await fh.close().catch(() => undefined);
  return () => fs.rm(file);
}

test('a record log refuses appends as an outage while the disk is full, takes them again once it is not, without a gap', async () => {
  const dir = path.join(mount.dir, 'record-log');
  let log = await RecordLog.open(dir);
  for (let i = 0; i < 10; i += 1) await log.append([`before-${i}`]);
  const free = await fill(mount.dir);
  try {
    const failed = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => log.append([`full-${i}-${'x'.repeat(8192)}`])));
    const refusal = failed.find((r) => r.status === 'rejected');
    assert.ok(refusal, 'some appends fail while the disk is full');
    assert.ok(isUnavailable(refusal.reason), `an outage, not a failure: ${String(refusal.reason)}`);
    assert.match(String(refusal.reason), new RegExp(`no space left .*${dir}`));
    assert.ok(log.error, 'the log reports itself unusable');
  } finally {
    await free();
  }
  await eventually(async () => (log.error === null ? true : undefined), 10_000, 'usable again once space is freed');
  const seq = await log.append(['after']);
  await log.close();
  log = await RecordLog.open(dir, { cacheBytes: 0 });
  const all = (await log.read(0, 1000, Infinity)).map((r) => r.payload.toString().slice(0, 12));
  assert.equal(all.length, seq + 1, 'sequence numbers without a gap');
  assert.equal(all.at(-1), 'after');
  await log.close();
});

test('the document store holds its writes while the disk is full and writes them once there is room', async () => {
  const dir = path.join(mount.dir, 'docs');
  let store = await EmbeddedDocumentStore.open(dir);
  const docs = store.collection<{ _id: string; n: number; pad: string }>('things');
  await docs.upsertMany([{ _id: 'a', n: 1, pad: '' }]);
  const free = await fill(mount.dir);
  let refused: unknown;
  try {
    await docs.upsertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `b${i}`, n: i, pad: 'y'.repeat(4096) }))).catch((error: unknown) => {
      refused = error;
    });
    assert.ok(refused && isUnavailable(refused), `an outage, not a failure: ${String(refused)}`);
    assert.equal(store.isReady(), false, 'not ready while its writes wait');
  } finally {
    await free();
  }
  await eventually(async () => (store.isReady() ? true : undefined), 10_000, 'ready again once space is freed');
  await store.close();
  store = await EmbeddedDocumentStore.open(dir);
  assert.equal(await store.collection('things').count({}), 51, 'the held writes reached the journal');
  await store.close();
});

test('PGlite that could not create a WAL segment reopens itself once there is room, with every commit it reported', { timeout: 120_000 }, async () => {
  const dir = path.join(mount.dir, 'sql');
  const store = await PgliteWorkerStore.open(dir);
  try {
    await store.exec('CREATE TABLE counter (n integer); INSERT INTO counter VALUES (1)');
    const free = await fill(mount.dir);
    const failures: unknown[] = [];
    try {
      // The next statement needs a new WAL segment, which PostgreSQL cannot create: it
      // would PANIC, and PGlite would stop answering altogether.
      await store.query('SELECT pg_switch_wal()');
      for (let i = 0; i < 3; i += 1) await store.query('UPDATE counter SET n = n + 1').catch((error: unknown) => failures.push(error));
      assert.ok(failures.length > 0, 'updates fail while the disk is full');
      assert.ok(failures.every(isUnavailable), `as an outage: ${failures.map(String).join('; ')}`);
      assert.match(String(failures.at(-1)), new RegExp(`no space left for PGlite in ${dir}`));
      assert.equal(store.isReady(), false);
    } finally {
      await free();
    }
    const committed = 1 + 3 - failures.length;
    await eventually(async () => (store.isReady() ? true : undefined), 30_000, 'reopened once space is freed');
    await store.query('UPDATE counter SET n = n + 1');
    assert.deepEqual((await store.query<{ n: number }>('SELECT n FROM counter')).rows, [{ n: committed + 1 }]);
  } finally {
    await store.close();
  }
});

test('a full disk answers 503 with Retry-After, says so on /readyz and in the log, and recovers by itself once space is freed', { timeout: 300_000 }, async () => {
  const dataDir = path.join(mount.dir, 'data');
  orbit = await startOrbit({ dataDir, timeoutMs: 120_000 });
  const o = orbit;
  await seedMission(o, SPACECRAFT, { v: { type: 'number', unit: 'V' } });
  const t0 = Date.now() - 3_600_000;
  let next = 0;
  const accepted: number[] = [];
  const post = async (): Promise<Response> => {
    const times = Array.from({ length: 50 }, () => t0 + next++);
    const res = await o.api('/v1/telemetry', { method: 'POST', json: { spacecraft: SPACECRAFT, readings: times.map((time) => ({ channel: 'v', time, value: 1 })) } });
    if (res.status === 202) accepted.push(...times);
    return res as Response;
  };
  for (let i = 0; i < 5; i += 1) assert.equal((await post()).status, 202);

  const free = await fill(mount.dir);
  const refused = await eventually(async () => {
    const res = await post();
    return res.status === 503 ? res : undefined;
  }, 30_000, 'a post refused while the disk is full');
  assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After');
  const ready = await o.api('/readyz');
  assert.equal(ready.status, 503, '/readyz says not ready while the disk is full');
  assert.ok(o.logs.some((line) => /no space left/i.test(line) && line.includes(dataDir)), 'a log line names the full directory');
  for (let i = 0; i < 5; i += 1) assert.ok([202, 503].includes((await post()).status), 'while full: 503 or accepted, never a 500');

  await free();
  await eventually(async () => ((await post()).status === 202 ? true : undefined), 60_000, 'posts accepted again once space is freed');
  await eventually(async () => ((await o.api('/readyz')).status === 200 ? true : undefined), 60_000, '/readyz ready again');
  for (let i = 0; i < 5; i += 1) assert.equal((await post()).status, 202);
  assert.equal(o.child.exitCode, null, 'no restart');

  const stored = async (): Promise<number[]> => {
    const res = await o.api(`/v1/telemetry?spacecraft=${SPACECRAFT}&channel=v&from=${t0}&to=${t0 + next}&limit=10000`);
    return res.status === 200 ? ((await res.json()).points as { time: string | number }[]).map((p) => (typeof p.time === 'number' ? p.time : Date.parse(p.time))) : [];
  };
  const times = await eventually(async () => {
    const have = await stored();
    const set = new Set(have);
    return accepted.every((t) => set.has(t)) ? have : undefined;
  }, 60_000, `all ${accepted.length} accepted readings stored`);
  assert.equal(times.length, new Set(times).size, 'none stored twice');
});
