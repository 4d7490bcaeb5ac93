/**
 * The task queue contract against a real RabbitMQ, plus what a user of the adapter would
 * notice that the contract cannot see: outages (simulated by a TCP proxy that drops every
 * connection and refuses new ones, so the shared broker keeps running), masked credentials,
 * options recorded on the broker, messages that keep losing their consumer.
 *
 *   ORBIT_QUEUE_URL=amqp://user:password@127.0.0.1:55672/?management=55674 node --test test/contract/queue.rabbitmq.test.ts
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import amqp from 'amqplib';
import { RabbitMqTaskQueue } from '../../src/engines/queue/rabbitmq.ts';
import type { RabbitMqTaskQueueOptions } from '../../src/engines/queue/rabbitmq.ts';
import type { Delivery, TaskQueue } from '../../src/engines/queue/port.ts';
import { queueContract } from './queue.contract.ts';
import { realEngine } from '../support/engines.ts';
import { freePort } from '../support/net.ts';
import { sleep, until } from '../support/wait.ts';

const url = realEngine('ORBIT_QUEUE_URL');
const settings: RabbitMqTaskQueueOptions = { closeGraceMs: 300, reconnectWaitMs: 1500 };

/** Every queue a harness touched, so that cleanup can delete it with its retry and dead-letter queues. */
function recording(queue: TaskQueue, names: Set<string>): TaskQueue {
  const seen = (name: string): string => {
    names.add(name);
    return name;
  };
  return {
    assertQueue: (name, options) => queue.assertQueue(seen(name), options),
    publish: (name, body, options) => queue.publish(seen(name), body, options),
    consume: (name, handler, options) => queue.consume(seen(name), handler, options),
    deadLetters: (name, limit) => queue.deadLetters(seen(name), limit),
    depth: (name) => queue.depth(seen(name)),
    isReady: () => queue.isReady(),
    close: () => queue.close(),
  };
}

async function deleteQueues(names: Iterable<string>, at = url): Promise<void> {
  const admin = await RabbitMqTaskQueue.open(at, settings);
  try {
    for (const name of names) await admin.deleteQueue(name);
  } finally {
    await admin.close();
  }
}

queueContract('rabbitmq', async () => {
  const names = new Set<string>();
  const opened = [await RabbitMqTaskQueue.open(url, settings)];
  return {
    queue: recording(opened[0], names),
    reopen: async () => {
      await opened[opened.length - 1].close();
      const next = await RabbitMqTaskQueue.open(url, settings);
      opened.push(next);
      return recording(next, names);
    },
    cleanup: async () => {
      for (const queue of opened) await queue.close();
      await deleteQueues(names);
    },
  };
});

/** A loopback TCP proxy in front of the broker: cut() drops every connection and refuses new ones until restore(). */
class BrokerProxy {
  private readonly target: { host: string; port: number };
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  port = 0;

  constructor(brokerUrl: string) {
    const parsed = new URL(brokerUrl);
    this.target = { host: parsed.hostname, port: Number(parsed.port || 5672) };
  }

