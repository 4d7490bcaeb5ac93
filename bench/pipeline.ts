/**
 * End-to-end pipeline benchmark: starts Orbit all-in-one (embedded engines) as a child
 * process, and with `--engines real` also as separate services on the real engines
 * (`npm run engines:up` first), and drives each with concurrent HTTP batches. Phase 1 sends as fast as Orbit
 * accepts and prints sustained readings/s (accepted, stored and analyzed); phase 2 offers
 * 70 % of that and prints POST-to-processed and POST-to-alert latency (p50/p99) of probe
 * readings behind the load. Also the process's peak RSS. Runs several times; prints medians.
 *
 * With `--engines real` every run measures both modes one after the other, so the two
 * figures come from the same machine state.
 *
 *   npm run bench [-- --engines embedded|real --runs 3 --seconds 20 --clients 8 --batch 1000 --idle-seconds 30 --env NAME=VALUE --detector NAME --json --cpu-prof DIR]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { metric, metricTotal, seedMission, startOrbit, tempDir, type ApiResponse } from '../test/support/orbit.ts';
import { startDeployment } from '../test/support/deployment.ts';
import { memory } from './memory.ts';
import { openStream } from '../test/support/sse.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '20' },
    clients: { type: 'string', default: '8' },
    batch: { type: 'string', default: '1000' },
    spacecraft: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
    engines: { type: 'string', default: 'embedded' },
    processors: { type: 'string', default: '2', description: 'processor services in distributed mode' },
    'idle-seconds': { type: 'string', default: '30', description: 'how long Orbit idles after start before idleRssBytes is read' },
    env: { type: 'string', multiple: true, default: [], description: 'NAME=VALUE set for the all-in-one process (an ORBIT_* setting to compare)' },
    'cpu-prof': { type: 'string', description: 'write a CPU profile of the Orbit process to this directory' },
    detector: { type: 'string', description: 'configure this anomaly detector (e.g. context-novelty) on every load channel, so the analyzer runs it on every reading' },
  },
});
const RUNS = Number(args.runs);
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const BATCH = Number(args.batch);
const FLEET = Number(args.spacecraft);
const CHANNELS = 20;
const PROBE_EVERY_MS = 100;
/** The latency phase offers this fraction of the measured throughput. */
const LATENCY_LOAD = 0.7;

if (!['embedded', 'real'].includes(args.engines!)) throw new Error('--engines must be embedded or real');

/** Orbit as the bench sees it: one URL, metrics summed over its processes, their pids. */
interface Installation {
  url: string;
  api(pathname: string, init?: RequestInit & { json?: unknown }): Promise<ApiResponse>;
  metric(name: string): Promise<number>;
  pids(): number[];
  stop(): Promise<void>;
}

