/**
 * History benchmark: builds an archive of one 1 Hz channel of smooth telemetry (a
 * temperature at 0.01 °C resolution, an orbit-period swing and sensor noise) through
 * TelemetryStore, as the processor writes it, lets the compactor finish, then starts Orbit
 * all-in-one on that data directory and measures through its HTTP API:
 *
 * - aggregateMs: 30 days (2.6 M readings) aggregated to 1,000 buckets, median of 7;
 *   aggregateAllMs: the whole archive (116 days at 10 M readings) to 1,000 buckets, median of 5;
 * - exportReadingsPerSecond and exportRssGrowthBytes: every reading exported as CSV,
 *   read to the end by a client; the RSS growth of the Orbit process over its RSS before
 *   the export; median of 3;
 * - bytesPerReading: the archive's tables and indexes on disk per reading, after compaction.
 *
 *   npm run bench:history [-- --readings 10000000 --json]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '../src/engines/sql/migrate.ts';
import { PgliteWorkerStore } from '../src/engines/sql/pglite-worker.ts';
import { MissionCatalog } from '../src/stores/missions/catalog.ts';
import { TelemetryStore, type StoredReading } from '../src/stores/telemetry/store.ts';
import { startOrbit, tempDir } from '../test/support/orbit.ts';
import { median } from './clients/stats.ts';
import { memory } from './memory.ts';

const { values: args } = parseArgs({ options: { readings: { type: 'string', default: '10000000' }, json: { type: 'boolean', default: false } } });
const READINGS = Number(args.readings);
const BATCH = 10_000;
const T0 = Date.UTC(2026, 0, 1);
const DAYS_30 = 30 * 86_400_000;
const say = (text: string) => args.json || process.stdout.write(text);

/** A temperature: a slow swing each 92-minute orbit, a daily drift and noise, read at 0.01 °C. */
function temperature(i: number): number {
  const noise = Math.sin(i * 12.9898) * 43758.5453;
  return Math.round((20 + 8 * Math.sin((2 * Math.PI * i) / 5520) + 2 * Math.sin((2 * Math.PI * i) / 86_400) + 0.06 * (noise - Math.floor(noise) - 0.5)) * 100) / 100;
}

async function buildArchive(dir: string) {
  const sql = await PgliteWorkerStore.open(path.join(dir, 'sql'));
  try {
    await migrate(sql);
    const catalog = new MissionCatalog(sql);
    await catalog.createMission({ id: 'hist', name: 'History bench' });
    await catalog.createSpacecraft({ id: 'hist-1', missionId: 'hist', name: 'History 1' });
    await catalog.putChannel('hist-1', 'temp', { type: 'number', unit: '°C' });
    const telemetry = new TelemetryStore(sql);
    const began = performance.now();
    for (let from = 0; from < READINGS; from += BATCH) {
      const batch: StoredReading[] = [];
      for (let i = from; i < Math.min(READINGS, from + BATCH); i++) {
        const v = temperature(i);
        batch.push({ spacecraft: 'hist-1', channel: 'temp', time: T0 + i * 1000, value: v, raw: v, type: 'number', batchId: `b-${from}` });
      }
      await telemetry.write(batch);
    }
    const writeSeconds = (performance.now() - began) / 1000;
    const compacting = performance.now();
    while (await telemetry.compact({ settleMs: 0 })) {
      // until nothing is left open
    }
    const compactSeconds = (performance.now() - compacting) / 1000;
    await telemetry.reclaim();
    const { bytes, readings } = await telemetry.footprint();
    if (readings !== READINGS) throw new Error(`the archive holds ${readings} readings, not ${READINGS}`);
    return { writeReadingsPerSecond: READINGS / writeSeconds, compactSeconds, bytesPerReading: bytes / readings };
  } finally {
    await sql.close();
  }
}

const rss = async (pid: number) => (await memory([pid])).now;

