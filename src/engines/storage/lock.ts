/**
 * One owner per store directory: two processes appending to the same logs would
 * interleave frames and corrupt them. The lock is a file holding the owner's pid; a lock
 * left by a process that died (crash, SIGKILL) is taken over.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** Directories locked by this process, so a pid equal to ours in a lock file can be told apart from a stale one. */
const heldHere = new Set<string>();

export interface DirLock {
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `name` (a file in `dir`) as the lock; different engines may share a directory under different names. */
export async function lockDir(dir: string, name: string): Promise<DirLock> {
  const file = path.resolve(dir, name);
  const key = file;
  if (heldHere.has(key)) throw new Error(`${dir} is already open in this process`);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: 'wx' });
      heldHere.add(key);
      return {
        release: async () => {
          if (!heldHere.delete(key)) return;
          await fs.rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
    // Our own pid in a lock we do not hold: left by an earlier process that had the same pid (containers).
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new Error(`${dir} is in use by process ${owner}`);
    }
    await fs.rm(file, { force: true });
  }
  throw new Error(`could not lock ${dir}`);
}
