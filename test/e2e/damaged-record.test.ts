/**
 * A damaged record in the all-in-one process's task queue: after a restart it is reported
 * at error level with its file and offset, counted in orbit_storage_corrupt_records_total,
 * kept aside in a .quarantine file, and the process serves as usual.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { eventually, metric, seedMission, startOrbit, tempDir } from '../support/orbit.ts';

test('a damaged queue record is quarantined, logged with file and offset and counted; Orbit keeps serving', { timeout: 180_000 }, async () => {
  const data = await tempDir('orbit-damaged-');
  let orbit = await startOrbit({ dataDir: data.dir, timeoutMs: 120_000 });
  try {
    await seedMission(orbit, 'dmg-1', { v: { type: 'number', unit: 'V' } });
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < 5; i += 1) {
      const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'dmg-1', readings: [{ channel: 'v', time: t0 + i, value: 1000 + i }] } });
      assert.equal(res.status, 202);
    }
    await eventually(async () => ((await metric(orbit.url, 'orbit_processor_readings_total')) >= 5 ? true : undefined), 30_000, 'processed');
    await orbit.stop();

    // Garble the third batch's message in the ingest queue's log (it was processed and acked long ago).
    const logDir = path.join(data.dir, 'queue', 'telemetry.ingest', 'log');
    const [segment] = (await fs.readdir(logDir)).filter((f) => f.endsWith('.seg'));
    const file = path.join(logDir, segment);
    const bytes = await fs.readFile(file);
    const at = bytes.indexOf('1002');
    assert.ok(at > 0, 'the batch is in the log');
    bytes[at] ^= 0x10;
    await fs.writeFile(file, bytes);

    orbit = await startOrbit({ dataDir: data.dir, timeoutMs: 120_000 });
    assert.equal(await metric(orbit.url, 'orbit_storage_corrupt_records_total'), 1);
    const line = orbit.logs.map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((e) => e.file === file);
    assert.ok(line, 'a log line names the file');
    assert.equal(line.level, 'error');
    assert.ok(line.offset < at && line.offset + line.bytes > at, 'and the offset of the damaged range');
    assert.match(line.msg, /damaged; quarantined in .*\.quarantine and skipped/);
    await fs.access(line.quarantine);
    const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'dmg-1', readings: [{ channel: 'v', time: t0 + 10, value: 1 }] } });
    assert.equal(res.status, 202);
    await eventually(async () => ((await metric(orbit.url, 'orbit_processor_readings_total')) >= 1 ? true : undefined), 30_000, 'processing goes on');
  } finally {
    await orbit.stop();
    await data.remove();
  }
});
