/** Engines under test opened on throwaway directories that are always removed afterwards. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export async function tempDir(prefix = 'orbit-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function withTempDir(prefix: string, run: (dir: string) => Promise<void>): Promise<void> {
  const { dir, remove } = await tempDir(prefix);
  try {
    await run(dir);
  } finally {
    await remove();
  }
}

interface Closable {
  close(): Promise<void>;
}

/** The shape the contract suites' harnesses share; each suite names `store` after its port. */
export interface ReopenableStore<S> {
  dir: string;
  store: S;
  /** Opens another store over the same data. */
  reopen: () => Promise<S>;
  /** Closes every store opened here and removes the data. */
  cleanup: () => Promise<void>;
}

export interface ReopenableOptions {
  /**
   * Close the newest store before opening the next, as the queue and event log
   * contracts expect of `reopen` (those engines lock their directory).
   */
  closeOnReopen?: boolean;
  /** Runs on the empty directory before the first open. */
  prepare?: (dir: string) => Promise<void>;
}

/** Opens a store on a fresh temp dir, ready to be reopened over the same data. */
export async function reopenable<S extends Closable>(
  prefix: string,
  open: (dir: string) => Promise<S>,
  options: ReopenableOptions = {},
): Promise<ReopenableStore<S>> {
  const { dir, remove } = await tempDir(prefix);
  await options.prepare?.(dir);
  // Closing is idempotent in every engine, so stores closed already by a test or a reopen are closed again harmlessly.
  const opened: S[] = [await open(dir)];
  return {
    dir,
    store: opened[0],
    reopen: async () => {
      if (options.closeOnReopen) await opened[opened.length - 1].close();
      const next = await open(dir);
      opened.push(next);
      return next;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      await remove();
    },
  };
}

/** Runs `run` on a freshly opened harness and cleans the harness up whatever happens. */
export async function withHarness<H extends { cleanup: () => Promise<void> }>(open: () => Promise<H>, run: (harness: H) => Promise<void>): Promise<void> {
  const harness = await open();
  try {
    await run(harness);
  } finally {
    await harness.cleanup();
  }
}
