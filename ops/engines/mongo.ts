/**
 * MongoDB wire protocol for the document store, served by FerretDB on its SQLite backend.
 * MongoDB itself is in no package registry this project may use; FerretDB is a Go module,
 * built once from the Go module proxy into the shared cache, with one performance patch.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { portOpen, run, spawnDetached, waitFor } from './engine.ts';
import { buildGoProgram, type GoProgram } from './go.ts';
import type { Engine, EngineContext, StartedEngine } from './engine.ts';

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_VERSION = 'v1.24.2';
/** What our build reports: the release plus the one patch below, so a build without it is replaced. */
const BUILD_VERSION = `${FERRETDB_VERSION}-orbit.1`;

/**
 * The SQLite backend looks `_id` up as `->'$._id'` while its `_id` index is on `->"_id"`;
 * SQLite only uses an expression index for the identical expression, so every upsert,
 * replace and delete by `_id` scanned the whole collection (a write got slower with every
 * document stored). Both spellings select the same JSON member.
 */
const ID_LOOKUP_PATCH = {
  file: 'internal/backends/sqlite/metadata/metadata.go',
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: `IDColumn = DefaultColumn + "->'_id'"`,
};
/** FerretDB 1.24 needs Go 1.24 or newer to build. */
const MIN_GO: [number, number] = [1, 24];

export interface FerretDbOptions {
  name?: string;
  port?: number;
  database?: string;
}

interface Paths {
  bin: string;
  /** Where the build keeps its modules, objects and source. */
  cache: string;
  data: string;
  state: string;
  log: string;
}

function paths(ctx: EngineContext, name: string): Paths {
  const cache = path.join(ctx.cache, 'mongo');
  const home = path.join(ctx.root, name);
  return {
    bin: path.join(cache, 'bin', 'ferretdb'),
    cache,
    data: path.join(home, 'data'),
    state: path.join(home, 'state'),
    log: path.join(home, 'ferretdb.log'),
  };
}

async function builtVersion(bin: string): Promise<string | undefined> {
  const out = await run(bin, ['--version']).catch(() => undefined);
  return out ? /version:\s*(\S+)/.exec(out)?.[1] : undefined;
}

const FERRETDB: GoProgram = {
  name: 'mongo',
  module: FERRETDB_MODULE,
  version: FERRETDB_VERSION,
  pkg: './cmd/ferretdb',
  minGo: MIN_GO,
  // The module as published lacks the version stamp its release pipeline writes, and a
  // binary without it refuses to start; so the build's copy carries it (and the patch).
  async prepare(src) {
    await writeFile(path.join(src, 'build', 'version', 'version.txt'), `${BUILD_VERSION}\n`);
    const patched = path.join(src, ID_LOOKUP_PATCH.file);
    const source = await readFile(patched, 'utf8');
    if (!source.includes(ID_LOOKUP_PATCH.from)) throw new Error(`mongo: ${ID_LOOKUP_PATCH.file} no longer has the line the _id lookup patch replaces`);
    await writeFile(patched, source.replace(ID_LOOKUP_PATCH.from, ID_LOOKUP_PATCH.to));
  },
};

/** The server's own account of what it is, e.g. "FerretDB v1.24.2-orbit.1 (MongoDB 7.0.42 wire protocol)". */
async function serverVersion(url: string, timeoutMs = 1000): Promise<string> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, directConnection: true });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const ferret = typeof info.ferretdbVersion === 'string' ? `FerretDB ${info.ferretdbVersion} ` : '';
    return `${ferret}(MongoDB ${String(info.version)} wire protocol)`.trim();
  } finally {
    await client.close();
  }
}

export function ferretDb(options: FerretDbOptions = {}): Engine {
  const name = options.name ?? 'mongo';
  const port = options.port ?? 57017;
  const url = `mongodb://127.0.0.1:${port}/${options.database ?? 'orbit'}`;

  return {
    name,
    env: { ORBIT_DOCS_URL: url },

    async install(ctx) {
      const p = paths(ctx, name);
      if ((await builtVersion(p.bin)) === BUILD_VERSION) return;
      await buildGoProgram(ctx, FERRETDB, p.cache, p.bin);
      const got = await builtVersion(p.bin);
      if (got !== BUILD_VERSION) throw new Error(`mongo: built ${p.bin} reports version ${got ?? 'nothing'}, expected ${BUILD_VERSION}`);
    },

    async start(ctx): Promise<StartedEngine> {
      const p = paths(ctx, name);
      await mkdir(p.data, { recursive: true });
      await mkdir(p.state, { recursive: true });
      // FerretDB runs fine as root and keeps everything under our data directory, so no service user is needed.
      const pid = await spawnDetached(
        p.bin,
        [
          `--listen-addr=127.0.0.1:${port}`,
          '--handler=sqlite',
          // Commits fsync the WAL, so an acknowledged write survives the machine going down, not just the process.
          `--sqlite-url=file:${p.data}/?_pragma=synchronous(full)`,
          `--state-dir=${p.state}`,
          '--telemetry=disable',
          // Its metrics/pprof listener is not needed and would take a shared fixed port.
          '--debug-addr=-',
          '--log-level=error',
          '--log-format=json',
        ],
        { logFile: p.log, env: { ...process.env, DO_NOT_TRACK: '1' } },
      );
      let version = '';
      await waitFor(
        `FerretDB on 127.0.0.1:${port}`,
        async () => {
          version = await serverVersion(url);
          return true;
        },
        { timeoutMs: 60_000, logFile: p.log, pid },
      );
      return { pids: [pid], version };
    },

    async serving() {
      if (!(await portOpen(port))) return false;
      return serverVersion(url).then(
        () => true,
        () => false,
      );
    },
  };
}

export default ferretDb();
