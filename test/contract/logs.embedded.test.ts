import assert from 'node:assert/strict';
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EmbeddedLogIndex } from '../../src/engines/logs/embedded.ts';
import type { EmbeddedLogIndexOptions } from '../../src/engines/logs/embedded.ts';
import type { LogEntry } from '../../src/engines/logs/port.ts';
import { logsContract } from './logs.contract.ts';
import type { LogsHarness } from './logs.contract.ts';
import { reopenable, withHarness } from '../support/temp-store.ts';

async function harness(options?: EmbeddedLogIndexOptions, prepare?: (dir: string) => Promise<void>): Promise<LogsHarness & { dir: string }> {
  const { dir, store, reopen, cleanup } = await reopenable('orbit-logs-', (d) => EmbeddedLogIndex.open(d, options), { prepare });
  return { dir, index: store, reopen, cleanup };
}

logsContract('embedded', () => harness());

const DAY = 86_400_000;
const dayFile = (time: number) => `logs-${new Date(time).toISOString().slice(0, 10)}.jsonl`;
const entry = (time: number, msg: string): LogEntry => ({ time, level: 'info', msg, service: 'all' });

describe('embedded log index', () => {
  it('writes one file per day and searches across them', async () => {
    const now = Date.now();
    await withHarness(() => harness(), async (h) => {
      await h.index.index([entry(now - 2 * DAY, 'pass two days ago'), entry(now, 'pass today')]);
      assert.deepEqual((await readdir(h.dir)).sort(), [dayFile(now - 2 * DAY), dayFile(now)].sort());
      assert.deepEqual(
        (await h.index.search({ text: 'pass' })).map((e) => e.msg),
        ['pass today', 'pass two days ago'],
      );
    });
  });

  it('deletes day files past retention when opened', async () => {
    const now = Date.now();
    const prepare = async (dir: string): Promise<void> => {
      await writeFile(path.join(dir, dayFile(now - 10 * DAY)), `${JSON.stringify(entry(now - 10 * DAY, 'ancient pass'))}\n`);
      await writeFile(path.join(dir, dayFile(now - 3 * DAY)), `${JSON.stringify(entry(now - 3 * DAY, 'recent pass'))}\n`);
      await writeFile(path.join(dir, 'unrelated.txt'), 'kept');
    };
    await withHarness(() => harness({ retentionDays: 7 }, prepare), async (h) => {
      assert.deepEqual((await readdir(h.dir)).sort(), [dayFile(now - 3 * DAY), 'unrelated.txt'].sort());
      assert.deepEqual(
        (await h.index.search({ text: 'pass' })).map((e) => e.msg),
        ['recent pass'],
      );
    });
  });

  it('searches the newest maxEntries entries, also after a reopen', async () => {
    const t0 = Date.now() - 60_000;
    await withHarness(() => harness({ maxEntries: 50 }), async (h) => {
      for (let i = 0; i < 3000; i += 100) await h.index.index(Array.from({ length: 100 }, (_, j) => entry(t0 + i + j, `event word${i + j}`)));
      const expected = Array.from({ length: 50 }, (_, i) => `event word${2999 - i}`);
      assert.deepEqual(
        (await h.index.search({ text: 'event', limit: 1000 })).map((e) => e.msg),
        expected,
      );
      assert.deepEqual(
        (await h.index.search({ text: 'word29', limit: 1000 })).map((e) => e.msg),
        expected,
      );
      assert.deepEqual(await h.index.search({ text: 'word1' }), []);
      assert.deepEqual(await h.index.search({ text: 'event', to: t0 + 2949 }), []);
      await h.index.close();
      const again = await h.reopen();
      assert.deepEqual(
        (await again.search({ limit: 1000 })).map((e) => e.msg),
        expected,
      );
    });
  });

  it('skips a torn last line and keeps later writes intact', async () => {
    const now = Date.now();
    await withHarness(() => harness(), async (h) => {
      await h.index.index([entry(now - 1000, 'before crash')]);
      await h.index.close();
      await appendFile(path.join(h.dir, dayFile(now)), '{"time":1,"level":"info","msg":"tor');
      const again = await h.reopen();
      await again.index([entry(now, 'after crash')]);
      await again.close();
      const third = await h.reopen();
      assert.deepEqual(
        (await third.search({ text: 'crash' })).map((e) => e.msg),
        ['after crash', 'before crash'],
      );
    });
  });

  it('rejects a batch holding an invalid entry and indexes none of it', async () => {
    await withHarness(() => harness(), async (h) => {
      const bad = { time: Date.now(), level: 'loud', msg: 'bad level', service: 'all' } as unknown as LogEntry;
      await assert.rejects(h.index.index([entry(Date.now(), 'good entry'), bad]), /entry 1: level must be one of/);
      assert.deepEqual(await h.index.search({}), []);
      await assert.rejects(h.index.search({ level: 'loud' as never }), /unknown level/);
    });
  });

  it('finds rare entries among many without missing older matches', async () => {
    const t0 = Date.now() - 600_000;
    await withHarness(() => harness({ maxEntries: 20_000 }), async (h) => {
      const batch: LogEntry[] = [];
      for (let i = 0; i < 20_000; i++) {
        // Arrival order is shuffled in small windows, as when several processes ship logs.
        const time = t0 + i * 10 + ((i * 7) % 5) * 3;
        batch.push({ ...entry(time, i % 1000 === 0 ? `checksum mismatch ${i}` : `frame ${i} ok`), level: i % 97 === 0 ? 'warn' : 'info' });
      }
      await h.index.index(batch);
      const rare = await h.index.search({ text: 'checksum mismatch', limit: 5 });
      assert.deepEqual(
        rare.map((e) => e.msg),
        [19000, 18000, 17000, 16000, 15000].map((i) => `checksum mismatch ${i}`),
      );
      const warns = await h.index.search({ level: 'warn', limit: 1000 });
      assert.equal(warns.length, Math.ceil(20_000 / 97));
      for (let i = 1; i < warns.length; i++) assert.ok(warns[i - 1].time >= warns[i].time);
      const newest = await h.index.search({ limit: 3 });
      const times = batch.map((e) => e.time).sort((a, b) => b - a);
      assert.deepEqual(
        newest.map((e) => e.time),
        times.slice(0, 3),
      );
    });
  });
});
