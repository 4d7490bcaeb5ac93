import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission, type AdmissionOptions } from '../../src/components/ingest/admission.ts';
import { HttpProblem } from '../../src/platform/problem.ts';

/** An admission whose backlog is only sampled when a test says so, counting refusals. */
function admission(options: Partial<AdmissionOptions> = {}) {
  const refused = { count: 0 };
  const gate = new Admission({ maxInflight: 2, maxBacklog: 10, backlog: async () => 0, sampleEveryMs: 3_600_000, onRefused: () => refused.count++, ...options });
  return { gate, refused };
}

function refusal(status: number, retryAfterSeconds: number, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof HttpProblem, String(error));
    assert.deepEqual([error.status, error.retryAfterSeconds], [status, retryAfterSeconds]);
    assert.match(error.message, message);
    return true;
  };
}

function deferred() {
  let resolve!: (value: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

test('work beyond the in-flight limit is refused with 503 and Retry-After 1 until a slot frees', async () => {
  const { gate, refused } = admission({ maxInflight: 2 });
  const first = deferred();
  const second = deferred();
  const running = [gate.run(() => first.promise), gate.run(() => second.promise)];
  await assert.rejects(gate.run(async () => 'third'), refusal(503, 1, /too many batches in flight/));
  assert.equal(refused.count, 1);

  first.resolve('one');
  assert.equal(await running[0], 'one');
  assert.equal(await gate.run(async () => 'third'), 'third');
  second.resolve('two');
  assert.equal(await running[1], 'two');
  gate.drain();
});

test('work that throws gives its slot back', async () => {
  const { gate } = admission({ maxInflight: 1 });
  await assert.rejects(gate.run(async () => {
    throw new Error('enqueue failed');
  }), /enqueue failed/);
  assert.equal(await gate.run(async () => 'next'), 'next');
  gate.drain();
});

test('a sampled backlog at its limit refuses with Retry-After 2 and says how far behind; an unknown backlog counts as none', async () => {
  let depth = 0;
  let known = true;
  const { gate, refused } = admission({
    maxBacklog: 10,
    backlog: async () => {
      if (!known) throw new Error('management API unreachable');
      return depth;
    },
  });
  depth = 10;
  assert.equal(await gate.run(async () => 'before sampling'), 'before sampling', 'the backlog is sampled, not read per request');
  await gate.sample();
  await assert.rejects(gate.run(async () => 'refused'), refusal(503, 2, /behind by 10 batches/));
  assert.equal(refused.count, 1);

  depth = 9;
  await gate.sample();
  assert.equal(await gate.run(async () => 'caught up'), 'caught up');

  depth = 50;
  known = false;
  await gate.sample();
  assert.equal(await gate.run(async () => 'unknown'), 'unknown');
  gate.drain();
});

test('the backlog is sampled on its own every sampleEveryMs', async () => {
  const { gate } = admission({ backlog: async () => 99, sampleEveryMs: 10 });
  const deadline = Date.now() + 10_000;
  let refusedOnce = false;
  while (!refusedOnce && Date.now() < deadline) {
    refusedOnce = await gate.run(async () => false).catch(() => true);
    if (!refusedOnce) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  gate.drain();
  assert.ok(refusedOnce, 'the sampled backlog of 99 was never applied');
});

test('draining refuses new work with "shutting down" and Retry-After 1, and lets running work finish', async () => {
  const { gate, refused } = admission();
  const running = deferred();
  const result = gate.run(() => running.promise);
  gate.drain();
  await assert.rejects(gate.run(async () => 'late'), refusal(503, 1, /shutting down/));
  assert.equal(refused.count, 1);
  running.resolve('finished');
  assert.equal(await result, 'finished');
});
