/**
 * Bulk telemetry inserts on PGlite in the main thread against PGlite in a worker
 * thread, side by side, through TelemetryStore.write (a ledger entry and encoded segments
 * per batch, in one transaction), one write in flight at a time as the processor's group
 * commit does.
 *
 * "idle" runs the inserts alone. "contended" runs them while the main thread is kept
 * busy with JSON round-trips of a 70 KB batch, as ingest and fan-out keep it busy in
 * the all-in-one process: it reports both the insert rate and the main-thread work
 * done, which is where a worker thread can help. "share of alone" adds the insert rate
 * as a fraction of its idle rate to the JSON work as a fraction of the JSON work done
 * with nothing else: one core can reach at most 1, two cores 2.
 *
 *   node bench/sql.ts [rowsPerRepetition]
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { migrate } from '../src/engines/sql/migrate.ts';
import { PgliteStore } from '../src/engines/sql/pglite.ts';
import { PgliteWorkerStore } from '../src/engines/sql/pglite-worker.ts';
import type { SqlStore } from '../src/engines/sql/port.ts';
import { TelemetryStore, type StoredReading } from '../src/stores/telemetry/store.ts';

const ROWS_PER_REP = Number(process.argv[2] ?? 50_000);
const REPS = 3;
const SIZES = [1000, 5000];
const BUSY_SLICE_MS = 2;

let clock = Date.UTC(2031, 0, 1);

function makeRows(n: number, batchId: string): StoredReading[] {
  return Array.from({ length: n }, (_, i) => {
    const time = clock++;
    const text = i % 20 === 0;
    const raw = Math.round(Math.sin(time) * 1e6) / 1e3;
    return { spacecraft: `SC-${String(i % 25).padStart(3, '0')}`, channel: text ? 'MODE' : `CH_${i % 40}`, time, raw: text ? 'SAFE' : raw, value: text ? 'SAFE' : raw * 1.5 + 2, type: text ? 'string' : 'number', batchId };
  });
}

/** Batch ids never repeat: the archive's ledger would store a repeated one as nothing. */
let batchSerial = 0;
const makeBatches = (size: number): StoredReading[][] => Array.from({ length: Math.ceil(ROWS_PER_REP / size) }, (_, i) => makeRows(size, `b-${i}-${++batchSerial}`));

/** Writes through TelemetryStore, so the bench measures the very statement the processor runs. */
async function insertAll(store: SqlStore, batches: StoredReading[][]): Promise<number> {
  const telemetry = new TelemetryStore(store);
  const start = performance.now();
  for (const rows of batches) {
    await telemetry.write(rows);
    // Batches reach the processor through I/O callbacks, so other work gets its turn between writes.
    await yieldToLoop();
  }
  return ((batches.length * batches[0].length) / (performance.now() - start)) * 1000;
}

// Shaped like an ingest batch as it crosses HTTP and the queue: about 70 KB of JSON.
const PAYLOAD = {
  batchId: 'b-bench',
  receivedAt: new Date(clock).toISOString(),
  items: Array.from({ length: 10 }, (_, s) => ({
    spacecraft: `SC-${String(s).padStart(3, '0')}`,
    readings: Array.from({ length: 100 }, (_, k) => ({ channel: `CH_${k % 40}`, time: new Date(clock + k).toISOString(), value: Math.round(Math.sin(s + k) * 1e6) / 1e3 })),
  })),
};
const PAYLOAD_KB = Buffer.byteLength(JSON.stringify(PAYLOAD)) / 1024;

/** Keeps the main thread busy in short slices, yielding between them as request handlers do; counts round-trips. */
function busy(): { stop: () => Promise<number> } {
  let running = true;
  let units = 0;
  const done = (async () => {
    while (running) {
      const sliceStart = performance.now();
      do {
        JSON.parse(JSON.stringify(PAYLOAD));
        units++;
      } while (performance.now() - sliceStart < BUSY_SLICE_MS);
      await yieldToLoop();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return units;
    },
  };
}

async function busyAlone(ms: number): Promise<number> {
  const start = performance.now();
  const b = busy();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ((await b.stop()) / (performance.now() - start)) * 1000;
}

/** Machine-wide busy and stolen CPU time in seconds (Linux), to tell how much of the machine others took. */
function machineCpu(): { busy: number; steal: number } | undefined {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // USER_HZ is 100 on every Linux this runs on.
    return { busy: (user + nice + system + irq + softirq) / 100, steal: (steal ?? 0) / 100 };
  } catch {
    return undefined;
  }
}

interface Contended {
  rowsPerSecond: number;
  workPerSecond: number;
  cores: number;
  /** Longest time the event loop could not answer anything: the floor of a request's latency. */
  stallMs: number;
  /** Cores taken by other processes and by the hypervisor meanwhile: large values make the run unreliable. */
  othersCores: number;
}

