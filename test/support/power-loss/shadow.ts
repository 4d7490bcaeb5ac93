/**
 * Power loss in a test: shadow-sync.c, preloaded into a process, keeps a copy of what the
 * process synced under its data directory; restoreSynced() rebuilds a directory holding
 * only that, which is what the disk would hold after the power failed. The shim is built
 * with gcc on first use into the user's cache, never kept in the repository.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const SOURCE = path.join(import.meta.dirname, 'shadow-sync.c');

/** Path of the built shim (built now if the source changed). */
export async function buildShadowShim(): Promise<string> {
  const source = await fs.readFile(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'orbit', 'power-loss');
  const lib = path.join(dir, `shadow-sync-${hash}.so`);
  try {
    await fs.access(lib);
    return lib;
  } catch {
    await fs.mkdir(dir, { recursive: true });
    const tmp = `${lib}.${process.pid}.tmp`;
    await promisify(execFile)('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, SOURCE, '-ldl', '-lpthread']);
    await fs.rename(tmp, lib);
    return lib;
  }
}

/** Environment that preloads the shim into a process whose data directory is `root`. */
export function shadowEnv(lib: string, root: string, shadowDir: string): Record<string, string> {
  // libuv may hand file operations to io_uring, which no preloaded library sees.
  return { LD_PRELOAD: lib, SHADOW_SYNC_ROOT: root, SHADOW_SYNC_DIR: shadowDir, UV_USE_IO_URING: '0' };
}

/** Writes into `target` (empty) the tree the shadow says survived: names as last recorded, contents as last synced. */
export async function restoreSynced(shadowDir: string, target: string): Promise<{ files: number; empty: number }> {
  const listing = await fs.readFile(path.join(shadowDir, 'namespace'), 'utf8').catch(() => '');
  let files = 0;
  let empty = 0;
  for (const line of listing.split('\n')) {
    if (line.startsWith('d ')) {
      await fs.mkdir(path.join(target, line.slice(2)), { recursive: true });
    } else if (line.startsWith('f ')) {
      const [, inode, ...rest] = line.split(' ');
      const file = path.join(target, rest.join(' '));
      await fs.mkdir(path.dirname(file), { recursive: true });
      try {
        await fs.copyFile(path.join(shadowDir, 'ino', inode), file);
        files += 1;
      } catch {
        await fs.writeFile(file, '');
        empty += 1;
      }
    }
  }
  return { files, empty };
}
