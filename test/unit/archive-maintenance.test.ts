import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArchiveMaintenance } from '../../src/components/processor/archive-maintenance.ts';
import { TelemetryStore } from '../../src/stores/telemetry/store.ts';
import { migratedSql, silentLogger } from '../support/components.ts';

const sql = await migratedSql();
after(() => sql.close());
const telemetry = new TelemetryStore(sql);
const T0 = Date.parse('2026-12-01T00:00:00Z');

const segments = async () => (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_segments')).rows[0]!.n;

test('a round merges the segments small writes leave and drops what retention no longer keeps', async () => {
  await sql.query(`INSERT INTO missions (id, name, retention_days) VALUES ('m', 'M', 2)`);
  await sql.query(`INSERT INTO spacecraft (id, mission_id, name) VALUES ('sc', 'm', 'SC')`);
  for (let b = 0; b < 20; b++) {
    await telemetry.write(Array.from({ length: 50 }, (_, i) => ({ spacecraft: 'sc', channel: 'v', time: T0 + (b * 50 + i) * 1000, value: i, raw: i, type: 'number' as const, batchId: `b${b}` })));
  }
  assert.equal(await segments(), 20);
  const counted = { compacted: 0, expired: 0 };
  const maintenance = new ArchiveMaintenance(telemetry, silentLogger, {
    compactEveryMs: 60_000, expireEveryMs: 60_000, settleMs: 0, onCompacted: (n) => (counted.compacted += n), onExpired: (n) => (counted.expired += n),
  });
  await maintenance.round(false);
  assert.equal(await segments(), 1, 'one segment holds the 1000 readings');
  assert.equal(counted.compacted, 1);
  const { points } = await telemetry.points({ spacecraft: 'sc', channel: 'v', limit: 2000 }, 'number');
  assert.equal(points.length, 1000);
  assert.deepEqual(points.slice(48, 52).map((p) => p.value), [48, 49, 0, 1]);

  // Days later, the mission keeps two days: the segment goes whole.
  await maintenance.round(true);
  assert.equal(counted.expired, 1);
  assert.equal(await segments(), 0);
});

test('stopping ends the loop at once, between rounds', async () => {
  const maintenance = new ArchiveMaintenance(telemetry, silentLogger, { compactEveryMs: 60_000, expireEveryMs: 60_000 });
  maintenance.start();
  const began = Date.now();
  await maintenance.stop();
  assert.ok(Date.now() - began < 1000);
});
