import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { ElasticsearchLogIndex, type ElasticsearchLogIndexOptions } from '../../src/engines/logs/elasticsearch.ts';
import type { LogEntry, LogIndex } from '../../src/engines/logs/port.ts';
import { realEngine } from '../support/engines.ts';
import { freePort } from '../support/net.ts';
import { withHarness } from '../support/temp-store.ts';
import { sleep, until } from '../support/wait.ts';
import { logsContract, type LogsHarness } from './logs.contract.ts';

const url = realEngine('ORBIT_SEARCH_URL');
const admin = new Client({ node: url });
after(() => admin.close());

const uniquePrefix = () => `orbit-logs-test-${randomBytes(5).toString('hex')}`;

/** Removes every day index, the alias and the template one prefix made. */
async function dropPrefix(prefix: string): Promise<void> {
  const indices = Object.keys(await admin.indices.get({ index: `${prefix}-*`, expand_wildcards: 'all' }));
  if (indices.length) await admin.indices.delete({ index: indices }, { ignore: [404] });
  await admin.indices.deleteIndexTemplate({ name: prefix }, { ignore: [404] });
}

async function dayIndices(prefix: string): Promise<string[]> {
  return Object.keys(await admin.indices.get({ index: `${prefix}-*`, expand_wildcards: 'all' })).sort();
}

async function harness(options: ElasticsearchLogIndexOptions = {}, target = url): Promise<LogsHarness & { prefix: string }> {
  const prefix = options.indexPrefix ?? uniquePrefix();
  const open = () => ElasticsearchLogIndex.open(target, { ...options, indexPrefix: prefix });
  const opened: LogIndex[] = [await open()];
  return {
    prefix,
    index: opened[0],
    reopen: async () => {
      const next = await open();
      opened.push(next);
      return next;
    },
    cleanup: async () => {
      for (const index of opened) await index.close();
      await dropPrefix(prefix);
    },
  };
}

logsContract('elasticsearch', () => harness());

const DAY = 86_400_000;
const esDay = (time: number) => new Date(time).toISOString().slice(0, 10).replaceAll('-', '.');
const entry = (time: number, msg: string, extra: Partial<LogEntry> = {}): LogEntry => ({ time, level: 'info', msg, service: 'all', ...extra });
const messages = async (index: LogIndex, text: string, limit = 1000) => (await index.search({ text, limit })).map((e) => e.msg);

