/**
 * How Orbit opens PGlite, in this thread or a worker. PostgreSQL's default 128 MB of shared
 * buffers fill the WebAssembly memory as pages are read and never give it back: 16 MB keep
 * a reopened database with a 50 MB table at 212 MB resident instead of 341 MB, and the
 * archive's segments (about 3 bytes a reading) fit some five million readings in them.
 *
 * On disk, PostgreSQL runs with fsync on (PGlite's defaults turn it off with -F) through a
 * filesystem that can sync: a commit returns once its WAL is on the disk.
 */
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { DURABLE_SETTINGS, DurableNodeFS } from './pglite-durable-fs.ts';

export const SHARED_BUFFERS = '16MB';

export function pgliteOptions(dir: string | undefined): PGliteOptions {
  const base = [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`];
  if (!dir) return { startParams: base };
  return { dataDir: dir, fs: new DurableNodeFS(dir), startParams: [...base.filter((p) => p !== '-F'), ...DURABLE_SETTINGS] };
}
