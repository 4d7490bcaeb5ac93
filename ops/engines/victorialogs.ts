/**
 * VictoriaLogs, as the log backend Orbit forwards to through Loki's push protocol (Loki
 * itself is AGPL and not installed here; VictoriaLogs is Apache-2.0 and serves the same
 * push API under /insert). Built from the Go module proxy with the Go toolchain, the
 * module, build caches and binary all under the shared engine cache, so a second run
 * (and CI with that cache) reuses them; a single process on loopback with its data under
 * `.engines/victorialogs`.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { commandExists, portOpen, run, spawnDetached, waitFor, type Engine, type EngineContext } from './engine.ts';

const VERSION = 'v1.52.2';
const MODULE = 'github.com/VictoriaMetrics/VictoriaLogs';
const MAIN_PACKAGE = `${MODULE}/app/victoria-logs`;
/** Where the program reads its version from (set the way its own Makefile sets it), so `-version` reports it. */
const BUILDINFO = 'github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version';
const HOST = '127.0.0.1';
const PORT = 59428;
const BASE = `http://${HOST}:${PORT}`;
/** Whoever needs a newer Go than the one installed gets this one, through GOTOOLCHAIN. */
const FALLBACK_TOOLCHAIN = 'go1.27.3';

const cacheDir = (ctx: EngineContext) => path.join(ctx.cache, 'victorialogs');
const binary = (ctx: EngineContext) => path.join(cacheDir(ctx), VERSION, 'bin', 'victoria-logs');
const home = (ctx: EngineContext) => path.join(ctx.root, 'victorialogs');
const logFile = (ctx: EngineContext) => path.join(home(ctx), 'victoria-logs.log');

async function goCommand(): Promise<string> {
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  if (await commandExists('go')) return 'go';
  throw new Error('victorialogs: Go is needed to build VictoriaLogs (looked for /usr/local/go/bin/go and go on PATH)');
}

function goEnv(ctx: EngineContext, toolchain: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOPATH: path.join(cacheDir(ctx), 'gopath'),
    GOMODCACHE: path.join(cacheDir(ctx), 'gomod'),
    GOCACHE: path.join(cacheDir(ctx), 'gocache'),
    GOFLAGS: '-buildvcs=false -modcacherw',
    GOTOOLCHAIN: toolchain,
  };
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
    if (existsSync(binary(ctx))) return;
    const go = await goCommand();
    const staging = path.join(cacheDir(ctx), VERSION, 'staging');
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    ctx.log(`victorialogs: building ${MAIN_PACKAGE}@${VERSION} from the Go module proxy (a few minutes the first time)`);
    const build = (toolchain: string) => run(go, ['install', `-ldflags=-X ${BUILDINFO}=victoria-logs-${VERSION}`, `${MAIN_PACKAGE}@${VERSION}`], { env: { ...goEnv(ctx, toolchain), GOBIN: staging }, cwd: staging, timeoutMs: 1_200_000 });
    await build('local').catch(async (error: unknown) => {
      // A module that asks for a newer Go than the installed one: build again with the approved newer toolchain.
      if (!/requires go >=|toolchain not available|go\.mod requires go/.test((error as Error).message)) throw error;
      ctx.log(`victorialogs: the installed Go is too old; building with ${FALLBACK_TOOLCHAIN}`);
      await build(FALLBACK_TOOLCHAIN);
    });
    await mkdir(path.dirname(binary(ctx)), { recursive: true });
    // Moved in whole, so a half-finished build is never taken for an installed one.
    await rename(path.join(staging, 'victoria-logs'), binary(ctx));
    await rm(staging, { recursive: true, force: true });
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
    const version = /victoria-logs-(\S+)/.exec(await run(binary(ctx), ['-version']).catch(() => ''))?.[1] ?? VERSION;
    return { pids: [pid], version };
  },

  async serving() {
    return (await portOpen(PORT, HOST)) && healthy();
  },
};

export default victorialogs;
