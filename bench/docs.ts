/**
 * Embedded document store throughput, shaped like the enricher's writes and the
 * API's range reads. Usage: node bench/docs.ts [batches=100]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedDocumentStore } from '../src/engines/docs/embedded.ts';
import type { Doc } from '../src/engines/docs/port.ts';

const BATCH = 1000;
const batches = Number(process.argv[2] ?? 100);
const SPACECRAFT = 10;
const CHANNELS = 20;

interface Reading extends Doc {
  spacecraft: string;
  channel: string;
  time: number;
  raw: number;
  value: number;
  derived: { rate: number; mean: number };
}

function readingAt(i: number): Reading {
  const spacecraft = `sc-${i % SPACECRAFT}`;
  const channel = `ch-${Math.floor(i / SPACECRAFT) % CHANNELS}`;
  const time = 1_700_000_000_000 + Math.floor(i / (SPACECRAFT * CHANNELS)) * 1000;
  const value = Math.sin(i / 100) * 10;
  return { _id: `${spacecraft}/${channel}/${time}`, spacecraft, channel, time, raw: Math.round(value * 100), value, derived: { rate: value / 10, mean: value * 0.9 } };
}

const dir = await mkdtemp(path.join(tmpdir(), 'orbit-bench-docs-'));
try {
  const store = await EmbeddedDocumentStore.open(dir);
  const c = store.collection<Reading>('enriched');
  await c.createIndex({ spacecraft: 1, channel: 1, time: 1 }, { unique: true });

  let t = performance.now();
  for (let b = 0; b < batches; b++) await c.upsertMany(Array.from({ length: BATCH }, (_, j) => readingAt(b * BATCH + j)));
  let s = (performance.now() - t) / 1000;
  const total = batches * BATCH;
  console.log(`upsertMany sequential: ${total} docs in ${s.toFixed(2)} s = ${Math.round(total / s)} docs/s (${(batches / s).toFixed(0)} fsynced batches/s)`);

  t = performance.now();
  const concurrent = 8;
  const base = total;
  for (let b = 0; b < batches; b += concurrent) {
    await Promise.all(
      Array.from({ length: Math.min(concurrent, batches - b) }, (_, k) => c.upsertMany(Array.from({ length: BATCH }, (_, j) => readingAt(base + (b + k) * BATCH + j)))),
    );
  }
  s = (performance.now() - t) / 1000;
  console.log(`upsertMany ${concurrent} concurrent: ${total} docs in ${s.toFixed(2)} s = ${Math.round(total / s)} docs/s`);

  // Each (spacecraft, channel) holds 2 * total / 200 points one second apart.
  const perSeries = (2 * total) / (SPACECRAFT * CHANNELS);
  const span = Math.min(1000, perSeries);
  const queries = 2000;
  t = performance.now();
  let returned = 0;
  for (let q = 0; q < queries; q++) {
    const start = 1_700_000_000_000 + ((q * 7919) % Math.max(1, perSeries - span + 1)) * 1000;
    const docs = await c.find(
      { spacecraft: `sc-${q % SPACECRAFT}`, channel: `ch-${q % CHANNELS}`, time: { $gte: start, $lt: start + span * 1000 } },
      { sort: { time: 1 }, limit: 1000 },
    );
    returned += docs.length;
  }
  s = (performance.now() - t) / 1000;
  console.log(`find ${span}-point range: ${Math.round(queries / s)} queries/s (${(returned / queries).toFixed(0)} docs each)`);

  t = performance.now();
  for (let q = 0; q < queries; q++) await c.find({ spacecraft: `sc-${q % SPACECRAFT}`, channel: `ch-${q % CHANNELS}` }, { sort: { time: -1 }, limit: 1 });
  s = (performance.now() - t) / 1000;
  console.log(`find latest point: ${Math.round(queries / s)} queries/s`);

  await store.close();
  const size = (await stat(path.join(dir, 'enriched.jsonl'))).size;
  t = performance.now();
  const reopened = await EmbeddedDocumentStore.open(dir);
  s = (performance.now() - t) / 1000;
  console.log(`reopen: ${2 * total} docs, ${(size / 1048576).toFixed(1)} MiB journal replayed in ${s.toFixed(2)} s`);
  await reopened.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
