/**
 * UI benchmark of the dashboard's spacecraft view, in headless Chromium against Orbit
 * all-in-one (embedded engines, simulator off) started on a temp data dir and a free port.
 * Build the dashboard first (`npm run build:dashboard`); this builds nothing.
 *
 * Each run makes a spacecraft with one numeric channel, stores POINTS readings of it within
 * the last quarter hour, and opens the view's deep link (`?channels=…&range=15m`) cold, in
 * a new browser context (empty cache):
 * - firstPointMs: from the navigation start of that page to the view's `orbit:first-point`
 *   mark, set when a plot first draws a point. It covers loading the page and its scripts,
 *   the channel list, and the first page of history ("open /dashboard on the all-in-one
 *   process to first plotted point").
 * - frameMsP50/P99: once the plot shows all POINTS readings, RATE readings/s of the channel
 *   are posted (a batch every 100 ms, their times 1 ms apart, following the stored ones:
 *   the times are a millisecond apart so each is a distinct point, and run faster than the
 *   clock, like a dump of recorded telemetry) for SECONDS; an in-page
 *   requestAnimationFrame loop records the interval between frames meanwhile.
 * - points: readings on the plot at the end; pointsPerSecond: how fast the plot's count grew
 *   while the load ran (what reached the page through the stream).
 * - jsGzipBytes: compressed bytes of every script the page fetched (Resource Timing's
 *   encodedBodySize; the server sends the gzipped builds).
 * Medians over --runs (all runs share one Orbit, each its own spacecraft).
 *
 *   npm run bench:ui [-- --runs 3 --points 100000 --rate 10000 --seconds 10 --json]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium } from '../ops/browser/chromium.ts';
import { metric, seedMission, startOrbit, tempDir, type OrbitChild } from '../test/support/orbit.ts';
import { median } from './clients/stats.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    points: { type: 'string', default: '100000', description: 'readings stored before the page opens' },
    rate: { type: 'string', default: '10000', description: 'readings/s posted while frames are timed' },
    seconds: { type: 'string', default: '10', description: 'how long the live load runs' },
    json: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const POINTS = Number(args.points);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const CHANNEL = 'power.bus_voltage';
const TICK_MS = 100;
/** Readings per POST while seeding: the API's default batch limit. */
const SEED_BATCH = 10_000;
const VIEWPORT = { width: 1400, height: 900 };

const DIST = path.resolve(import.meta.dirname, '../web/dashboard/dist/index.html');
if (!existsSync(DIST)) {
  process.stderr.write(`no dashboard build at ${path.dirname(DIST)}: run \`npm run build:dashboard\` first\n`);
  process.exit(1);
}

const say = (text: string) => {
  if (!args.json) process.stdout.write(text);
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};

async function post(orbit: OrbitChild, spacecraft: string, readings: { channel: string; time: number; value: number }[]): Promise<void> {
  const res = await orbit.api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings } });
  if (res.status !== 202) throw new Error(`POST /v1/telemetry: ${res.status} ${await res.text()}`);
  await res.text();
}

/** A bus voltage wandering around 31 V, now and then into its yellow band. */
const voltage = (i: number) => 31 + 2.5 * Math.sin(i / 5000) + 0.3 * Math.sin(i / 37);

/** In-page code goes as source text: this file is type-checked for Node, without the DOM. */
const POINT_COUNT = `Number(document.querySelector('[data-channel="${CHANNEL}"][data-point-count]')?.dataset.pointCount ?? 0)`;

const pointCount = (page: Page): Promise<number> => page.evaluate(POINT_COUNT);

interface RunResult {
  firstPointMs: number;
  frameMsP50: number;
  frameMsP99: number;
  frames: number;
  points: number;
  pointsPerSecond: number;
  jsGzipBytes: number;
}