async function allInOne(): Promise<Installation> {
  const data = await tempDir('orbit-bench-');
  const orbit = await startOrbit({
    dataDir: data.dir, timeoutMs: 60_000,
    env: {
      ...Object.fromEntries(args.env!.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      ...(args['cpu-prof'] && { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${args['cpu-prof']}` }),
    },
  });
  return {
    url: orbit.url, api: orbit.api,
    metric: (name) => metric(orbit.url, name),
    pids: () => [orbit.child.pid!],
    stop: async () => {
      await orbit.stop();
      await data.remove();
    },
  };
}

async function distributed(): Promise<Installation> {
  const deployment = await startDeployment({
    targets: { console: 1, ingest: 1, processor: Number(args.processors), enricher: 1, analyzer: 1, dashboard: 1 },
  });
  const all = () => [...deployment.processes.values()].flat();
  return {
    url: deployment.url, api: deployment.api,
    metric: (name) => metricTotal(all(), name),
    pids: () => all().map((p) => p.child.pid!),
    stop: () => deployment.stop(),
  };
}

/**
 * CLIENTS concurrent clients posting BATCH-reading batches for `seconds`, as fast as
 * accepted or paced to `rate` readings/s; a 503 makes a client wait its Retry-After.
 */
async function drive(orbit: Installation, seconds: number, rate: number | undefined, nextTime: () => number) {
  let accepted = 0;
  let refused = 0;
  const end = performance.now() + seconds * 1000;
  const interval = rate ? (CLIENTS * BATCH * 1000) / rate : 0;
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    let n = 0;
    let due = performance.now() + (interval * c) / CLIENTS;
    while (performance.now() < end) {
      if (interval) {
        await sleep(Math.max(0, due - performance.now()));
        due += interval;
      }
      const spacecraft = `load-${(c + n++) % FLEET}`;
      const time = nextTime();
      const readings = Array.from({ length: BATCH }, (_, i) => ({ channel: `ch${i % CHANNELS}`, time: time * 100 + Math.floor(i / CHANNELS), value: (i * 7) % 800 }));
      const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings } });
      await res.text();
      if (res.status === 202) accepted += BATCH;
      else {
        refused += BATCH;
        await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
      }
    }
  }));
  return { accepted, refused };
}

/** Waits until the processor and the analyzer have handled `readings`. */
async function drained(orbit: Installation, readings: number): Promise<void> {
  for (;;) {
    const [stored, analyzed] = await Promise.all([orbit.metric('orbit_processor_readings_total'), orbit.metric('orbit_analyzer_readings_total')]);
    if (stored >= readings && analyzed >= readings) return;
    await sleep(100);
  }
}

interface RunResult {
  readingsPerSecond: number;
  /** The offered load of the latency phase, readings/s. */
  steadyRate: number;
  postToProcessedMs: { p50: number; p99: number };
  postToAlertMs: { p50: number; p99: number };
  peakRssBytes: number;
  /** Resident memory --idle-seconds after start, before any load (simulator off). */
  idleRssBytes: number;
  /** Resident memory after the load, once drained. */
  rssBytes: number;
  accepted: number;
  refused: number;
}

const percentile = (values: number[], p: number) => {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const median = (values: number[]) => percentile(values, 50);


async function run(start: () => Promise<Installation>): Promise<RunResult> {
  const orbit = await start();
  try {
    await sleep(Number(args['idle-seconds']) * 1000);
    const idleRssBytes = (await memory(orbit.pids())).now;
    const detector = args.detector ? { detector: { name: args.detector } } : {};
    const channelDefs = Object.fromEntries(Array.from({ length: CHANNELS }, (_, i) => [`ch${i}`, { type: 'number', unit: 'V', limits: { redLow: -1000, yellowLow: -900, yellowHigh: 900, redHigh: 1000 }, ...detector }]));
    for (let s = 0; s < FLEET; s++) await seedMission(orbit, `load-${s}`, channelDefs);
    await seedMission(orbit, 'probe', { level: { type: 'number', limits: { redHigh: 100 } } });
    const stream = await openStream(`${orbit.url}/v1/stream?spacecraft=probe`);

    // Phase 1, throughput: clients send as fast as Orbit takes batches (honouring Retry-After),
    // then the pipeline drains; sustained means accepted, stored and analyzed.
    let clock = Date.now() - 3_600_000;
    const started = performance.now();
    const full = await drive(orbit, SECONDS, undefined, () => clock++);
    await drained(orbit, full.accepted);
    const readingsPerSecond = Math.round(full.accepted / ((performance.now() - started) / 1000));

    // Phase 2, latency: a steady load below capacity, with probes behind it; every other probe
    // crosses red-high, so alerts open and resolve.
    const steadyRate = Math.round(readingsPerSecond * LATENCY_LOAD);
    const posted = new Map<string, number>();
    const processedMs: number[] = [];
    const alertMs: number[] = [];
    stream.on((e) => {
      const batchId = (e.data as { batchId?: string }).batchId;
      const sentAt = batchId ? posted.get(batchId) : undefined;
      if (sentAt !== undefined) (e.event === 'alert' ? alertMs : processedMs).push(performance.now() - sentAt);
    });
    let probing = true;
    let probe = 0;
    const probes = (async () => {
      while (probing) {
        const value = probe++ % 2 ? 150 : 50;
        const sentAt = performance.now();
        const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft: 'probe', readings: [{ channel: 'level', time: Date.now(), value }] } });
        if (res.status === 202) posted.set((await res.json()).batchId, sentAt);
        else await res.text();
        await sleep(PROBE_EVERY_MS);
      }
    })();
    const steady = await drive(orbit, SECONDS, steadyRate, () => clock++);
    probing = false;
    await probes;
    await drained(orbit, full.accepted + steady.accepted + probe);
    stream.close();
    const rss = await memory(orbit.pids());
    return {
      readingsPerSecond,
      steadyRate,
      postToProcessedMs: { p50: percentile(processedMs, 50), p99: percentile(processedMs, 99) },
      postToAlertMs: { p50: percentile(alertMs, 50), p99: percentile(alertMs, 99) },
      peakRssBytes: rss.peak,
      idleRssBytes,
      rssBytes: rss.now,
      accepted: full.accepted,
      refused: full.refused + steady.refused,
    };
  } finally {
    await orbit.stop();
  }
}

const modes: [string, () => Promise<Installation>][] = [['all-in-one (embedded engines)', allInOne]];
if (args.engines === 'real') modes.push([`distributed (real engines, ${args.processors} processors)`, distributed]);

const results = new Map<string, RunResult[]>(modes.map(([mode]) => [mode, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [mode, start] of modes) {
    const r = await run(start);
    results.get(mode)!.push(r);
    process.stdout.write(
      `run ${i + 1}/${RUNS}, ${mode}: ${r.readingsPerSecond} readings/s end to end (${r.refused} refused with 503); at ${r.steadyRate} readings/s: ` +
        `POST->processed p50 ${r.postToProcessedMs.p50.toFixed(1)} ms p99 ${r.postToProcessedMs.p99.toFixed(1)} ms, ` +
        `POST->alert p50 ${r.postToAlertMs.p50.toFixed(1)} ms p99 ${r.postToAlertMs.p99.toFixed(1)} ms, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB, idle RSS ${(r.idleRssBytes / 2 ** 20).toFixed(0)} MiB, RSS after ${(r.rssBytes / 2 ** 20).toFixed(0)} MiB\n`,
    );
  }
}

function summarize(mode: string, list: RunResult[]) {
  return {
    mode,
    readingsPerSecond: median(list.map((r) => r.readingsPerSecond)),
    latencyAtReadingsPerSecond: median(list.map((r) => r.steadyRate)),
    postToProcessedMs: { p50: median(list.map((r) => r.postToProcessedMs.p50)), p99: median(list.map((r) => r.postToProcessedMs.p99)) },
    postToAlertMs: { p50: median(list.map((r) => r.postToAlertMs.p50)), p99: median(list.map((r) => r.postToAlertMs.p99)) },
    peakRssBytes: median(list.map((r) => r.peakRssBytes)),
    idleRssBytes: median(list.map((r) => r.idleRssBytes)),
    rssBytes: median(list.map((r) => r.rssBytes)),
  };
}

const summaries = [...results].map(([mode, list]) => summarize(mode, list));
for (const s of summaries) {
  process.stdout.write(
    `median of ${RUNS}, ${s.mode}: ${s.readingsPerSecond} readings/s end to end; at ${s.latencyAtReadingsPerSecond} readings/s: POST->processed p50 ${s.postToProcessedMs.p50.toFixed(1)} / p99 ${s.postToProcessedMs.p99.toFixed(1)} ms; ` +
      `POST->alert p50 ${s.postToAlertMs.p50.toFixed(1)} / p99 ${s.postToAlertMs.p99.toFixed(1)} ms; peak RSS ${(s.peakRssBytes / 2 ** 20).toFixed(0)} MiB, idle ${(s.idleRssBytes / 2 ** 20).toFixed(0)} MiB (after the load ${(s.rssBytes / 2 ** 20).toFixed(0)} MiB)\n`,
  );
}
// The all-in-one figures stay at the top level, where the foundation's bench put them.
const [embedded, real] = summaries;
if (args.json) process.stdout.write(`${JSON.stringify({ runs: RUNS, seconds: SECONDS, clients: CLIENTS, batch: BATCH, node: process.version, ...embedded, ...(real && { distributed: real }), modes: summaries })}\n`);