  /** The broker URL with the proxy as its address. */
  url(brokerUrl: string): string {
    const parsed = new URL(brokerUrl);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async listen(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  restore(): Promise<void> {
    return this.listen();
  }
}

describe('RabbitMqTaskQueue', () => {
  const created = new Set<string>();
  const name = (purpose: string): string => {
    const queue = `adapter.${purpose}.${randomUUID().slice(0, 8)}`;
    created.add(queue);
    return queue;
  };
  after(() => deleteQueues(created));

  test('an unreachable broker or a wrong password fails open() without showing the password', async () => {
    const secret = `s3cret-${randomUUID().slice(0, 6)}`;
    const parsed = new URL(url);
    const closedPort = await freePort();
    const unreachable = `amqp://orbit:${secret}@127.0.0.1:${closedPort}/`;
    await assert.rejects(RabbitMqTaskQueue.open(unreachable), (error: Error) => {
      assert.match(error.message, /RabbitMQ at amqp:\/\/orbit:\*\*\*@127\.0\.0\.1:\d+\/ is unreachable/);
      assert.ok(!error.message.includes(secret) && !String(error.stack).includes(secret), error.message);
      return true;
    });
    parsed.password = secret;
    await assert.rejects(RabbitMqTaskQueue.open(parsed.toString()), (error: Error) => {
      assert.match(error.message, /RabbitMQ at .* is unreachable: .*ACCESS.REFUSED/i);
      assert.ok(!error.message.includes(secret), error.message);
      return true;
    });
  });

  test('survives the broker going away: not ready, publish rejects naming RabbitMQ, then consumers resume and unacked work comes back as a new attempt', async () => {
    const proxy = new BrokerProxy(url);
    await proxy.listen();
    const queue = await RabbitMqTaskQueue.open(proxy.url(url), { ...settings, reconnectWaitMs: 1000 });
    const q = name('outage');
    try {
      await queue.assertQueue(q);
      const seen: { id: string; attempt: number }[] = [];
      let holdFirst = true;
      await queue.consume(
        q,
        async (d) => {
          seen.push({ id: d.id, attempt: d.attempt });
          // The first delivery is still being handled when the connection drops.
          if (holdFirst && d.id === 'before') await sleep(1500);
        },
        { prefetch: 4 },
      );
      await queue.publish(q, { n: 1 }, { id: 'before' });
      await until(() => assert.equal(seen.length, 1));

      await proxy.cut();
      await until(() => assert.equal(queue.isReady(), false));
      const began = Date.now();
      await assert.rejects(queue.publish(q, { n: 2 }, { id: 'during' }), (error: Error) => {
        assert.match(error.message, /^RabbitMQ at amqp:\/\/orbit:\*\*\*@127\.0\.0\.1:\d+\/ is unavailable/);
        return true;
      });
      assert.ok(Date.now() - began < 5000, 'a publish during an outage fails within seconds');
      await assert.rejects(queue.depth(q), /RabbitMQ/);

      holdFirst = false;
      await proxy.restore();
      await until(() => assert.equal(queue.isReady(), true), 10_000);
      await queue.publish(q, { n: 3 }, { id: 'after' });
      await until(() => assert.deepEqual(seen.map((s) => s.id).sort(), ['after', 'before', 'before']), 10_000);
      assert.deepEqual(
        seen.filter((s) => s.id === 'before').map((s) => s.attempt),
        [1, 2],
      );
      await until(async () => assert.deepEqual(await queue.depth(q), { ready: 0, unacked: 0, deadLettered: 0 }), 10_000);
    } finally {
      await queue.close();
      await proxy.cut();
    }
  });

  test('a message whose consumer keeps going away is dead-lettered once it used up maxAttempts', async () => {
    const queue = await RabbitMqTaskQueue.open(url, settings);
    const q = name('abandoned');
    let release = (): void => undefined;
    const hung = new Promise<void>((resolve) => (release = resolve));
    try {
      await queue.assertQueue(q, { maxAttempts: 2, retryDelayMs: 10 });
      await queue.publish(q, { job: 'hangs' }, { id: 'hangs-1' });
      const attempts: number[] = [];
      for (let round = 1; round <= 2; round += 1) {
        const consumer = await queue.consume(
          q,
          async (d) => {
            attempts.push(d.attempt);
            await hung;
          },
          { prefetch: 1 },
        );
        await until(() => assert.equal(attempts.length, round));
        await consumer.close();
      }
      const late: number[] = [];
      await queue.consume(q, async (d) => void late.push(d.attempt), { prefetch: 1 });
      await until(async () => assert.equal((await queue.deadLetters(q)).length, 1), 10_000);
      const [dead] = await queue.deadLetters(q);
      assert.deepEqual(attempts, [1, 2]);
      assert.deepEqual(late, [], 'no handler sees a third delivery');
      assert.equal(dead.id, 'hangs-1');
      assert.equal(dead.attempt, 2);
      assert.match(dead.reason, /abandoned after 2 deliveries/);
    } finally {
      release();
      await queue.close();
    }
  });

  test('a process that consumes without declaring the queue uses the options it was created with', async () => {
    const q = name('recorded-options');
    const declaring = await RabbitMqTaskQueue.open(url, settings);
    await declaring.assertQueue(q, { maxAttempts: 2, retryDelayMs: 20 });
    await declaring.publish(q, { x: 1 }, { id: 'opt-1' });
    await declaring.close();

    const other = await RabbitMqTaskQueue.open(url, settings);
    try {
      const attempts: number[] = [];
      await other.consume(
        q,
        async (d) => {
          attempts.push(d.attempt);
          throw new Error('fails every time');
        },
        { prefetch: 1 },
      );
      await until(async () => assert.equal((await other.depth(q)).deadLettered, 1), 10_000);
      assert.deepEqual(attempts, [1, 2]);
    } finally {
      await other.close();
    }
  });

  test('depth counts a message waiting out its retry delay as ready, and dead letters stay put when read', async () => {
    const queue = await RabbitMqTaskQueue.open(url, settings);
    const q = name('waiting');
    try {
      await queue.assertQueue(q, { maxAttempts: 3, retryDelayMs: 60_000 });
      for (let i = 0; i < 4; i += 1) await queue.publish(q, { i }, { id: `w-${i}` });
      const consumer = await queue.consume(
        q,
        async (d) => {
          if (d.id === 'w-0') await d.nack('later');
          else throw new Error(`give up on ${d.id}`);
        },
        { prefetch: 4 },
      );
      // w-1..w-3 fail on their first attempt too, but maxAttempts is 3: they wait as well.
      await until(async () => assert.deepEqual(await queue.depth(q), { ready: 4, unacked: 0, deadLettered: 0 }), 10_000);
      await consumer.close();

      const dying = name('dying');
      await queue.assertQueue(dying, { maxAttempts: 1 });
      for (let i = 0; i < 5; i += 1) await queue.publish(dying, { i }, { id: `d-${i}` });
      const reaper = await queue.consume(
        dying,
        async (d) => {
          await sleep(5 * Number(d.id.slice(2)));
          throw new Error(`failed ${d.id}`);
        },
        { prefetch: 1 },
      );
      await until(async () => assert.equal((await queue.depth(dying)).deadLettered, 5), 10_000);
      await reaper.close();
      const first = await queue.deadLetters(dying);
      const second = await queue.deadLetters(dying);
      assert.deepEqual(
        first.map((d) => d.id),
        ['d-0', 'd-1', 'd-2', 'd-3', 'd-4'],
      );
      assert.deepEqual(
        second.map((d) => d.id),
        first.map((d) => d.id),
      );
      assert.deepEqual(
        first.map((d) => d.reason),
        first.map((d) => `failed ${d.id}`),
      );
      assert.ok(first.every((d, i) => i === 0 || d.deadAt >= first[i - 1].deadAt), 'oldest first');
      assert.deepEqual(await queue.depth(dying), { ready: 0, unacked: 0, deadLettered: 5 });
    } finally {
      await queue.close();
    }
  });

  test('a message that is not JSON is dead-lettered as text, without reaching a handler', async () => {
    const queue = await RabbitMqTaskQueue.open(url, settings);
    const q = name('foreign');
    const foreign = await amqp.connect(url);
    try {
      await queue.assertQueue(q);
      const channel = await foreign.createConfirmChannel();
      channel.sendToQueue(q, Buffer.from('<reading>28.1</reading>'), { messageId: 'xml-1', persistent: true, headers: { origin: 'legacy' } });
      await channel.waitForConfirms();
      const handled: Delivery<unknown>[] = [];
      await queue.consume(q, async (d) => void handled.push(d), { prefetch: 1 });
      await until(async () => assert.equal((await queue.deadLetters(q)).length, 1), 10_000);
      const [dead] = await queue.deadLetters(q);
      assert.equal(dead.id, 'xml-1');
      assert.equal(dead.body, '<reading>28.1</reading>');
      assert.equal(dead.headers.origin, 'legacy');
      assert.match(dead.reason, /not JSON/);
      assert.equal(handled.length, 0);
    } finally {
      await foreign.close();
      await queue.close();
    }
  });

  test('publishing recreates a queue that was deleted behind its back', async () => {
    const queue = await RabbitMqTaskQueue.open(url, settings);
    const q = name('deleted');
    try {
      await queue.publish(q, { n: 1 });
      await deleteQueues([q]);
      await queue.publish(q, { n: 2 }, { id: 'second' });
      await until(async () => assert.equal((await queue.depth(q)).ready, 1), 10_000);
    } finally {
      await queue.close();
    }
  });

  test('close() is idempotent and waits for running handlers; afterwards every operation fails clearly', async () => {
    const queue = await RabbitMqTaskQueue.open(url, { ...settings, closeGraceMs: 5000 });
    const q = name('closing');
    let finished = false;
    let started = false;
    await queue.consume(
      q,
      async () => {
        started = true;
        await sleep(300);
        finished = true;
      },
      { prefetch: 1 },
    );
    await queue.publish(q, { n: 1 });
    await until(() => assert.equal(started, true));
    await Promise.all([queue.close(), queue.close()]);
    assert.equal(finished, true, 'the running handler finished before close() resolved');
    assert.equal(queue.isReady(), false);
    await assert.rejects(queue.publish(q, 1), /closed/);
    await queue.close();
    // The handler's implicit ack went out before the channel closed: nothing is left.
    const check = await RabbitMqTaskQueue.open(url, settings);
    try {
      await until(async () => assert.deepEqual(await check.depth(q), { ready: 0, unacked: 0, deadLettered: 0 }), 10_000);
    } finally {
      await check.close();
    }
  });

  test('rejects bad options, reserved headers and reserved names', async () => {
    const queue = await RabbitMqTaskQueue.open(url, settings);
    try {
      await assert.rejects(queue.assertQueue(name('bad'), { maxAttempts: 0 }), /maxAttempts/);
      await assert.rejects(queue.assertQueue(name('bad'), { retryDelayMs: -1 }), /retryDelayMs/);
      await assert.rejects(queue.consume(name('bad'), async () => undefined, { prefetch: 0 }), /prefetch/);
      await assert.rejects(queue.publish(name('bad'), 1, { headers: { 'x-delivery-count': '3' } }), /reserved/);
      await assert.rejects(queue.publish('amq.gen-x', 1), /reserved/);
    } finally {
      await queue.close();
    }
  });
});
