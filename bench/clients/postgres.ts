/**
 * node-postgres against the PostgreSQL Orbit runs, in a database of its own:
 *  - telemetry writes, rows/s: 1000-row idempotent upserts into `telemetry`, one statement
 *    in flight at a time as the processor's group commit issues them, in each form measured:
 *      json   - one JSON parameter through json_to_recordset (what TelemetryStore.write issues)
 *      unnest - one array parameter per column through unnest (the statement before it)
 *      values - a multi-row VALUES list, 7 parameters a row
 *      copy   - COPY into a temporary table, then INSERT ... SELECT ... ON CONFLICT, in one
 *               transaction (PostgreSQL only: PGlite takes COPY from a file, not a stream)
 *    with the client process's CPU time per row beside it (the event loop's share);
 *  - reads, queries/s: TelemetryStore.points (100 points of one channel) with 16 in flight
 *    on the pool, and `SELECT 1` one at a time (the round trip).
 * Each figure is the median of 3 runs of RUN_MS; forms take turns within a round.
 *
 *   ORBIT_SQL_URL=postgres://user:password@127.0.0.1:55432/orbit node bench/clients/postgres.ts
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import pg from 'pg';
import { migrate } from '../../src/engines/sql/migrate.ts';
import { PostgresStore } from '../../src/engines/sql/postgres.ts';
import { TelemetryStore, type StoredReading } from '../../src/stores/telemetry/store.ts';
import { realEngine } from '../../test/support/engines.ts';
import { median } from './stats.ts';

const RUN_MS = 3500;
const ROUNDS = 3;
const BATCH = 1000;
const READERS = 16;
const UPSERT = 'ON CONFLICT (spacecraft_id, channel, time) DO UPDATE SET raw = excluded.raw, value = excluded.value, text_value = excluded.text_value, batch_id = excluded.batch_id';
const COLUMNS = 'telemetry (spacecraft_id, channel, time, raw, value, text_value, batch_id)';

let clock = Date.UTC(2031, 0, 1);

/** Readings shaped as the processor stores them: 25 spacecraft, 40 channels, one text channel in 20. */
function readings(n: number, batchId: string): StoredReading[] {
  return Array.from({ length: n }, (_, i) => {
    const time = clock++;
    const text = i % 20 === 0;
    const raw = Math.round(Math.sin(time) * 1e6) / 1e3;
    return { spacecraft: `SC-${String(i % 25).padStart(3, '0')}`, channel: text ? 'MODE' : `CH_${i % 40}`, time, raw: text ? 'SAFE' : raw, value: text ? 'SAFE' : raw * 1.5 + 2, type: text ? 'string' : 'number', batchId };
  });
}

type Columns = [string[], string[], number[], (number | null)[], (number | null)[], (string | null)[], string[]];

function columns(rows: StoredReading[]): Columns {
  const num = (v: StoredReading['value']) => (typeof v === 'number' ? v : null);
  return [rows.map((r) => r.spacecraft), rows.map((r) => r.channel), rows.map((r) => r.time), rows.map((r) => num(r.raw)), rows.map((r) => num(r.value)), rows.map((r) => (r.type === 'string' ? String(r.value) : null)), rows.map((r) => r.batchId)];
}

// ---- COPY FROM STDIN, through pg's submittable interface (pg itself only sends queries) ----

class CopyFrom {
  readonly text: string;
  readonly #data: Buffer;
  readonly done: Promise<void>;
  #settle!: (error?: Error) => void;

