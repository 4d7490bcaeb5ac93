/**
 * VictoriaLogs, as the log backend Orbit forwards to through Loki's push protocol (Loki
 * itself is AGPL and not installed here; VictoriaLogs is Apache-2.0 and serves the same
 * push API under /insert). Built from the Go module proxy with the Go toolchain, the
 * module, build caches and binary all under the shared engine cache, so a second run
 * (and CI with that cache) reuses them; a single process on loopback with its data under
 * `.engines/victorialogs`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { portOpen, run, spawnDetached, waitFor, type Engine, type EngineContext } from './engine.ts';
import { buildGoProgram, type GoProgram } from './go.ts';

const VERSION = 'v1.52.2';
const HOST = '127.0.0.1';
const PORT = 59428;
const BASE = `http://${HOST}:${PORT}`;

const VICTORIALOGS: GoProgram = {
  name: 'victorialogs',
  module: 'github.com/VictoriaMetrics/VictoriaLogs',
  version: VERSION,
  pkg: './app/victoria-logs',
  minGo: [1, 24],
  // Where the program reads its version from (set the way its own Makefile sets it), so `-version` reports it.
  ldflags: `-X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-${VERSION}`,
};

const cacheDir = (ctx: EngineContext) => path.join(ctx.cache, 'victorialogs');
const binary = (ctx: EngineContext) => path.join(cacheDir(ctx), 'bin', 'victoria-logs');
const home = (ctx: EngineContext) => path.join(ctx.root, 'victorialogs');
const logFile = (ctx: EngineContext) => path.join(home(ctx), 'victoria-logs.log');

async function builtVersion(bin: string): Promise<string | undefined> {
  return /victoria-logs-(v[\d.]+)/.exec(await run(bin, ['-version']).catch(() => ''))?.[1];
}

async function healthy(): Promise<boolean> {
  const response = await fetch(`${BASE}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  return response?.ok === true;
}

const victorialogs: Engine = {
  name: 'victorialogs',
  // Orbit appends /loki/api/v1/push to this base.
  env: { ORBIT_LOKI_URL: `${BASE}/insert` },

  async install(ctx) {
    if ((await builtVersion(binary(ctx))) === VERSION) return;
    await buildGoProgram(ctx, VICTORIALOGS, cacheDir(ctx), binary(ctx));
    const got = await builtVersion(binary(ctx));
    if (got !== VERSION) throw new Error(`victorialogs: built ${binary(ctx)} reports version ${got ?? 'nothing'}, expected ${VERSION}`);
  },

  async start(ctx) {
    await mkdir(path.join(home(ctx), 'data'), { recursive: true });
    const pid = await spawnDetached(binary(ctx), [
      `-httpListenAddr=${HOST}:${PORT}`,
      `-storageDataPath=${path.join(home(ctx), 'data')}`,
      '-retentionPeriod=7d',
      '-loggerLevel=WARN',
    ], { logFile: logFile(ctx), cwd: home(ctx) });
    await waitFor('victorialogs', healthy, { timeoutMs: 60_000, logFile: logFile(ctx), pid });
    return { pids: [pid], version: `VictoriaLogs ${VERSION}` };
  },

  async serving() {
    return (await portOpen(PORT, HOST)) && healthy();
  },
};

export default victorialogs;
