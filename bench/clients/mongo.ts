/**
 * The document store adapter (official `mongodb` driver) on the server Orbit runs, shaped
 * like the enricher's writes (non-unique index on spacecraft, channel, time) and the API's
 * range reads:
 *  - upsert new: documents/s stored by CALLERS concurrent upsertMany calls of BATCH new readings;
 *  - the same with 4 write commands in flight instead of the adapter's default (1 on
 *    FerretDB, unbounded on MongoDB), which shows what the FerretDB write limit gains;
 *  - replace: documents/s when every document of a batch already exists;
 *  - range find: queries/s of a (spacecraft, channel, time range) query for the newest 100,
 *    on a collection of FIND_DOCS documents written beforehand.
 * Each figure is the median of 3 runs of about 5 s, on a database of its own that is dropped after.
 *
 *   ORBIT_DOCS_URL=mongodb://127.0.0.1:57017/orbit node bench/clients/mongo.ts
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoDocumentStore, type MongoDocumentStoreOptions } from '../../src/engines/docs/mongo.ts';
import type { Collection, Doc } from '../../src/engines/docs/port.ts';
import { realEngine, withDatabase } from '../../test/support/engines.ts';
import { median } from './stats.ts';

const RUN_MS = 5000;
const ROUNDS = 3;
const CALLERS = 4;
const FIND_DOCS = 1000;
const BATCH = 50;
const SPACECRAFT = 4;
const CHANNELS = 10;

interface Reading extends Doc {
  spacecraft: string;
  channel: string;
  time: number;
  value: number;
  derived: { rate: number; mean: number };
}

function readingAt(i: number, round = 0): Reading {
  const spacecraft = `sc-${i % SPACECRAFT}`;
  const channel = `ch-${Math.floor(i / SPACECRAFT) % CHANNELS}`;
  const time = 1_700_000_000_000 + Math.floor(i / (SPACECRAFT * CHANNELS)) * 1000;
  const value = Math.sin(i / 100) * 10 + round;
  return { _id: `${spacecraft}/${channel}/${time}`, spacecraft, channel, time, value, derived: { rate: value / 10, mean: value * 0.9 } };
}

/** Runs CALLERS loops of `call` for RUN_MS; resolves with units done per second. */
async function rate(call: (caller: number, iteration: number) => Promise<number>): Promise<number> {
  let done = 0;
  const began = performance.now();
  const deadline = Date.now() + RUN_MS;
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      for (let i = 0; Date.now() < deadline; i++) {
        // Not `done += await ...`: that reads `done` before the await and loses the other callers' counts.
        const units = await call(caller, i);
        done += units;
      }
    }),
  );
  return done / ((performance.now() - began) / 1000);
}

async function openCollection(url: string, name: string, options: MongoDocumentStoreOptions = {}): Promise<{ store: MongoDocumentStore; c: Collection<Reading> }> {
  const store = await MongoDocumentStore.open(url, options);
  const c = store.collection<Reading>(name);
  await c.createIndex({ spacecraft: 1, channel: 1, time: 1 });
  return { store, c };
}

export async function measure(url: string): Promise<Record<string, number>> {
  const database = `orbit_bench_${randomBytes(4).toString('hex')}`;
  const target = withDatabase(url, database);
  const { store, c } = await openCollection(target, 'enriched');
  const parallel = await openCollection(target, 'enriched', { concurrentWrites: 4 });
  const series = store.collection<Reading>('series');
  await series.createIndex({ spacecraft: 1, channel: 1, time: 1 });
  for (let i = 0; i < FIND_DOCS; i += 100) await series.upsertMany(Array.from({ length: 100 }, (_, j) => readingAt(i + j)));
  const seconds = FIND_DOCS / (SPACECRAFT * CHANNELS);
  let next = 0;
  const fresh = () => {
    const first = next;
    next += BATCH;
    return Array.from({ length: BATCH }, (_, j) => readingAt(first + j));
  };
  const runs: Record<string, number[]> = { upsert_new_docs_per_s: [], upsert_new_4_in_flight_docs_per_s: [], replace_docs_per_s: [], range_find_per_s: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      runs.upsert_new_docs_per_s.push(await rate(() => c.upsertMany(fresh()).then(() => BATCH)));
      runs.upsert_new_4_in_flight_docs_per_s.push(await rate(() => parallel.c.upsertMany(fresh()).then(() => BATCH)));
      const written = next;
      runs.replace_docs_per_s.push(
        await rate(async (caller, i) => {
          const first = ((caller * 997 + i) * BATCH) % Math.max(BATCH, written - BATCH);
          await c.upsertMany(Array.from({ length: BATCH }, (_, j) => readingAt(first + j, round + 1)));
          return BATCH;
        }),
      );
      runs.range_find_per_s.push(
        await rate(async (caller, i) => {
          const k = caller * 31 + i;
          const to = 1_700_000_000_000 + ((k * 7) % seconds) * 1000;
          await series.find({ spacecraft: `sc-${k % SPACECRAFT}`, channel: `ch-${k % CHANNELS}`, time: { $gte: to - 3_600_000, $lte: to } }, { sort: { time: -1 }, limit: 100 });
          return 1;
        }),
      );
    }
    const result = Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, Math.round(median(values))]));
    result.documents_written = next;
    result.find_collection_docs = FIND_DOCS;
    return result;
  } finally {
    await parallel.store.close();
    await store.close();
    const admin = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
    await admin.db(database).dropDatabase().finally(() => admin.close());
  }
}

if (import.meta.main) {
  const url = realEngine('ORBIT_DOCS_URL');
  const began = Date.now();
  const result = await measure(url);
  const rows = Object.entries(result);
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`document store on ${url.replace(/\/\/[^@/]*@/, '//***@')} (${CALLERS} callers, batches of ${BATCH}, median of ${ROUNDS} x ${RUN_MS / 1000} s)`);
  for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value.toLocaleString('en-US').padStart(10)}`);
  console.log(`  (${((Date.now() - began) / 1000).toFixed(0)} s)`);
  console.log(JSON.stringify({ engine: 'mongo', client: 'mongodb', ...result }));
}
