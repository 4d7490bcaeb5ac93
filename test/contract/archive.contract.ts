/**
 * Contract of the telemetry archive: the same suite on PGlite and on PostgreSQL. What it
 * reads back is compared with a model of the readings written (one per key, the last
 * written wins), before and after the compactor has merged the segments.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { migrate } from '../../src/engines/sql/migrate.ts';
import type { SqlStore } from '../../src/engines/sql/port.ts';
import type { ChannelType, ReadingValue } from '../../src/core/schemas.ts';
import { TelemetryStore, type StoredReading } from '../../src/stores/telemetry/store.ts';
import { DAY_MS, encodeSegment, SEGMENT_READINGS, seriesOf } from '../../src/stores/telemetry/segments.ts';
import { insertSegments, segmentRows } from '../../src/stores/telemetry/segment-rows.ts';

export interface ArchiveHarness {
  sql: SqlStore;
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2026, 10, 1);
let batches = 0;

function reading(channel: string, time: number, value: ReadingValue, type: ChannelType = 'number', raw: ReadingValue = value): Omit<StoredReading, 'batchId'> {
  return { spacecraft: 'arc-1', channel, time, value, raw, type };
}

/** Readings as one batch of their own. */
const asBatch = (readings: Omit<StoredReading, 'batchId'>[], batchId = `batch-${++batches}`): StoredReading[] => readings.map((r) => ({ ...r, batchId }));

/** What the archive should answer: one reading per time, the last written. */
class Model {
  readonly #byTime = new Map<number, { value: ReadingValue; raw: ReadingValue }>();

  write(readings: Omit<StoredReading, 'batchId'>[]): void {
    for (const r of readings) this.#byTime.set(r.time, { value: r.value, raw: r.raw });
  }

  points(from = -Infinity, to = Infinity) {
    return [...this.#byTime.entries()].filter(([t]) => t >= from && t < to).sort((a, b) => a[0] - b[0]).map(([t, r]) => ({ time: new Date(t).toISOString(), ...r }));
  }

  buckets(stepSeconds: number, from = -Infinity, to = Infinity) {
    const step = stepSeconds * 1000;
    const out = new Map<number, number[]>();
    for (const [t, r] of this.#byTime) {
      if (t < from || t >= to || typeof r.value !== 'number') continue;
      const b = Math.floor(t / step) * step;
      out.set(b, [...(out.get(b) ?? []), r.value]);
    }
    return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([b, vs]) => ({
      time: new Date(b).toISOString(), min: Math.min(...vs), max: Math.max(...vs), avg: vs.reduce((x, y) => x + y, 0) / vs.length, count: vs.length,
    }));
  }
}

function assertBucketsEqual(actual: { time: string; min: number; max: number; avg: number; count: number }[], expected: typeof actual, what: string): void {
  assert.deepEqual(actual.map((b) => [b.time, b.min, b.max, b.count]), expected.map((b) => [b.time, b.min, b.max, b.count]), what);
  // Sums add up in another order from summaries than one by one.
  actual.forEach((b, i) => assert.ok(Math.abs(b.avg - expected[i]!.avg) <= 1e-9 * Math.max(1, Math.abs(expected[i]!.avg)), `${what}: mean ${b.avg} against ${expected[i]!.avg}`));
}

const compactAll = async (store: TelemetryStore) => {
  while (await store.compact({ minSegments: 2, settleMs: 0 })) {
    // until no channel has open segments piled up
  }
};

