import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PoolClosedError, WorkerPool, WorkerTaskError } from '../../src/components/compute/pool.ts';

// A worker speaking the pool's protocol: says it is ready, then echoes, fails politely, crashes, or stalls on request.
const SCRIPT = `
import { parentPort, threadId } from 'node:worker_threads';
parentPort.on('message', ({ id, input }) => {
  if (input.do === 'echo') parentPort.postMessage({ id, ok: true, value: { echo: input.value, threadId } });
  if (input.do === 'fail') parentPort.postMessage({ id, ok: false, error: { name: 'OrbitError', message: 'no orbit', code: 7 } });
  if (input.do === 'crash') throw new Error('worker blew up');
  if (input.do === 'exit') process.exit(3);
  if (input.do === 'stall') setTimeout(() => parentPort.postMessage({ id, ok: true, value: 'late' }), 60_000);
});
parentPort.postMessage({ ready: true });
`;

type Input = { do: 'echo'; value: number } | { do: 'fail' | 'crash' | 'exit' | 'stall' };
let dir: string;
let script: URL;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orbit-pool-'));
  await writeFile(path.join(dir, 'worker.mjs'), SCRIPT);
  await writeFile(path.join(dir, 'broken.mjs'), 'throw new Error("cannot load");');
  script = pathToFileURL(path.join(dir, 'worker.mjs'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('tasks spread over the workers and each answer reaches its own caller', async () => {
  const pool = new WorkerPool<Input, { echo: number; threadId: number }>(script, 3);
  await pool.start();
  try {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => pool.run({ do: 'echo', value: i })));
    assert.deepEqual(answers.map((a) => a.echo), Array.from({ length: 30 }, (_, i) => i));
    assert.ok(new Set(answers.map((a) => a.threadId)).size > 1, 'more than one worker did work');
    assert.deepEqual(pool.stats(), { size: 3, busy: 0, queued: 0 });
  } finally {
    await pool.close();
  }
});

test('an error answered by the worker rejects the task with its name and details', async () => {
  const pool = new WorkerPool<Input, unknown>(script, 1);
  await pool.start();
  try {
    await assert.rejects(pool.run({ do: 'fail' }), (error: unknown) => error instanceof WorkerTaskError && error.name === 'OrbitError' && error.message === 'no orbit' && error.details.code === 7);
    assert.equal(((await pool.run({ do: 'echo', value: 1 })) as { echo: number }).echo, 1, 'the worker carries on');
  } finally {
    await pool.close();
  }
});

test('a crashing worker fails only its own task and is replaced', async () => {
  const crashes: Error[] = [];
  const pool = new WorkerPool<Input, { echo: number }>(script, 1, { onCrash: (e) => crashes.push(e) });
  await pool.start();
  try {
    const queued = pool.run({ do: 'echo', value: 5 });
    await assert.rejects(pool.run({ do: 'crash' }), /worker blew up/);
    await assert.rejects(pool.run({ do: 'exit' }), /exited with code 3/);
    assert.equal((await queued).echo, 5);
    assert.equal((await pool.run({ do: 'echo', value: 6 })).echo, 6, 'the replacement worker takes new tasks');
    assert.equal(crashes.length, 2);
    assert.equal(pool.stats().size, 1);
  } finally {
    await pool.close();
  }
});

test('closing rejects running and queued tasks with PoolClosedError, and later runs too', async () => {
  const pool = new WorkerPool<Input, unknown>(script, 1);
  await pool.start();
  const running = assert.rejects(pool.run({ do: 'stall' }), PoolClosedError);
  const queued = assert.rejects(pool.run({ do: 'echo', value: 1 }), PoolClosedError);
  await pool.close();
  await running;
  await queued;
  await assert.rejects(pool.run({ do: 'echo', value: 2 }), PoolClosedError);
  assert.equal(pool.running, false);
});

test('a worker script that cannot load makes start() fail', async () => {
  const pool = new WorkerPool<Input, unknown>(pathToFileURL(path.join(dir, 'broken.mjs')), 2);
  await assert.rejects(pool.start(), /cannot load/);
  assert.equal(pool.running, false);
});

test('an aborted signal drops its tasks still queued, lets the one on a worker finish, and leaves other tasks alone', async () => {
  const pool = new WorkerPool<Input, unknown>(script, 1);
  await pool.start();
  try {
    const cancel = new AbortController();
    const reason = new Error('cancelled');
    const running = pool.run({ do: 'echo', value: 1 }, cancel.signal);
    const queued = [pool.run({ do: 'echo', value: 2 }, cancel.signal), pool.run({ do: 'echo', value: 3 }, cancel.signal)];
    const other = pool.run({ do: 'echo', value: 4 });
    assert.equal(pool.stats().queued, 3);
    cancel.abort(reason);
    assert.equal(pool.stats().queued, 1, 'only the task of another caller still waits');
    for (const task of queued) await assert.rejects(task, (error) => error === reason);
    assert.equal(((await running) as { echo: number }).echo, 1);
    assert.equal(((await other) as { echo: number }).echo, 4);
    await assert.rejects(pool.run({ do: 'echo', value: 5 }, cancel.signal), (error) => error === reason, 'a task given an aborted signal never queues');
    assert.deepEqual(pool.stats(), { size: 1, busy: 0, queued: 0 });
  } finally {
    await pool.close();
  }
});