async function insertContended(store: SqlStore, size: number): Promise<Contended> {
  const batches = makeBatches(size);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const machine = machineCpu();
  const cpu = process.cpuUsage();
  const start = performance.now();
  delay.enable();
  const b = busy();
  const rowsPerSecond = await insertAll(store, batches);
  const units = await b.stop();
  delay.disable();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const ours = (used.user + used.system) / 1e6;
  const after = machineCpu();
  const others = machine && after ? Math.max(0, after.busy - machine.busy - ours) + (after.steal - machine.steal) : Number.NaN;
  return { rowsPerSecond, workPerSecond: (units / ms) * 1000, cores: (ours * 1000) / ms, stallMs: delay.max / 1e6, othersCores: (others * 1000) / ms };
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

interface Result {
  idle: Map<number, number[]>;
  contended: Map<number, Contended[]>;
}

interface Subject {
  store: SqlStore;
  dir: string;
  result: Result;
}

async function openSubject(open: (dir: string) => Promise<SqlStore>): Promise<Subject> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orbit-bench-sql-'));
  const store = await open(dir);
  await migrate(store);
  // Warm-up: JIT, WASM tier-up and the first pages of the table.
  await insertAll(store, makeBatches(1000));
  return { store, dir, result: { idle: new Map(), contended: new Map() } };
}

/** Repetitions alternate between the stores, so that load from elsewhere on the machine falls on both alike. */
async function measure(subjects: Subject[], alone: number[]): Promise<void> {
  for (const mode of ['idle', 'contended'] as const) {
    for (const size of SIZES) {
      for (let r = 0; r < REPS; r++) {
        if (mode === 'contended') alone.push(await busyAlone(1000));
        const order = r % 2 === 0 ? subjects : [...subjects].reverse();
        for (const s of order) {
          await s.store.exec('TRUNCATE telemetry_segments, telemetry_batches');
          if (mode === 'idle') s.result.idle.set(size, [...(s.result.idle.get(size) ?? []), await insertAll(s.store, makeBatches(size))]);
          else s.result.contended.set(size, [...(s.result.contended.get(size) ?? []), await insertContended(s.store, size)]);
        }
      }
    }
  }
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const row = (label: string, a: string, b: string, ratio: string): string => `  ${label.padEnd(44)}${a.padStart(14)}${b.padStart(14)}${ratio.padStart(12)}`;
const ratio = (a: number, b: number): string => `${(b / a).toFixed(2)}x`;

console.log(`PGlite archive writes (TelemetryStore.write), ${n(ROWS_PER_REP)} rows per repetition, median of ${REPS}; ${os.availableParallelism()} cores`);
const subjects = [await openSubject((dir) => PgliteStore.open(dir)), await openSubject((dir) => PgliteWorkerStore.open(dir))];
const aloneReps: number[] = [];
try {
  await measure(subjects, aloneReps);
} finally {
  for (const s of subjects) {
    await s.store.close();
    await fs.rm(s.dir, { recursive: true, force: true });
  }
}
const [a, b] = subjects.map((s) => s.result);
const alone = median(aloneReps);
const idle = (r: Result, size: number): number => median(r.idle.get(size)!);
const contended = (r: Result, size: number, key: keyof Contended): number => median(r.contended.get(size)!.map((c) => c[key]));

console.log(row('', 'PGlite in', 'PGlite in', 'worker /'));
console.log(row('', 'main thread', 'worker thread', 'main thread'));
console.log('idle main thread');
for (const size of SIZES) console.log(row(`${size}-row statements, rows/s`, n(idle(a, size)), n(idle(b, size)), ratio(idle(a, size), idle(b, size))));
console.log(`contended: main thread busy with JSON round-trips of a ${PAYLOAD_KB.toFixed(0)} KB batch (${n(alone)}/s with nothing else)`);
for (const size of SIZES) {
  const rows = [contended(a, size, 'rowsPerSecond'), contended(b, size, 'rowsPerSecond')];
  const work = [contended(a, size, 'workPerSecond'), contended(b, size, 'workPerSecond')];
  // Each side as a share of what it does alone: one core can give at most 1 in total.
  const capacity = [0, 1].map((i) => rows[i] / idle([a, b][i], size) + work[i] / alone);
  console.log(`  ${size}-row statements`);
  console.log(row('    inserts, rows/s', n(rows[0]), n(rows[1]), ratio(rows[0], rows[1])));
  console.log(row('    main-thread JSON round-trips/s', n(work[0]), n(work[1]), ratio(work[0], work[1])));
  console.log(row('    inserts + main-thread work, share of alone', capacity[0].toFixed(2), capacity[1].toFixed(2), ratio(capacity[0], capacity[1])));
  console.log(row('    longest event-loop stall, ms', contended(a, size, 'stallMs').toFixed(0), contended(b, size, 'stallMs').toFixed(0), ''));
  console.log(row('    CPU cores used by the process', contended(a, size, 'cores').toFixed(2), contended(b, size, 'cores').toFixed(2), ''));
  console.log(row('    cores taken by other processes / steal', contended(a, size, 'othersCores').toFixed(2), contended(b, size, 'othersCores').toFixed(2), ''));
}