async function exportAll(url: string, pid: number) {
  const before = await rss(pid);
  let peak = before;
  const sampler = setInterval(() => void rss(pid).then((r) => (peak = Math.max(peak, r))), 20);
  const began = performance.now();
  const res = await fetch(`${url}/v1/telemetry/export?spacecraft=hist-1&channel=temp&format=csv`);
  if (!res.ok) throw new Error(`export answered ${res.status}`);
  let lines = 0;
  for await (const chunk of res.body!) {
    for (const byte of chunk as Uint8Array) if (byte === 10) lines++;
  }
  const seconds = (performance.now() - began) / 1000;
  clearInterval(sampler);
  if (lines !== READINGS + 1) throw new Error(`the export held ${lines - 1} readings, not ${READINGS}`);
  return { exportReadingsPerSecond: READINGS / seconds, exportRssGrowthBytes: Math.max(0, peak - before) };
}

const data = await tempDir('orbit-bench-history-');
try {
  say(`archive: writing ${READINGS.toLocaleString('en')} readings of one 1 Hz channel ... `);
  const built = await buildArchive(data.dir);
  say(`${Math.round(built.writeReadingsPerSecond).toLocaleString('en')} readings/s, compaction ${built.compactSeconds.toFixed(1)} s, ${built.bytesPerReading.toFixed(2)} bytes/reading on disk\n`);

  const orbit = await startOrbit({ dataDir: data.dir, timeoutMs: 60_000 });
  try {
    const aggregate = `/v1/telemetry/aggregate?spacecraft=hist-1&channel=temp&from=${T0}&to=${T0 + DAYS_30}&step=2592&limit=1000`;
    const times: number[] = [];
    for (let run = 0; run < 8; run++) {
      const began = performance.now();
      const res = await orbit.api(aggregate);
      const { buckets } = (await res.json()) as { buckets: { count: number }[] };
      const ms = performance.now() - began;
      if (res.status !== 200 || buckets.length !== 1000 || buckets.reduce((n, b) => n + b.count, 0) !== Math.min(READINGS, 2_592_000)) {
        throw new Error(`aggregate answered ${res.status} with ${buckets?.length} buckets`);
      }
      if (run > 0) times.push(ms);
    }
    const aggregateMs = median(times);
    say(`aggregate: 30 days to 1,000 buckets in ${aggregateMs.toFixed(1)} ms (median of ${times.length})\n`);
    // The whole archive (116 days at the default size) to 1,000 buckets (1,001 where the epoch-aligned buckets straddle its ends): a range of months.
    const step = READINGS / 1000;
    const whole = `/v1/telemetry/aggregate?spacecraft=hist-1&channel=temp&from=${T0}&to=${T0 + READINGS * 1000}&step=${step}&limit=1001`;
    const wholeTimes: number[] = [];
    for (let run = 0; run < 6; run++) {
      const began = performance.now();
      const res = await orbit.api(whole);
      const { buckets } = (await res.json()) as { buckets: { count: number }[] };
      if (res.status !== 200 || buckets.reduce((n, b) => n + b.count, 0) !== READINGS) throw new Error(`aggregate of the whole archive answered ${res.status}`);
      if (run > 0) wholeTimes.push(performance.now() - began);
    }
    const aggregateAllMs = median(wholeTimes);
    say(`aggregate: all ${Math.round(READINGS / 86_400)} days to 1,000 buckets in ${aggregateAllMs.toFixed(1)} ms (median of ${wholeTimes.length})\n`);

    const exports = [];
    for (let run = 0; run < 3; run++) {
      const e = await exportAll(orbit.url, orbit.child.pid!);
      exports.push(e);
      say(`export: ${Math.round(e.exportReadingsPerSecond).toLocaleString('en')} readings/s as CSV, RSS growth ${(e.exportRssGrowthBytes / 2 ** 20).toFixed(1)} MiB\n`);
    }
    const result = {
      readings: READINGS,
      aggregateMs: Math.round(aggregateMs * 10) / 10,
      aggregateAllMs: Math.round(aggregateAllMs * 10) / 10,
      exportReadingsPerSecond: Math.round(median(exports.map((e) => e.exportReadingsPerSecond))),
      exportRssGrowthBytes: median(exports.map((e) => e.exportRssGrowthBytes)),
      bytesPerReading: Math.round(built.bytesPerReading * 100) / 100,
      writeReadingsPerSecond: Math.round(built.writeReadingsPerSecond),
      compactSeconds: Math.round(built.compactSeconds * 10) / 10,
    };
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await orbit.stop();
  }
} finally {
  await data.remove();
}
