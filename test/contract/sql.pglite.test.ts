import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { PgliteWorkerStore, type PgliteWorkerOptions } from '../../src/engines/sql/pglite-worker.ts';
import type { SqlStore } from '../../src/engines/sql/port.ts';
import { sqlContract, type SqlHarness } from './sql.contract.ts';

const root = await mkdtemp(path.join(tmpdir(), 'orbit-sql-'));
after(() => rm(root, { recursive: true, force: true }));

// initdb dominates opening a fresh directory; copying a cleanly closed, empty cluster is quicker.
let template: Promise<string> | undefined;
function emptyCluster(): Promise<string> {
  template ??= (async () => {
    const dir = path.join(root, 'template');
    await (await PgliteStore.open(dir)).close();
    return dir;
  })();
  return template;
}

let dirs = 0;
async function freshDir(): Promise<string> {
  const dir = path.join(root, `db-${++dirs}`);
  await cp(await emptyCluster(), dir, { recursive: true });
  return dir;
}

function harness(openStore: (dir: string) => Promise<SqlStore>): () => Promise<SqlHarness> {
  return async () => {
    const dir = await freshDir();
    const opened = [await openStore(dir)];
    return {
      store: opened[0],
      reopen: async () => {
        const store = await openStore(dir);
        opened.push(store);
        return store;
      },
      cleanup: async () => {
        for (const store of opened) await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
}

// The suites run side by side: the worker store's PostgreSQL runs on another core.
describe('relational stores on PGlite', { concurrency: true }, () => {
  sqlContract('PGlite in this thread', harness((dir) => PgliteStore.open(dir)));
  sqlContract('PGlite in a worker thread', harness((dir) => PgliteWorkerStore.open(dir)));

  describe('PGlite worker store', { concurrency: 1 }, () => {
    /** A worker script that serves like the real one but dies on the query 'CRASH'. */
    async function crashingScript(): Promise<PgliteWorkerOptions> {
      const file = path.join(root, 'crashing-thread.mjs');
      const real = pathToFileURL(path.join(import.meta.dirname, '../../src/engines/sql/pglite-worker-thread.ts')).href;
      await writeFile(
        file,
        `import { parentPort } from 'node:worker_threads';
         import ${JSON.stringify(real)};
         parentPort.on('message', (m) => { if (m.sql === 'CRASH') throw new Error('simulated crash in the worker'); });`,
      );
      return { script: pathToFileURL(file) };
    }

    it('fails pending and later calls with a clear error when the worker dies, and closes without hanging', async () => {
      const dir = await freshDir();
      const store = await PgliteWorkerStore.open(dir, await crashingScript());
      try {
        await store.exec('CREATE TABLE t (id int PRIMARY KEY)');
        let inside!: () => void;
        const started = new Promise<void>((resolve) => (inside = resolve));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const transaction = store.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (1)');
          inside();
          await gate;
          await tx.query('INSERT INTO t VALUES (2)');
        });
        await started;
        const waiting = store.query('SELECT count(*) FROM t');
        const crash = store.query('CRASH');
        const stopped = /PGlite worker thread stopped.*simulated crash in the worker/;
        await assert.rejects(crash, stopped);
        await assert.rejects(waiting, stopped);
        release();
        await assert.rejects(transaction, stopped);
        assert.equal(store.isReady(), false);
        await assert.rejects(store.query('SELECT 1'), stopped);
        await assert.rejects(
          store.transaction(async () => undefined),
          stopped,
        );
        await store.close();
        assert.equal(store.isReady(), false);
      } finally {
        await store.close();
      }
    });

    it('rejects parameters that cannot cross to the worker, points error stacks at the caller, and stays usable', async () => {
      const store = await PgliteWorkerStore.open(await freshDir());
      try {
        await assert.rejects(store.query('SELECT $1::text AS x', [() => 'not data']), /could not be cloned/);
        await assert.rejects(
          store.query('SELECT * FROM missing_table'),
          (e: Error & { code?: string }) => e.code === '42P01' && e.stack!.includes('sql.pglite.test.ts') && e.stack!.includes('in the PGlite worker thread'),
        );
        assert.deepEqual((await store.query('SELECT $1::text AS x', ['data'])).rows, [{ x: 'data' }]);
      } finally {
        await store.close();
      }
    });

    it('refuses to open when the database cannot be created, with the reason', async () => {
      const file = path.join(root, 'not-a-directory');
      await writeFile(file, 'x');
      await assert.rejects(PgliteWorkerStore.open(path.join(file, 'db')), /ENOTDIR|not a directory/);
    });
  });
});
