/**
 * The reachability probe against a fake engine. Timings are short but nothing asserts how
 * long a step took: only states, the order of events, and generous upper bounds.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReachabilityProbe, type ProbeOptions } from '../../src/engines/shared/probe.ts';
import { Wakeup } from '../../src/lib/wakeup.ts';
import { until } from '../support/wait.ts';

/** An engine whose answer the test sets; it records every check and what the probe said. */
class FakeEngine {
  up = true;
  checks: boolean[] = [];
  events: string[] = [];
  /** While set, a check waits for it before answering. */
  hold: Promise<void> | undefined;

  probe(options: Partial<ProbeOptions> = {}): ReachabilityProbe {
    return new ReachabilityProbe({
      check: async (recovering) => {
        this.checks.push(recovering);
        this.events.push(`check ${recovering ? 'recovering' : 'periodic'}`);
        await this.hold;
        if (!this.up) throw new Error('connect ECONNREFUSED');
      },
      intervalMs: 60_000,
      backoff: { initialMs: 10, maxMs: 40 },
      onLost: (cause) => this.events.push(`lost: ${(cause as Error).message}`),
      onBack: () => this.events.push('back'),
      ...options,
    });
  }
}

describe('reachability probe', () => {
  test('starts reachable: waiting resolves at once and nothing is checked before the interval', async () => {
    const engine = new FakeEngine();
    const probe = engine.probe();
    try {
      assert.equal(probe.isReady(), true);
      assert.equal(await probe.waitUntilReachable(Date.now() + 10), true);
      await sleep(50);
      assert.deepEqual(engine.checks, []);
    } finally {
      await probe.close();
    }
  });

  test('a loss is checked at once, then with backoff until the engine answers; waiters are woken then', async () => {
    const engine = new FakeEngine();
    const probe = engine.probe();
    try {
      engine.up = false;
      probe.lost(new Error('connection terminated'));
      probe.lost(new Error('a second failure in the same outage'));
      assert.equal(probe.isReady(), false);
      const waiting = probe.waitUntilReachable(Date.now() + 30_000);
      await until(() => assert.ok(engine.checks.length >= 3, `${engine.checks.length} checks`), 10_000);
      assert.equal(probe.isReady(), false);
      assert.match(String((probe.lastFailure as Error).message), /ECONNREFUSED/);
      engine.up = true;
      assert.equal(await waiting, true);
      assert.equal(probe.isReady(), true);
      assert.ok(engine.checks.every((recovering) => recovering), 'checks during the outage say so');
      const events = engine.events.filter((e, i, all) => e !== all[i - 1]);
      assert.deepEqual(events, ['lost: connection terminated', 'check recovering', 'back']);
    } finally {
      await probe.close();
    }
  });

  test('work waiting past its deadline is answered false, and the probe stays unreachable', async () => {
    const engine = new FakeEngine();
    engine.up = false;
    const probe = engine.probe();
    try {
      probe.lost(new Error('gone'));
      assert.equal(await probe.waitUntilReachable(Date.now() + 50), false);
      assert.equal(await probe.waitUntilReachable(Date.now() - 1), false);
      assert.equal(probe.isReady(), false);
    } finally {
      await probe.close();
    }
  });

  test('waiting work brings a check put off by a long backoff forward', async () => {
    const engine = new FakeEngine();
    engine.up = false;
    const probe = engine.probe({ backoff: { initialMs: 600_000, maxMs: 600_000 }, waitingCheckMs: 20 });
    try {
      probe.lost(new Error('gone'));
      await until(() => assert.equal(engine.checks.length, 1), 10_000);
      engine.up = true;
      // The next check is ten minutes off by the backoff; a waiter is answered long before.
      assert.equal(await probe.waitUntilReachable(Date.now() + 60_000), true);
      assert.equal(engine.checks.length, 2);
    } finally {
      await probe.close();
    }
  });

  test('while reachable, a quiet engine is checked periodically, and a failed check starts an outage', async () => {
    const engine = new FakeEngine();
    const probe = engine.probe({ intervalMs: 20 });
    try {
      await until(() => assert.ok(engine.checks.length >= 2), 10_000);
      assert.ok(engine.checks.every((recovering) => !recovering));
      assert.equal(probe.isReady(), true);
      engine.up = false;
      await until(() => assert.equal(probe.isReady(), false), 10_000);
      engine.up = true;
      await until(() => assert.equal(probe.isReady(), true), 10_000);
      assert.deepEqual(
        engine.events.filter((e) => !e.startsWith('check')),
        ['lost: connect ECONNREFUSED', 'back'],
      );
    } finally {
      await probe.close();
    }
  });

  test('no periodic check while the engine is busy; a loss is checked all the same', async () => {
    const engine = new FakeEngine();
    const probe = engine.probe({ intervalMs: 5, idle: () => false });
    try {
      await sleep(100);
      assert.deepEqual(engine.checks, []);
      engine.up = false;
      probe.lost(new Error('gone'));
      await until(() => assert.ok(engine.checks.length >= 1), 10_000);
      assert.equal(engine.checks[0], true);
    } finally {
      await probe.close();
    }
  });

  test('an answer the adapter saw ends an outage and wakes the waiters, without waiting for a check', async () => {
    const engine = new FakeEngine();
    engine.up = false;
    const probe = engine.probe({ backoff: { initialMs: 600_000, maxMs: 600_000 } });
    try {
      probe.lost(new Error('gone'));
      await until(() => assert.equal(engine.checks.length, 1), 10_000);
      const waiting = probe.waitUntilReachable(Date.now() + 60_000);
      probe.answered();
      assert.equal(probe.isReady(), true);
      assert.equal(await waiting, true);
      assert.deepEqual(engine.events.slice(-1), ['back']);
    } finally {
      await probe.close();
    }
  });

  test('a suspicion is checked at once, and a passing check leaves the engine reachable', async () => {
    const engine = new FakeEngine();
    const probe = engine.probe();
    try {
      probe.suspect(new Error('one idle connection died'));
      await until(() => assert.deepEqual(engine.checks, [false]), 10_000);
      await sleep(20);
      assert.equal(probe.isReady(), true);
      assert.deepEqual(engine.events, ['check periodic']);
    } finally {
      await probe.close();
    }
  });

  test('close wakes the waiters, lets a check under way settle and starts none after it', async () => {
    const engine = new FakeEngine();
    engine.up = false;
    let release = (): void => undefined;
    engine.hold = new Promise<void>((resolve) => (release = resolve));
    const probe = engine.probe({ backoff: { initialMs: 1, maxMs: 1 } });
    probe.lost(new Error('gone'));
    await until(() => assert.equal(engine.checks.length, 1), 10_000);
    const waiting = probe.waitUntilReachable(Date.now() + 60_000);
    let closed = false;
    const closing = probe.close().then(() => (closed = true));
    assert.equal(await waiting, false, 'waiters are answered at close, not at their deadline');
    assert.equal(probe.isReady(), false);
    await sleep(20);
    assert.equal(closed, false, 'close waits for the check under way');
    engine.up = true;
    release();
    await closing;
    await sleep(50);
    assert.equal(engine.checks.length, 1, 'no last check after close');
    assert.equal(probe.isReady(), false, 'a check that passed after close does not reopen it');
    assert.equal(await probe.waitUntilReachable(Date.now() + 60_000), false);
    assert.deepEqual(engine.events, ['lost: gone', 'check recovering']);
  });

  test('closing promptly: a probe waiting out a long backoff closes without checking again', async () => {
    const engine = new FakeEngine();
    engine.up = false;
    const probe = engine.probe({ backoff: { initialMs: 600_000, maxMs: 600_000 } });
    probe.lost(new Error('gone'));
    await until(() => assert.equal(engine.checks.length, 1), 10_000);
    await probe.close();
    assert.equal(engine.checks.length, 1);
  });
});

describe('wakeup', () => {
  test('a wait ends at its time, or sooner when woken; waking with no wait does nothing', async () => {
    const wakeup = new Wakeup({ unref: true });
    wakeup.wake();
    const order: string[] = [];
    const long = wakeup.wait(600_000).then(() => order.push('long'));
    const other = wakeup.wait(600_000).then(() => order.push('other'));
    await sleep(5);
    assert.deepEqual(order, []);
    wakeup.wake();
    await Promise.all([long, other]);
    assert.deepEqual(order.sort(), ['long', 'other']);
    await wakeup.wait(1);
  });
});
