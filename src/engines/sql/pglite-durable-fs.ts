/**
 * PGlite's Node filesystem with fsync. Emscripten's NODEFS has no fsync, and PGlite starts
 * PostgreSQL with fsync off, so a commit it reports is only in the page cache: after a
 * power loss, a batch the processor committed (and then acknowledged on the queue) can be
 * gone. Here every fsync PostgreSQL issues reaches the disk: the WAL at each commit, data
 * files at checkpoints, pg_control and the directories it syncs.
 *
 * WAL is synced with fsync rather than PostgreSQL's default fdatasync because Emscripten
 * turns fdatasync into a no-op, while fsync reaches the file system's stream operations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import type { PGlite } from '@electric-sql/pglite';

type ModuleOptions = Parameters<NodeFS['init']>[1];

/** The parts of Emscripten's module this file touches. */
interface EmscriptenNodeFs {
  NODEFS: {
    stream_ops: Record<string, unknown> & { fsync?: (stream: { nfd?: number }) => number };
    tryFSOperation<T>(f: () => T): T;
  };
}

/** PostgreSQL settings that make its commits wait for the disk. */
export const DURABLE_SETTINGS = ['-c', 'fsync=on', '-c', 'wal_sync_method=fsync', '-c', 'synchronous_commit=on', '-c', 'full_page_writes=on'];

export class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: ModuleOptions): Promise<{ emscriptenOpts: ModuleOptions }> {
    const { emscriptenOpts } = await super.init(pg, opts);
    const withFsync = (mod: unknown): void => {
      const { NODEFS } = mod as EmscriptenNodeFs;
      NODEFS.stream_ops.fsync = (stream) => {
        // Errors (EIO, ENOSPC) become errno values PostgreSQL sees and acts on.
        if (stream.nfd !== undefined) NODEFS.tryFSOperation(() => fs.fsyncSync(stream.nfd as number));
        return 0;
      };
    };
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [...(emscriptenOpts.preRun ?? []), withFsync] } };
  }
}

/**
 * Syncs every file and directory under `dir`. A database just created by initdb was
 * written without syncing (initdb runs with --no-sync in PGlite): once synced, a power loss
 * cannot leave a half-created database that the next start mistakes for a real one.
 */
export function syncTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) syncTree(full);
    else if (entry.isFile()) syncPath(full);
  }
  syncPath(dir);
}

function syncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