async function run(orbit: OrbitChild, browser: Awaited<ReturnType<typeof launchChromium>>, index: number): Promise<RunResult> {
  const spacecraft = `bench-ui-${index}`;
  await seedMission(orbit, spacecraft, { [CHANNEL]: { type: 'number', unit: 'V', limits: { redLow: 27.5, yellowLow: 29, yellowHigh: 33, redHigh: 35 } } });
  // Stored readings end three minutes ago; the live ones continue from there.
  const end = Date.now() - 3 * 60_000;
  const start = end - 11 * 60_000;
  const spacing = (end - start) / POINTS;
  const before = await metric(orbit.url, 'orbit_processor_readings_total');
  for (let i = 0; i < POINTS; i += SEED_BATCH) {
    const n = Math.min(SEED_BATCH, POINTS - i);
    await post(orbit, spacecraft, Array.from({ length: n }, (_, k) => ({ channel: CHANNEL, time: Math.round(start + (i + k) * spacing), value: voltage(i + k) })));
  }
  while ((await metric(orbit.url, 'orbit_processor_readings_total')) < before + POINTS) await sleep(100);

  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await page.goto(`${orbit.url}/dashboard/spacecraft/${spacecraft}?channels=${CHANNEL}&range=15m`);
    await page.waitForFunction(`${POINT_COUNT} >= ${POINTS}`, undefined, { timeout: 120_000, polling: 100 });
    const { firstPointMs, jsGzipBytes } = await page.evaluate<{ firstPointMs: number; jsGzipBytes: number }>(`({
      firstPointMs: performance.getEntriesByName('orbit:first-point')[0].startTime,
      jsGzipBytes: performance.getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname.endsWith('.js'))
        .reduce((sum, e) => sum + e.encodedBodySize, 0),
    })`);
    // Frame intervals, recorded by the page itself until told to stop.
    await page.evaluate(`{
      window.benchFrames = [];
      window.benchStop = false;
      let last;
      const loop = (t) => {
        if (last !== undefined) window.benchFrames.push(t - last);
        last = t;
        if (!window.benchStop) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    }`);
    const countBefore = await pointCount(page);
    const perTick = Math.round((RATE * TICK_MS) / 1000);
    let next = end + 1;
    let sent = 0;
    const started = performance.now();
    for (let due = started; sent < RATE * SECONDS; due += TICK_MS) {
      await sleep(Math.max(0, due - performance.now()));
      const readings = Array.from({ length: perTick }, (_, k) => ({ channel: CHANNEL, time: next + k, value: voltage(POINTS + sent + k) }));
      next += perTick;
      sent += perTick;
      await post(orbit, spacecraft, readings);
    }
    // What is still in the pipeline arrives within moments; a plot that lost readings never catches up.
    await page.waitForFunction(`${POINT_COUNT} >= ${countBefore + sent}`, undefined, { timeout: 5000, polling: 50 }).catch(() => undefined);
    const elapsedS = (performance.now() - started) / 1000;
    const points = await pointCount(page);
    const frames = await page.evaluate<number[]>('window.benchStop = true, window.benchFrames');
    return {
      firstPointMs,
      frameMsP50: percentile(frames, 50),
      frameMsP99: percentile(frames, 99),
      frames: frames.length,
      points,
      pointsPerSecond: Math.round((points - countBefore) / elapsedS),
      jsGzipBytes,
    };
  } finally {
    await context.close();
  }
}

const data = await tempDir('orbit-bench-ui-');
const orbit = await startOrbit({ dataDir: data.dir, timeoutMs: 60_000 });
const browser = await launchChromium();
const results: RunResult[] = [];
try {
  for (let i = 1; i <= RUNS; i++) {
    const r = await run(orbit, browser, i);
    results.push(r);
    say(
      `run ${i}/${RUNS}: first point ${r.firstPointMs.toFixed(0)} ms; with ${RATE} readings/s arriving: frame p50 ${r.frameMsP50.toFixed(1)} ms, p99 ${r.frameMsP99.toFixed(1)} ms ` +
        `(${r.frames} frames), ${r.points} points plotted, ${r.pointsPerSecond} points/s reached the plot; JS ${(r.jsGzipBytes / 1024).toFixed(1)} KiB gzipped\n`,
    );
  }
} finally {
  await browser.close();
  await orbit.stop();
  await data.remove();
}

const of = (key: keyof RunResult) => median(results.map((r) => r[key]));
const summary = {
  runs: RUNS,
  frameMsP50: Math.round(of('frameMsP50') * 10) / 10,
  frameMsP99: Math.round(of('frameMsP99') * 10) / 10,
  firstPointMs: Math.round(of('firstPointMs')),
  jsGzipBytes: of('jsGzipBytes'),
  points: of('points'),
  pointsPerSecond: of('pointsPerSecond'),
  storedPoints: POINTS,
  offeredPointsPerSecond: RATE,
  seconds: SECONDS,
};
if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  say(
    `median of ${RUNS}: frame p50 ${summary.frameMsP50.toFixed(1)} ms, p99 ${summary.frameMsP99.toFixed(1)} ms (goal 16.7 / 33) with ${summary.points} points on the plot and ` +
      `${summary.pointsPerSecond} points/s arriving; first point ${summary.firstPointMs} ms; JS ${(summary.jsGzipBytes / 1024).toFixed(1)} KiB gzipped\n`,
  );
}
