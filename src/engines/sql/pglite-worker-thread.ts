/**
 * Worker thread of PgliteWorkerStore: owns the PGlite database and answers the
 * requests of pglite-worker.ts, one reply per request id.
 */
import { mkdir } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { toWire, type Ready, type Reply, type Request, type WorkerData } from './pglite-worker.ts';
import { pgliteOptions } from './pglite-options.ts';

if (!parentPort) throw new Error('pglite-worker-thread.ts runs as the worker thread of PgliteWorkerStore');
const port = parentPort;
const { dir } = (workerData ?? {}) as WorkerData;

/** Rejects a held transaction so that PGlite rolls it back; never leaves this file. */
const ROLLBACK = Symbol('rollback');

interface HeldTransaction {
  tx: Transaction;
  end(requestId: number, commit: boolean): void;
}

const transactions = new Map<number, HeldTransaction>();

function post(message: Reply | Ready): void {
  try {
    port.postMessage(message);
  } catch (error) {
    // A result structured clone refuses must still answer its caller.
    if ('id' in message) port.postMessage({ id: message.id, ok: false, error: toWire(error) } satisfies Reply);
    else throw error;
  }
}

async function openDatabase(): Promise<PGlite | undefined> {
  try {
    if (dir) await mkdir(dir, { recursive: true });
    return await PGlite.create(pgliteOptions(dir));
  } catch (error) {
    post({ ready: false, error: toWire(error) });
    return undefined;
  }
}

function target(db: PGlite, tx: number | undefined): PGlite | Transaction {
  if (tx === undefined) return db;
  const held = transactions.get(tx);
  if (!held) throw new Error(`transaction ${tx} is not open`);
  return held.tx;
}

/** Holds a PGlite transaction open until its `end` request arrives. */
function begin(db: PGlite, id: number): void {
  let started = false;
  let endId = id;
  db.transaction(
    (tx) =>
      new Promise<void>((resolve, reject) => {
        started = true;
        transactions.set(id, {
          tx,
          end(requestId, commit) {
            endId = requestId;
            transactions.delete(id);
            if (commit) resolve();
            else reject(ROLLBACK);
          },
        });
        post({ id, ok: true, value: id });
      }),
  ).then(
    () => post({ id: endId, ok: true }),
    (error: unknown) => {
      // Before the callback ran, BEGIN itself failed and the begin request gets the error.
      transactions.delete(id);
      if (started && error === ROLLBACK) post({ id: endId, ok: true });
      else post({ id: endId, ok: false, error: toWire(error) });
    },
  );
}

async function run(db: PGlite, request: Request): Promise<unknown> {
  switch (request.op) {
    case 'query': {
      const result = await target(db, request.tx).query(request.sql, request.params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    }
    case 'exec':
      await target(db, request.tx).exec(request.sql);
      return undefined;
    case 'close':
      await db.close();
      return undefined;
    case 'begin':
    case 'end':
      throw new Error(`${request.op} is not answered by run()`);
  }
}

function serve(db: PGlite): void {
  port.on('message', (request: Request) => {
    if (request.op === 'begin') return begin(db, request.id);
    if (request.op === 'end') {
      const held = transactions.get(request.tx);
      if (held) held.end(request.id, request.commit);
      else post({ id: request.id, ok: false, error: toWire(new Error(`transaction ${request.tx} is not open`)) });
      return;
    }
    run(db, request).then(
      (value) => post({ id: request.id, ok: true, value }),
      (error: unknown) => post({ id: request.id, ok: false, error: toWire(error) }),
    );
  });
  post({ ready: true });
}

const opened = await openDatabase();
// Without a database nothing listens on the port, so the thread ends.
if (opened) serve(opened);