/** A TCP relay in front of Elasticsearch that can go away and come back on the same port, or lose responses. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly upstream: URL;
  port = 0;
  /** Bulk requests whose response is dropped (the connection is cut instead) while this is above zero. */
  loseBulkResponses = 0;

  constructor(upstream: string) {
    this.upstream = new URL(upstream);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const upstream = createConnection({ host: this.upstream.hostname, port: Number(this.upstream.port) });
    this.sockets.add(client).add(upstream);
    let dropResponse = false;
    client.on('data', (chunk: Buffer) => {
      if (this.loseBulkResponses > 0 && chunk.includes('/_bulk')) {
        this.loseBulkResponses--;
        dropResponse = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // The request reached Elasticsearch and was served; only the answer goes missing.
      if (dropResponse) client.destroy();
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}

async function withRelay(run: (relay: Relay) => Promise<void>): Promise<void> {
  const relay = new Relay(url);
  await relay.start();
  try {
    await run(relay);
  } finally {
    await relay.stop();
  }
}

describe('elasticsearch log index', () => {
  it('writes one index per UTC day behind the alias, and searches across them', async () => {
    const now = Date.now();
    await withHarness(() => harness({ refresh: 'wait_for' }), async ({ index, prefix }) => {
      await index.index([entry(now - 2 * DAY, 'pass two days ago'), entry(now, 'pass today')]);
      assert.deepEqual(await dayIndices(prefix), [`${prefix}-${esDay(now - 2 * DAY)}`, `${prefix}-${esDay(now)}`].sort());
      assert.deepEqual(await messages(index, 'pass'), ['pass today', 'pass two days ago']);
    });
  });

  it('deletes day indices past retention when opened, and keeps the rest', async () => {
    const now = Date.now();
    await withHarness(() => harness({ refresh: 'wait_for', retentionDays: 30 }), async ({ index, prefix }) => {
      await index.index([entry(now - 10 * DAY, 'ancient pass'), entry(now - 3 * DAY, 'recent pass')]);
      await index.close();
      const narrower = await ElasticsearchLogIndex.open(url, { indexPrefix: prefix, retentionDays: 7 });
      try {
        assert.deepEqual(await dayIndices(prefix), [`${prefix}-${esDay(now - 3 * DAY)}`]);
        assert.deepEqual(await messages(narrower, 'pass'), ['recent pass']);
      } finally {
        await narrower.close();
      }
    });
  });

  it('makes entries searchable before index resolves with refresh wait_for', async () => {
    const now = Date.now();
    await withHarness(() => harness({ refresh: 'wait_for' }), async ({ index }) => {
      for (let i = 0; i < 3; i++) {
        await index.index([entry(now + i, `immediate ${i}`)]);
        assert.equal((await messages(index, 'immediate')).length, i + 1);
      }
    });
  });

  it('stores a resent batch once, and keeps identical entries within one batch', async () => {
    const now = Date.now();
    await withHarness(() => harness({ refresh: 'wait_for' }), async ({ index }) => {
      const batch = [entry(now, 'frame dropped'), entry(now, 'frame dropped'), entry(now + 1, 'frame kept', { fields: { n: 1 } })];
      await index.index(batch);
      await index.index(batch);
      assert.deepEqual(await messages(index, 'frame'), ['frame kept', 'frame dropped', 'frame dropped']);
    });
  });

  it('puts the later arrival first among entries of the same millisecond', async () => {
    const now = Date.now();
    await withHarness(() => harness({ refresh: 'wait_for' }), async ({ index }) => {
      await index.index([entry(now, 'frame received'), entry(now, 'frame stored'), entry(now - 1, 'frame earlier')]);
      await sleep(5);
      await index.index([entry(now, 'frame acknowledged')]);
      assert.deepEqual(await messages(index, 'frame'), ['frame acknowledged', 'frame stored', 'frame received', 'frame earlier']);
    });
  });

  it('splits words at dots and colons as the embedded index does', async () => {
    const now = Date.now();
    await withHarness(() => harness({ refresh: 'wait_for' }), async ({ index }) => {
      await index.index([entry(now, 'lag on telemetry.processed', { fields: { endpoint: 'ground:7400', note: 'Über-Grenze' } })]);
      for (const text of ['telemetry', 'processed', 'telemetry.processed', 'ground 7400', 'über grenze', 'LAG TELEM']) {
        assert.deepEqual(await messages(index, text), ['lag on telemetry.processed'], text);
      }
      assert.deepEqual(await messages(index, 'endpoint'), [], 'field names are not searched');
      assert.deepEqual(await messages(index, '...'), ['lag on telemetry.processed'], 'text without words filters nothing');
    });
  });

  it('rejects a batch holding an invalid entry and indexes none of it', async () => {
    await withHarness(() => harness({ refresh: 'wait_for' }), async ({ index, prefix }) => {
      const bad = { time: Date.now(), level: 'loud', msg: 'bad level', service: 'all' } as unknown as LogEntry;
      await assert.rejects(index.index([entry(Date.now(), 'good entry'), bad]), /entry 1: level must be one of/);
      assert.deepEqual(await dayIndices(prefix), []);
      assert.deepEqual(await index.search({}), []);
      await assert.rejects(index.search({ level: 'loud' as never }), /unknown level/);
      await assert.rejects(index.search({ limit: 0 }), /limit must be a positive integer/);
    });
  });

  it('fails to open an unreachable engine naming it, without the password', async () => {
    const port = await freePort();
    await assert.rejects(ElasticsearchLogIndex.open(`http://orbit:hunter2secret@127.0.0.1:${port}`, { timeoutMs: 1000 }), (error: Error) => {
      assert.match(error.message, new RegExp(`Elasticsearch at http://127\\.0\\.0\\.1:${port} could not be opened`));
      assert.doesNotMatch(error.message + String(error.stack), /hunter2secret/);
      assert.equal((error as { cause?: unknown }).cause, undefined);
      return true;
    });
  });

  it('goes unready while the engine is unreachable, rejects in time, and carries on after', async () => {
    await withRelay(async (relay) => {
      await withHarness(() => harness({ refresh: 'wait_for', timeoutMs: 1500 }, relay.url), async ({ index }) => {
        const now = Date.now();
        await index.index([entry(now, 'before outage')]);
        await relay.stop();
        await until(() => assert.equal(index.isReady(), false), 5000);
        const began = Date.now();
        await assert.rejects(index.index([entry(now + 1, 'during outage')]), /Elasticsearch at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
        await assert.rejects(index.search({}), /Elasticsearch at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
        assert.ok(Date.now() - began < 6000, 'operations during an outage give up after timeoutMs');
        await relay.start();
        await until(() => assert.equal(index.isReady(), true), 8000);
        await index.index([entry(now + 2, 'after outage')]);
        assert.deepEqual(await messages(index, 'outage'), ['after outage', 'before outage']);
      });
    });
  });

  it('holds an operation issued during a short outage until the engine is back', async () => {
    await withRelay(async (relay) => {
      await withHarness(() => harness({ refresh: 'wait_for', timeoutMs: 8000 }, relay.url), async ({ index }) => {
        const now = Date.now();
        await relay.stop();
        await until(() => assert.equal(index.isReady(), false), 5000);
        const write = index.index([entry(now, 'written across the outage')]);
        await sleep(1000);
        await relay.start();
        await write;
        assert.deepEqual(await messages(index, 'outage'), ['written across the outage']);
      });
    });
  });

  it('stores a batch once when its response is lost and the request is retried', async () => {
    await withRelay(async (relay) => {
      await withHarness(() => harness({ refresh: 'wait_for', timeoutMs: 8000 }, relay.url), async ({ index }) => {
        const now = Date.now();
        relay.loseBulkResponses = 1;
        await index.index(Array.from({ length: 50 }, (_, i) => entry(now + i, `sample ${i}`)));
        assert.equal(relay.loseBulkResponses, 0, 'the response was lost once');
        assert.equal((await index.search({ text: 'sample', limit: 1000 })).length, 50);
      });
    });
  });

  it('closes idempotently after waiting for writes in flight', async () => {
    const h = await harness();
    try {
      const now = Date.now();
      const write = h.index.index(Array.from({ length: 200 }, (_, i) => entry(now + i, `flight ${i}`)));
      const closing = [h.index.close(), h.index.close()];
      await write;
      await Promise.all(closing);
      assert.equal(h.index.isReady(), false);
      await assert.rejects(h.index.index([entry(now, 'late')]), /closed/);
      const again = await h.reopen();
      await until(async () => assert.equal((await again.search({ text: 'flight', limit: 1000 })).length, 200), 5000);
    } finally {
      await h.cleanup();
    }
  });

  it('keeps the structured fields as given, whatever their types', async () => {
    const now = Date.now();
    await withHarness(() => harness({ refresh: 'wait_for' }), async ({ index }) => {
      const fields = { value: 27.5, ok: true, nested: { list: [1, 'two', null], deep: { a: { b: { c: { d: { e: { f: 'too deep' } } } } } } }, empty: {} };
      await index.index([entry(now, 'typed fields', { fields }), entry(now + 1, 'other types', { fields: { value: 'text now', nested: 3 } })]);
      assert.deepEqual((await index.search({ text: 'typed' }))[0].fields, fields);
      assert.deepEqual((await index.search({ text: 'other' }))[0].fields, { value: 'text now', nested: 3 });
      assert.deepEqual(await messages(index, 'two'), ['typed fields']);
      assert.deepEqual(await messages(index, 'too'), [], 'strings nested deeper than six levels are not searched');
    });
  });
});
