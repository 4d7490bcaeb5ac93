/**
 * Start-to-ready of the Orbit image, all in one: the time from `podman run` to the first 200
 * from /readyz, on a fresh data volume (PGlite initialises its database and the migrations
 * run) and again on the same volume (a restart), several times each; prints the medians and
 * the image size. Stops each container with SIGTERM and reports how long that took.
 *
 *   node ops/image/measure.ts [reference] [runs]   # default localhost/orbit:<version>, 5
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dataVolume, runContainer } from './container.ts';
import { podman, REPOSITORY, ROOT } from './image.ts';

const version = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).version as string;
const reference = process.argv[2] ?? `${REPOSITORY}:${version}`;
const runs = Number(process.argv[3] ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const size = Number((await podman(['image', 'inspect', '--format', '{{.Size}}', reference])).trim());
console.log(`${reference}: ${(size / 1e6).toFixed(1)} MB`);
const results: Record<'fresh' | 'restart' | 'stop', number[]> = { fresh: [], restart: [], stop: [] };
for (let i = 0; i < runs; i++) {
  const dataDir = await dataVolume();
  try {
    for (const kind of ['fresh', 'restart'] as const) {
      const container = await runContainer(reference, { dataDir, env: { ORBIT_SIMULATOR: 'on' } });
      try {
        results[kind].push(container.readyMs);
        const stopping = performance.now();
        await podman(['stop', '--time', '20', container.name]);
        results.stop.push(performance.now() - stopping);
        const exit = (await podman(['inspect', '--format', '{{.State.ExitCode}}', container.name])).trim();
        console.log(`run ${i + 1} ${kind}: ready after ${seconds(container.readyMs)}, stopped with exit ${exit} in ${seconds(results.stop.at(-1)!)}`);
      } finally {
        await container.remove();
      }
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
console.log(`start-to-ready, median of ${runs}: fresh volume ${seconds(median(results.fresh))}, restart ${seconds(median(results.restart))}; SIGTERM to exit ${seconds(median(results.stop))}`);
