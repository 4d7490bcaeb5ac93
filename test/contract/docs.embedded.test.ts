import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EmbeddedDocumentStore } from '../../src/engines/docs/embedded.ts';
import type { EmbeddedDocumentStoreOptions } from '../../src/engines/docs/embedded.ts';
import type { Doc, Filter, FindOptions } from '../../src/engines/docs/port.ts';
import { docsContract } from './docs.contract.ts';
import type { DocsHarness } from './docs.contract.ts';
import { reopenable, withHarness, withTempDir } from '../support/temp-store.ts';

function harness(options?: EmbeddedDocumentStoreOptions): Promise<DocsHarness & { dir: string }> {
  return reopenable('orbit-docs-', (dir) => EmbeddedDocumentStore.open(dir, options));
}

docsContract('embedded', () => harness());

describe('embedded document store', () => {
  it('recovers from a journal whose last write was cut short', async () => {
    await withHarness(() => harness(), async (h) => {
      await h.store.collection('readings').upsertMany([
        { _id: 'a', v: 1 },
        { _id: 'b', v: 2 },
      ]);
      await h.store.close();
      await appendFile(path.join(h.dir, 'readings.jsonl'), '{"_id":"c","v":3');
      const again = await h.reopen();
      const c = again.collection('readings');
      assert.deepEqual(await c.find({}, { sort: { _id: 1 } }), [
        { _id: 'a', v: 1 },
        { _id: 'b', v: 2 },
      ]);
      // Writes after recovery must not be glued to the torn record.
      await c.upsertMany([{ _id: 'd', v: 4 }]);
      await again.close();
      const third = await h.reopen();
      assert.deepEqual(ids(await third.collection('readings').find({}, { sort: { _id: 1 } })), ['a', 'b', 'd']);
    });
  });

  it('keeps every acknowledged upsert when the process is killed mid-write', async () => {
    await withTempDir('orbit-docs-kill-', async (dir) => {
      const writer = `
        import { EmbeddedDocumentStore } from ${JSON.stringify(path.join(import.meta.dirname, '../../src/engines/docs/embedded.ts'))};
        const store = await EmbeddedDocumentStore.open(process.argv[1], { compactMinBytes: 16384 });
        const c = store.collection('readings');
        for (let b = 0; ; b++) {
          const batch = Array.from({ length: 50 }, (_, i) => ({ _id: 'd' + ((b * 50 + i) % 3000), batch: b }));
          c.upsertMany(batch).then(() => process.stdout.write(b + '\\n'));
          if (b % 4 === 0) await new Promise((r) => setImmediate(r));
        }`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let acked = -1;
      let partial = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) acked = Math.max(acked, Number(l));
        if (acked >= 300) child.kill('SIGKILL');
      });
      const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await new Promise((resolve) => child.on('exit', resolve));
      clearTimeout(guard);
      assert.ok(acked >= 300, `writer acknowledged only ${acked + 1} batches`);

      const store = await EmbeddedDocumentStore.open(dir);
      const latest = new Map((await store.collection('readings').find({})).map((d) => [d._id, d.batch as number]));
      // Every document of the last acknowledged batches holds that batch or a later one.
      for (let b = acked - 60; b <= acked; b++) {
        for (let i = 0; i < 50; i++) {
          const id = `d${(b * 50 + i) % 3000}`;
          assert.ok((latest.get(id) ?? -1) >= b, `${id} lost batch ${b}`);
        }
      }
      await store.close();
    });
  });

  it('refuses to open a journal that is damaged before its end', async () => {
    await withHarness(() => harness(), async (h) => {
      await h.store.collection('readings').upsertMany([{ _id: 'a', v: 1 }]);
      await h.store.close();
      const file = path.join(h.dir, 'readings.jsonl');
      await writeFile(file, `garbage\n${await readFile(file, 'utf8')}`);
      await assert.rejects(h.reopen(), /corrupt at line 1/);
    });
  });

  it('stores collection names that are not safe as file names', async () => {
    await withHarness(() => harness(), async (h) => {
      for (const name of ['telemetry.raw', '../escape', 'a/b', '..']) await h.store.collection(name).upsertMany([{ _id: 'x', name }]);
      await h.store.close();
      assert.deepEqual((await readdir(h.dir)).length, 4);
      const again = await h.reopen();
      for (const name of ['telemetry.raw', '../escape', 'a/b', '..']) assert.deepEqual(await again.collection(name).find({}), [{ _id: 'x', name }]);
    });
  });

  it('keeps the journal near the live size when documents are rewritten over and over', async () => {
    await withHarness(() => harness({ compactMinBytes: 64 * 1024 }), async (h) => {
      const c = h.store.collection('status');
      const doc = (i: number, round: number): Doc => ({ _id: `sc-${i}`, round, payload: 'x'.repeat(100) });
      for (let round = 0; round < 60; round++) await c.upsertMany(Array.from({ length: 100 }, (_, i) => doc(i, round)));
      await h.store.close();
      const size = (await stat(path.join(h.dir, 'status.jsonl'))).size;
      const live = 100 * JSON.stringify(doc(0, 59)).length;
      // 60 rounds appended without compaction would be 60 times the live size.
      assert.ok(size < 30 * live, `journal is ${size} bytes for ${live} live bytes`);
      const again = await h.reopen();
      const all = await again.collection('status').find({}, { sort: { _id: 1 } });
      assert.equal(all.length, 100);
      assert.ok(all.every((d) => d.round === 59));
    });
  });

  it('answers indexed queries exactly as a full scan would', async () => {
    await withHarness(() => harness(), async (h) => {
      let seed = 42;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const docs: Doc[] = [];
      for (let i = 0; i < 3000; i++) {
        const d: Doc = { _id: `d${rand(2000)}`, sc: `sc-${rand(4)}`, ch: `ch-${rand(5)}`, t: rand(200) };
        // Some documents miss a field or carry another type, which ranges must skip.
        if (rand(20) === 0) delete d.ch;
        if (rand(30) === 0) d.t = `t${rand(9)}`;
        docs.push(d);
      }
      const indexed = h.store.collection('indexed');
      await indexed.createIndex({ sc: 1, ch: 1, t: 1 });
      await indexed.createIndex({ t: -1 });
      const plain = h.store.collection('plain');
      for (let i = 0; i < docs.length; i += 500) {
        await indexed.upsertMany(docs.slice(i, i + 500));
        await plain.upsertMany(docs.slice(i, i + 500));
      }
      await indexed.deleteMany({ sc: 'sc-3', t: { $lt: 50 } });
      await plain.deleteMany({ sc: 'sc-3', t: { $lt: 50 } });

      const queries: [Filter, FindOptions][] = [];
      for (let q = 0; q < 200; q++) {
        const f: Filter = {};
        if (rand(4) !== 0) f.sc = rand(3) === 0 ? { $in: [`sc-${rand(4)}`, `sc-${rand(4)}`] } : `sc-${rand(4)}`;
        if (rand(3) !== 0) f.ch = rand(4) === 0 ? null : `ch-${rand(5)}`;
        const r = rand(6);
        if (r === 0) f.t = { $gte: rand(200), $lte: rand(200) };
        else if (r === 1) f.t = { $gt: rand(200) };
        else if (r === 2) f.t = { $lt: rand(200) };
        else if (r === 3) f.t = { $in: [rand(200), rand(200), `t${rand(9)}`] };
        const sort: Record<string, 1 | -1> = rand(2) === 0 ? { t: rand(2) === 0 ? 1 : -1 } : { _id: 1 };
        queries.push([f, { sort, limit: rand(3) === 0 ? 0 : 1 + rand(30) }]);
      }
      for (const [f, o] of queries) {
        assert.deepEqual(await indexed.find(f, o), await plain.find(f, o), JSON.stringify([f, o]));
        assert.equal(await indexed.count(f), await plain.count(f), JSON.stringify(f));
      }
    });
  });

  it('rejects filters it does not understand instead of ignoring them', async () => {
    await withHarness(() => harness(), async (h) => {
      const c = h.store.collection('readings');
      await assert.rejects(c.find({ time: { $regex: 'x' } as never }), /unsupported operator \$regex/);
      await assert.rejects(c.find({ $or: [] } as never), /unsupported/);
      await assert.rejects(c.upsertMany([{ v: 1 } as never]), /_id/);
    });
  });

  it('rejects calls after close', async () => {
    await withHarness(() => harness(), async (h) => {
      await h.store.close();
      await assert.rejects(h.store.collection('x').find({}), /closed/);
      await assert.rejects(h.store.collection('x').upsertMany([{ _id: 'a' }]), /closed/);
    });
  });
});

function ids(docs: Doc[]): string[] {
  return docs.map((d) => d._id);
}