async function overlapping(sql: SqlStore, channel: string): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM telemetry_segments a JOIN telemetry_segments b ON a.spacecraft_id = b.spacecraft_id AND a.channel = b.channel
     AND (a.start_time, a.seq) < (b.start_time, b.seq) AND a.end_time >= b.start_time WHERE a.channel = $1`,
    [channel],
  );
  return rows[0]!.n;
}

export function archiveContract(name: string, open: () => Promise<ArchiveHarness>): void {
  describe(`telemetry archive on ${name}`, { concurrency: 1 }, () => {
    let h: ArchiveHarness;
    let store: TelemetryStore;
    before(async () => {
      h = await open();
      await migrate(h.sql);
      store = new TelemetryStore(h.sql);
      await h.sql.query(`INSERT INTO missions (id, name, retention_days) VALUES ('arc', 'Archive', 30), ('keep', 'Kept', NULL)`);
      await h.sql.query(`INSERT INTO spacecraft (id, mission_id, name) VALUES ('arc-1', 'arc', 'Archive 1'), ('keep-1', 'keep', 'Kept 1')`);
    });
    after(() => h?.cleanup());

    it('answers readings in time order however they were written, across days and segments', async () => {
      const model = new Model();
      const times = Array.from({ length: 3 * SEGMENT_READINGS }, (_, i) => T0 + DAY_MS - 1_500_000 + i * 1000).reverse();
      for (let i = 0; i < times.length; i += 700) {
        const part = times.slice(i, i + 700).map((t, k) => reading('order', t, (i + k) / 4));
        await store.write(asBatch(part));
        model.write(part);
      }
      const all = (await store.points({ spacecraft: 'arc-1', channel: 'order', limit: 10_000 }, 'number')).points;
      assert.deepEqual(all, model.points());
      const { rows } = await h.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM telemetry_segments WHERE channel = 'order' AND date_trunc('day', start_time, 'UTC') <> date_trunc('day', end_time, 'UTC')`);
      assert.equal(rows[0]!.n, 0, 'no segment crosses midnight');
      await compactAll(store);
      assert.deepEqual((await store.points({ spacecraft: 'arc-1', channel: 'order', limit: 10_000 }, 'number')).points, model.points());
      assert.equal(await overlapping(h.sql, 'order'), 0, 'compacted segments do not overlap');
    });

    it('late and out-of-order readings land in place, and a reading with a stored key replaces it', async () => {
      const model = new Model();
      const write = async (readings: Omit<StoredReading, 'batchId'>[]) => {
        await store.write(asBatch(readings));
        model.write(readings);
      };
      await write(Array.from({ length: 2000 }, (_, i) => reading('late', T0 + i * 1000, i)));
      await compactAll(store);
      await write([reading('late', T0 + 500, -1), reading('late', T0 + 1000 * 1500, 99_999), reading('late', T0 - 5000, 7)]);
      await write([reading('late', T0 + 1000 * 10, 10.5, 'number', 21)]);
      const q = { spacecraft: 'arc-1', channel: 'late', limit: 5000 };
      assert.deepEqual((await store.points(q, 'number')).points, model.points());
      assertBucketsEqual(await store.aggregate({ ...q, stepSeconds: 60 }), model.buckets(60), 'before compaction');
      await compactAll(store);
      assert.deepEqual((await store.points(q, 'number')).points, model.points());
      assertBucketsEqual(await store.aggregate({ ...q, stepSeconds: 60 }), model.buckets(60), 'after compaction');
      assert.equal(await overlapping(h.sql, 'late'), 0);
    });

    it('a batch sent again stores nothing, even after a later batch replaced some of its readings', async () => {
      const first = asBatch([reading('once', T0, 1), reading('once', T0 + 1000, 2)], 'once-1');
      assert.equal(await store.write(first), 2);
      assert.equal(await store.write(asBatch([reading('once', T0 + 1000, 3)], 'once-2')), 1);
      assert.equal(await store.write(first), 0);
      assert.equal(await store.write([...first, ...asBatch([reading('once', T0 + 2000, 4)], 'once-3')]), 1, 'a group holding a batch sent again stores only the new one');
      const { points } = await store.points({ spacecraft: 'arc-1', channel: 'once', limit: 10 }, 'number');
      assert.deepEqual(points.map((p) => p.value), [1, 3, 4]);
    });

    it('keeps strings, booleans and raw values apart from calibrated ones', async () => {
      await store.write(asBatch([
        reading('mode', T0, 'SAFE', 'string'), reading('mode', T0 + 1, 'say "hi",\nthen', 'string'), reading('mode', T0 + 2, 'SAFE', 'string'),
        reading('flag', T0, true, 'boolean'), reading('flag', T0 + 1, false, 'boolean'),
        reading('temp', T0, 21.5, 'number', 1234), reading('temp', T0 + 1, Number.NaN, 'number', 0),
      ]));
      const read = async (channel: string, type: ChannelType) => (await store.points({ spacecraft: 'arc-1', channel, limit: 10 }, type)).points.map((p) => [p.value, p.raw]);
      assert.deepEqual(await read('mode', 'string'), [['SAFE', 'SAFE'], ['say "hi",\nthen', 'say "hi",\nthen'], ['SAFE', 'SAFE']]);
      assert.deepEqual(await read('flag', 'boolean'), [[true, true], [false, false]]);
      assert.deepEqual(await read('temp', 'number'), [[21.5, 1234], [Number.NaN, 0]]);
      assert.deepEqual(await store.aggregate({ spacecraft: 'arc-1', channel: 'flag', stepSeconds: 60, limit: 10 }, 'boolean'), [{ time: new Date(T0).toISOString(), min: 0, max: 1, avg: 0.5, count: 2 }]);
      assert.deepEqual(await store.aggregate({ spacecraft: 'arc-1', channel: 'temp', stepSeconds: 60, limit: 10 }), [{ time: new Date(T0).toISOString(), min: 21.5, max: 21.5, avg: 21.5, count: 1 }], 'NaN is left out of aggregates');
    });

    it('answers exactly what a brute-force computation over random writes answers', async () => {
      let run = 0;
      const write = fc.record({
        start: fc.integer({ min: 0, max: 3 * 86_400 }),
        count: fc.integer({ min: 1, max: 400 }),
        spacing: fc.integer({ min: 1, max: 120 }),
        values: fc.array(fc.integer({ min: -50_000, max: 50_000 }), { minLength: 1, maxLength: 400 }),
      });
      // Steps of whole hours and more are where hourly rollups count.
      const step = fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 30 }).map((hours) => hours * 3600), fc.constantFrom(5400, 86_400));
      // Compaction after some write (then later writes land over sealed segments and rolled-up hours), at the end, both or neither.
      const compaction = fc.record({ after: fc.option(fc.nat({ max: 7 })), atEnd: fc.boolean() });
      await fc.assert(fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 8 }), step, compaction, async (writes, stepSeconds, compact) => {
        const channel = `random-${++run}`;
        const model = new Model();
        for (const [n, w] of writes.entries()) {
          const readings = Array.from({ length: w.count }, (_, i) => reading(channel, T0 + (w.start + i * w.spacing) * 1000, w.values[i % w.values.length]! / 100));
          await store.write(asBatch(readings));
          model.write(readings);
          if (compact.after === n) await compactAll(store);
        }
        if (compact.atEnd) await compactAll(store);
        const q = { spacecraft: 'arc-1', channel };
        const from = T0 + 86_400_000;
        const to = T0 + 2 * 86_400_000 + 12_345;
        assert.deepEqual((await store.points({ ...q, limit: 100_000 }, 'number')).points, model.points());
        assert.deepEqual((await store.points({ ...q, from, to, limit: 100_000 }, 'number')).points, model.points(from, to));
        assertBucketsEqual(await store.aggregate({ ...q, stepSeconds, limit: 100_000 }), model.buckets(stepSeconds), 'whole range');
        assertBucketsEqual(await store.aggregate({ ...q, from, to, stepSeconds, limit: 100_000 }), model.buckets(stepSeconds, from, to), 'part of it');
        // Paged with the position of the last reading, the pages join up to the whole range.
        const paged = [];
        let afterTime: number | undefined;
        for (;;) {
          const page = await store.points({ ...q, limit: 97, after: afterTime }, 'number');
          paged.push(...page.points);
          if (page.points.length < 97) break;
          afterTime = page.lastTime;
        }
        assert.deepEqual(paged, model.points());
      }), { numRuns: 12 });
    });

    it('a read under way loses nothing to compaction between its rounds', async () => {
      const day = Math.floor(Date.now() / DAY_MS) * DAY_MS;
      for (let b = 0; b < 200; b++) await store.write(asBatch(Array.from({ length: 10 }, (_, i) => reading('racing', day + (b * 10 + i) * 10, b * 10 + i))));
      let seen = 0;
      let compacted = false;
      for await (const s of store.columns({ spacecraft: 'arc-1', channel: 'racing' }, 'number')) {
        for (let i = 0; i < s.times.length; i++) assert.equal(s.values[i], seen++, 'every reading once, in order');
        if (!compacted) {
          compacted = true;
          await compactAll(store);
        }
      }
      assert.equal(seen, 2000);
    });

    it('compacts readings far from 1970 without losing or doubling them', async () => {
      const t = Date.UTC(2250, 0, 1, 12);
      for (let b = 0; b < 20; b++) await store.write(asBatch(Array.from({ length: 10 }, (_, i) => reading('far', t + (b * 10 + i) * 7 + 0.0, b * 10 + i))));
      await compactAll(store);
      await compactAll(store);
      const { rows } = await h.sql.query<{ n: number }>(`SELECT sum(count)::int AS n FROM telemetry_segments WHERE channel = 'far'`);
      assert.equal(rows[0]!.n, 200);
      assert.equal((await store.points({ spacecraft: 'arc-1', channel: 'far', limit: 500 }, 'number')).points.length, 200);
    });

    it('segments of hours still to come are compacted once, not again and again', async () => {
      const tomorrow = (Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS;
      for (const d of [0, 1]) for (let b = 0; b < 6; b++) await store.write(asBatch(Array.from({ length: 100 }, (_, i) => reading('ahead', tomorrow + d * DAY_MS + (b * 100 + i) * 1000, i))));
      assert.ok(await store.compact({ settleMs: 0 }) > 0);
      assert.equal(await store.compact({ settleMs: 0 }), 0, 'nothing left to compact');
    });

    it('retention keeps a day whole: a correction is not dropped while the reading it replaced stays', async () => {
      const day = T0 + 3 * DAY_MS;
      await store.write(asBatch(Array.from({ length: 24 }, (_, i) => reading('corrected', day + i * 3_600_000, 1))));
      await store.write(asBatch([reading('corrected', day + 3_600_000, 999)]));
      // 30 days of retention, half-way through the day 30 days on: the day is not over yet.
      await store.dropExpired(day + 30 * DAY_MS + DAY_MS / 2);
      const { points } = await store.points({ spacecraft: 'arc-1', channel: 'corrected', limit: 100 }, 'number');
      assert.equal(points.length, 24);
      assert.equal(points[1]!.value, 999);
    });

    it('retention drops whole segments that ended before the mission keeps telemetry, and nothing of missions that keep all', async () => {
      const now = T0 + 40 * DAY_MS;
      const day = (d: number, spacecraft = 'arc-1') => Array.from({ length: 10 }, (_, i) => ({ ...reading('kept', T0 + d * DAY_MS + i * 3_600_000, d), spacecraft }));
      await store.write(asBatch([...day(5), ...day(9), ...day(10), ...day(15), ...day(5, 'keep-1')]));
      const dropped = await store.dropExpired(now);
      assert.ok(dropped >= 2, `${dropped} segments dropped`);
      const days = async (spacecraft: string) => [...new Set((await store.points({ spacecraft, channel: 'kept', limit: 1000 }, 'number')).points.map((p) => p.value))];
      // 30 days before day 40 is day 10: day 10's segment ends after it, so it stays whole.
      assert.deepEqual(await days('arc-1'), [10, 15]);
      assert.deepEqual(await days('keep-1'), [5]);
    });

    it('aggregates whole hours from rollups, which late data, compaction and retention keep true', async () => {
      const day0 = T0 + 20 * DAY_MS;
      const q = { spacecraft: 'arc-1', channel: 'rolled' };
      const model = new Model();
      const readings = Array.from({ length: 3 * 24 * 60 }, (_, i) => reading('rolled', day0 + i * 60_000, Math.sin(i / 50) * 100));
      for (let i = 0; i < readings.length; i += 500) await store.write(asBatch(readings.slice(i, i + 500)));
      model.write(readings);
      await compactAll(store);
      const rollups = async () => (await h.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM telemetry_rollups WHERE channel = 'rolled'`)).rows[0]!.n;
      assert.equal(await rollups(), 72, 'a rollup per hour');
      for (const stepSeconds of [3600, 5400, 86_400]) assertBucketsEqual(await store.aggregate({ ...q, stepSeconds, limit: 1000 }), model.buckets(stepSeconds), `${stepSeconds} s`);

      // The answer for a whole hour comes from its rollup: a rollup changed behind the store's back shows.
      const hour10 = day0 + 10 * 3_600_000;
      await h.sql.query(`UPDATE telemetry_rollups SET max = 1e9 WHERE channel = 'rolled' AND hour = to_timestamp($1::float8 / 1000)`, [hour10]);
      assert.equal((await store.aggregate({ ...q, from: day0, to: day0 + DAY_MS, stepSeconds: 86_400, limit: 10 }))[0]!.max, 1e9);

      // Late readings (one replacing the one at 10:30, one new) open a segment in that hour:
      // the hour is read from its segments until compacted.
      const late = [reading('rolled', hour10 + 30 * 60_000, -500), reading('rolled', hour10 + 30 * 60_000 + 1, 500)];
      await store.write(asBatch(late));
      model.write(late);
      assertBucketsEqual(await store.aggregate({ ...q, stepSeconds: 86_400, limit: 1000 }), model.buckets(86_400), 'with an open segment');
      await compactAll(store);
      assertBucketsEqual(await store.aggregate({ ...q, stepSeconds: 86_400, limit: 1000 }), model.buckets(86_400), 'compacted again');
      const { rows } = await h.sql.query<{ max: number; n: number }>(`SELECT max, value_count AS n FROM telemetry_rollups WHERE channel = 'rolled' AND hour = to_timestamp($1::float8 / 1000)`, [hour10]);
      assert.deepEqual(rows.map((r) => [Number(r.max), Number(r.n)]), [[500, 61]], 'the compactor rewrote the rollup of the hour');

      // Retention drops a day's rollups with its segments.
      await store.dropExpired(day0 + 31 * DAY_MS + 1);
      assert.equal(await rollups(), 48);
      assertBucketsEqual(await store.aggregate({ ...q, stepSeconds: 3600, limit: 1000 }), model.buckets(3600, day0 + DAY_MS), 'after retention');
    });

    it('reads a segment sealed across hours from its samples, and the hours beside it from rollups', async () => {
      const start = T0 + 25 * DAY_MS + 3_300_000;
      // Before hours were cut, a sealed segment could run from 00:55 to 01:12.
      const series = seriesOf(Array.from({ length: 1000 }, (_, i) => ({ time: start + i * 1000, value: i, raw: i })));
      await insertSegments(h.sql, segmentRows('arc-1', 'crossing', [encodeSegment('number', series, 0, 1000)], () => true));
      const model = new Model();
      model.write(Array.from({ length: 1000 }, (_, i) => reading('crossing', start + i * 1000, i)));
      const more = Array.from({ length: 3 * 60 }, (_, i) => reading('crossing', start + 1_000_000 + i * 60_000, -i));
      await store.write(asBatch(more));
      model.write(more);
      await compactAll(store);
      const hours = (await h.sql.query<{ h: number }>(`SELECT ${'extract(epoch FROM hour) * 1000'} AS h FROM telemetry_rollups WHERE channel = 'crossing' ORDER BY hour`)).rows.map((r) => Number(r.h));
      assert.ok(hours.length >= 2 && !hours.includes(start - 300_000), `hours with rollups: ${hours.map((x) => new Date(x).toISOString())}`);
      for (const stepSeconds of [3600, 7200, 86_400]) assertBucketsEqual(await store.aggregate({ spacecraft: 'arc-1', channel: 'crossing', stepSeconds, limit: 100 }), model.buckets(stepSeconds), `${stepSeconds} s`);
    });

    it('moves readings stored one row each into segments when it migrates', async () => {
      const legacy = await open();
      try {
        const sql = legacy.sql;
        await sql.exec('CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
        const dir = path.join(import.meta.dirname, '../../src/engines/sql/migrations');
        for (const version of ['001_mission_database', '002_telemetry', '003_alerts', '004_jobs']) {
          await sql.exec(await readFile(path.join(dir, `${version}.sql`), 'utf8'));
          await sql.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
        }
        await sql.query(
          `INSERT INTO telemetry (spacecraft_id, channel, time, raw, value, text_value, batch_id)
           SELECT 'old-1', 'volts', to_timestamp($1::float8 / 1000 + i), i, i / 2.0, NULL, 'b' FROM generate_series(0, 2999) AS i`,
          [T0 + DAY_MS - 1_000_000],
        );
        await sql.query(`INSERT INTO telemetry VALUES ('old-1', 'mode', to_timestamp(1), NULL, NULL, 'SAFE', 'b'), ('old-1', 'mode', to_timestamp(2), NULL, NULL, 'ON', 'b')`);
        await sql.query(`INSERT INTO telemetry VALUES ('old-1', 'same', to_timestamp(1), 4, 4, NULL, 'b')`);
        await migrate(sql);
        const migrated = new TelemetryStore(sql);
        const volts = (await migrated.points({ spacecraft: 'old-1', channel: 'volts', limit: 5000 }, 'number')).points;
        assert.equal(volts.length, 3000);
        assert.deepEqual(volts[2999], { time: new Date(T0 + DAY_MS - 1_000_000 + 2_999_000).toISOString(), value: 1499.5, raw: 2999 });
        assert.deepEqual((await migrated.points({ spacecraft: 'old-1', channel: 'mode', limit: 5 }, 'string')).points.map((p) => p.value), ['SAFE', 'ON']);
        assert.deepEqual((await migrated.points({ spacecraft: 'old-1', channel: 'same', limit: 5 }, 'number')).points.map((p) => p.raw), [4]);
        const before = await migrated.aggregate({ spacecraft: 'old-1', channel: 'volts', stepSeconds: 600, limit: 100 });
        const hourly = await migrated.aggregate({ spacecraft: 'old-1', channel: 'volts', stepSeconds: 3600, limit: 100 });
        await compactAll(migrated);
        assert.deepEqual(await migrated.aggregate({ spacecraft: 'old-1', channel: 'volts', stepSeconds: 600, limit: 100 }), before);
        assert.deepEqual(await migrated.aggregate({ spacecraft: 'old-1', channel: 'volts', stepSeconds: 3600, limit: 100 }), hourly);
        const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM telemetry_segments WHERE spacecraft_id = 'old-1' AND get_byte(value_data, 0) = 0`);
        assert.equal(rows[0]!.n, 0, 'the compactor packed the plain segments');
      } finally {
        await legacy.cleanup();
      }
    });
  });
}
