/**
 * Resident memory of each target run as its own process on the real engines, the figures
 * behind the Kubernetes requests and limits (docs/deploy.md#kubernetes). Starts one process
 * per target (startDeployment, as the distributed tests do), lets them idle, reads VmRSS;
 * then a modest load (paced telemetry batches to 4 spacecraft of 20 channels, and orbit
 * propagation jobs), and reads VmRSS and the peak, VmHWM, of each process.
 *
 *   npm run engines:up && node bench/targets-memory.ts [--idle-seconds 30] [--seconds 30] [--rate 5000] [--json]
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { formatTle } from '../src/core/orbit/tle.ts';
import { metricTotal, seedMission } from '../test/support/orbit.ts';
import { startDeployment } from '../test/support/deployment.ts';

const { values: args } = parseArgs({
  options: {
    'idle-seconds': { type: 'string', default: '30' },
    seconds: { type: 'string', default: '30' },
    rate: { type: 'string', default: '5000' },
    json: { type: 'boolean', default: false },
  },
});

const TARGETS = ['ingest', 'processor', 'enricher', 'analyzer', 'compute', 'notifier', 'dashboard', 'console'];
const BATCH = 500;
const CHANNELS = 20;
const FLEET = 4;
const MiB = 2 ** 20;

async function status(pid: number): Promise<{ rss: number; hwm: number; cpuSeconds: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) * 1024;
  // utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second).
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100 };
}

const deployment = await startDeployment({ targets: Object.fromEntries(TARGETS.map((t) => [t, 1])) });
try {
  const pid = (t: string) => deployment.processes.get(t)![0]!.child.pid!;
  await sleep(Number(args['idle-seconds']) * 1000);
  const idle = new Map(await Promise.all(TARGETS.map(async (t) => [t, await status(pid(t))] as const)));

  const channels = Object.fromEntries(Array.from({ length: CHANNELS }, (_, i) => [`ch${i}`, { type: 'number', unit: 'V', limits: { redLow: -1000, yellowLow: -900, yellowHigh: 900, redHigh: 1000 } }]));
  for (let s = 0; s < FLEET; s++) await seedMission(deployment, `load-${s}`, channels);
  const tle = formatTle({ satnum: 90001, epoch: new Date('2026-11-27T00:00:00Z'), inclinationDeg: 51.64, raanDeg: 120, eccentricity: 0.0005, argPerigeeDeg: 90, meanAnomalyDeg: 10, meanMotionRevPerDay: 15.5, bstar: 0.0001 });
  const sc = await deployment.api('/v1/spacecraft', { method: 'POST', json: { id: 'orbiter', missionId: 'm-load-0', name: 'Orbiter', tle } });
  if (sc.status !== 201) throw new Error(`spacecraft: ${sc.status} ${await sc.text()}`);

  // Paced load: one batch every BATCH / rate seconds, times 100 ms apart per spacecraft.
  const rate = Number(args.rate);
  const began = performance.now();
  const before = new Map(await Promise.all(TARGETS.map(async (t) => [t, await status(pid(t))] as const)));
  const end = performance.now() + Number(args.seconds) * 1000;
  let posted = 0;
  let jobs = 0;
  let clock = Date.now() - 3_600_000;
  const telemetry = (async () => {
    let due = performance.now();
    for (let n = 0; performance.now() < end; n++) {
      const time = clock++;
      const readings = Array.from({ length: BATCH }, (_, i) => ({ channel: `ch${i % CHANNELS}`, time: time * 100 + Math.floor(i / CHANNELS), value: (i * 7) % 800 }));
      const res = await deployment.api('/v1/telemetry', { method: 'POST', json: { spacecraft: `load-${n % FLEET}`, readings } });
      await res.text();
      if (res.status === 202) posted += BATCH;
      due += (BATCH / rate) * 1000;
      await sleep(Math.max(0, due - performance.now()));
    }
  })();
  const compute = (async () => {
    while (performance.now() < end) {
      const res = await deployment.api('/v1/jobs', { method: 'POST', json: { type: 'orbit.propagate', params: { spacecraft: 'orbiter', from: '2026-11-27T00:00:00Z', to: '2026-11-28T00:00:00Z', stepSeconds: 10 } } });
      await res.text();
      if (res.status < 300) jobs++;
      await sleep(1000);
    }
  })();
  await Promise.all([telemetry, compute]);
  // Drained: every posted reading stored and analyzed.
  const all = [...deployment.processes.values()].flat();
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    const [stored, analyzed] = await Promise.all([metricTotal(all, 'orbit_processor_readings_total'), metricTotal(all, 'orbit_analyzer_readings_total')]);
    if (stored >= posted && analyzed >= posted) break;
  }
  const loaded = new Map(await Promise.all(TARGETS.map(async (t) => [t, await status(pid(t))] as const)));
  const elapsed = (performance.now() - began) / 1000;

  const rows = TARGETS.map((t) => ({ target: t, idleRssMiB: Math.round(idle.get(t)!.rss / MiB), loadedRssMiB: Math.round(loaded.get(t)!.rss / MiB), peakRssMiB: Math.round(loaded.get(t)!.hwm / MiB), loadCpuCores: Number(((loaded.get(t)!.cpuSeconds - before.get(t)!.cpuSeconds) / elapsed).toFixed(2)) }));
  console.log(`${posted} readings posted at ${rate}/s in ${BATCH}-reading batches over ${args.seconds} s, ${jobs} propagation jobs (1 day at 10 s steps)`);
  console.log('target      idle RSS  RSS after load  peak (VmHWM)  (MiB)  CPU under load (cores)');
  for (const r of rows) console.log(`${r.target.padEnd(11)} ${String(r.idleRssMiB).padStart(8)} ${String(r.loadedRssMiB).padStart(15)} ${String(r.peakRssMiB).padStart(13)} ${String(r.loadCpuCores).padStart(23)}`);
  if (args.json) console.log(JSON.stringify({ posted, jobs, rate, seconds: Number(args.seconds), targets: rows }));
} finally {
  await deployment.stop();
}