  constructor(text: string, data: Buffer) {
    this.text = text;
    this.#data = data;
    this.done = new Promise((resolve, reject) => (this.#settle = (error) => (error ? reject(error) : resolve())));
  }

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
    connection.sendCopyFromChunk(this.#data);
    connection.endCopyFrom();
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.#settle();
  }

  handleError(error: Error): void {
    this.#settle(error);
  }
}

const copyField = (v: string | number | null): string => (v === null ? '\\N' : String(v).replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!));

function copyText(rows: StoredReading[]): Buffer {
  const [s, c, t, r, v, x, b] = columns(rows);
  let out = '';
  for (let i = 0; i < rows.length; i++) out += `${[s[i], c[i], t[i], r[i], v[i], x[i], b[i]].map(copyField).join('\t')}\n`;
  return Buffer.from(out);
}

// ---- the forms ----

interface Form {
  name: string;
  write(rows: StoredReading[]): Promise<unknown>;
}

function forms(store: PostgresStore, copyClient: pg.Client): Form[] {
  const telemetry = new TelemetryStore(store);
  return [
    { name: 'json', write: (rows) => telemetry.write(rows) },
    {
      name: 'unnest',
      write: (rows) =>
        store.query(
          `INSERT INTO ${COLUMNS} SELECT s, c, to_timestamp(t / 1000.0), r, v, x, b
           FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::text[], $7::text[]) AS u(s, c, t, r, v, x, b) ${UPSERT}`,
          columns(rows),
        ),
    },
    {
      name: 'values',
      write: (rows) => {
        const tuples = rows.map((_, i) => `($${i * 7 + 1}, $${i * 7 + 2}, to_timestamp($${i * 7 + 3}::float8 / 1000.0), $${i * 7 + 4}::float8, $${i * 7 + 5}::float8, $${i * 7 + 6}, $${i * 7 + 7})`);
        const [s, c, t, r, v, x, b] = columns(rows);
        return store.query(`INSERT INTO ${COLUMNS} VALUES ${tuples.join(', ')} ${UPSERT}`, rows.flatMap((_, i) => [s[i], c[i], t[i], r[i], v[i], x[i], b[i]]));
      },
    },
    {
      name: 'copy',
      write: async (rows) => {
        await copyClient.query('BEGIN');
        try {
          const copy = new CopyFrom('COPY telemetry_in FROM STDIN', copyText(rows));
          copyClient.query(copy as unknown as pg.QueryConfig);
          await copy.done;
          await copyClient.query(`INSERT INTO ${COLUMNS} SELECT s, c, to_timestamp(t / 1000.0), r, v, x, b FROM telemetry_in ${UPSERT}`);
          await copyClient.query('COMMIT');
        } catch (error) {
          await copyClient.query('ROLLBACK');
          throw error;
        }
      },
    },
  ];
}

// ---- measuring ----

interface WriteRun {
  rowsPerSecond: number;
  cpuMicrosPerRow: number;
}

async function writeRun(store: PostgresStore, form: Form): Promise<WriteRun> {
  await store.exec('TRUNCATE telemetry');
  // Built ahead, so that making readings is not measured; writing them (dedup, parameters, protocol) is.
  // Enough for any run here; should one outrun them, the repeats update rows instead of inserting them.
  const batches = Array.from({ length: 300 }, (_, i) => readings(BATCH, `b-${i}`));
  let rows = 0;
  const cpu = process.cpuUsage();
  const began = performance.now();
  for (let i = 0; performance.now() - began < RUN_MS; i++) {
    await form.write(batches[i % batches.length]);
    rows += BATCH;
  }
  const ms = performance.now() - began;
  const used = process.cpuUsage(cpu);
  return { rowsPerSecond: (rows / ms) * 1000, cpuMicrosPerRow: (used.user + used.system) / rows };
}

/** Queries/s of `query` with `concurrency` in flight for RUN_MS. */
async function readRun(concurrency: number, query: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() - began < RUN_MS) {
        await query();
        done += 1;
      }
    }),
  );
  return (done / (performance.now() - began)) * 1000;
}

export async function measure(url: string): Promise<Record<string, number>> {
  const name = `orbit_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const store = await PostgresStore.open(target.toString(), { maxConnections: 10 });
  const copyClient = new pg.Client({ connectionString: target.toString() });
  try {
    await migrate(store);
    await copyClient.connect();
    await copyClient.query('CREATE TEMP TABLE telemetry_in (s text, c text, t float8, r float8, v float8, x text, b text) ON COMMIT DELETE ROWS');
    const candidates = forms(store, copyClient);
    // Warm-up: JIT, plans, the table's first pages.
    for (const form of candidates) await form.write(readings(BATCH, 'warm-up'));

    const writes = new Map<string, WriteRun[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? candidates : candidates.toReversed();
      for (const form of order) writes.set(form.name, [...(writes.get(form.name) ?? []), await writeRun(store, form)]);
    }

    const telemetry = new TelemetryStore(store);
    for (let i = 0; i < 50; i++) await telemetry.write(readings(BATCH, `fill-${i}`));
    const points = () => telemetry.points({ spacecraft: `SC-${String(Math.floor(Math.random() * 25)).padStart(3, '0')}`, channel: `CH_${Math.floor(Math.random() * 40)}`, limit: 100 }, 'number');
    const pointRuns: number[] = [];
    const pingRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      pointRuns.push(await readRun(READERS, points));
      pingRuns.push(await readRun(1, () => store.query('SELECT 1')));
    }

    const result: Record<string, number> = {};
    for (const [form, runs] of writes) {
      result[`write_${form}_rows_per_s`] = Math.round(median(runs.map((r) => r.rowsPerSecond)));
      result[`write_${form}_client_cpu_us_per_row`] = Number(median(runs.map((r) => r.cpuMicrosPerRow)).toFixed(2));
    }
    result.read_points_queries_per_s = Math.round(median(pointRuns));
    result.select1_round_trips_per_s = Math.round(median(pingRuns));
    return result;
  } finally {
    await copyClient.end().catch(() => undefined);
    await store.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (import.meta.main) {
  const began = Date.now();
  const result = await measure(realEngine('ORBIT_SQL_URL'));
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const { version } = createRequire(import.meta.url)('pg/package.json') as { version: string };
  console.log(`node-postgres ${version} on PostgreSQL; median of ${ROUNDS} runs of ${RUN_MS / 1000} s`);
  console.log(`${'telemetry upsert, 1000-row statements'.padEnd(40)}${'rows/s'.padStart(12)}${'client CPU µs/row'.padStart(20)}`);
  for (const form of ['json', 'unnest', 'values', 'copy']) {
    console.log(`  ${form.padEnd(38)}${n(result[`write_${form}_rows_per_s`]).padStart(12)}${result[`write_${form}_client_cpu_us_per_row`].toFixed(2).padStart(20)}`);
  }
  console.log(`${`points of one channel, ${READERS} in flight`.padEnd(40)}${n(result.read_points_queries_per_s).padStart(12)} queries/s`);
  console.log(`${'SELECT 1, one at a time'.padEnd(40)}${n(result.select1_round_trips_per_s).padStart(12)} queries/s`);
  console.log(`(${((Date.now() - began) / 1000).toFixed(0)} s)`);
  console.log(JSON.stringify({ engine: 'postgres', client: 'pg', ...result }));
}
