/**
 * Contract of the document store port. Every implementation runs this suite unchanged.
 *
 * `open` gives a fresh, empty store. `reopen` is only called after `store.close()`
 * and returns a new store over the same data. `cleanup` closes whatever is still
 * open and removes the data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Doc, DocumentStore } from '../../src/engines/docs/port.ts';
import { withHarness } from '../support/temp-store.ts';

export interface DocsHarness {
  store: DocumentStore;
  reopen: () => Promise<DocumentStore>;
  cleanup: () => Promise<void>;
}

interface Reading extends Doc {
  spacecraft: string;
  channel: string;
  time: number;
  value: number;
  meta?: { source: string; pass: number };
}

function reading(spacecraft: string, channel: string, time: number, value = time * 0.5): Reading {
  return { _id: `${spacecraft}/${channel}/${time}`, spacecraft, channel, time, value };
}

function ids(docs: Doc[]): string[] {
  return docs.map((d) => d._id);
}

export function docsContract(name: string, open: () => Promise<DocsHarness>): void {
  describe(`document store contract: ${name}`, () => {
    it('finds by equality and time range, sorted and limited, with or without an index', async () => {
      await withHarness(open, async ({ store }) => {
        const docs: Reading[] = [];
        for (const sc of ['sc-1', 'sc-2']) for (const ch of ['batt_v', 'temp']) for (let t = 0; t < 50; t++) docs.push(reading(sc, ch, 1000 + t));
        // Shuffled so that insertion order cannot pass for sorted order.
        docs.sort((a, b) => ((a.time * 7919) % 50) - ((b.time * 7919) % 50) || a._id.localeCompare(b._id));

        const indexed = store.collection<Reading>('readings_indexed');
        await indexed.createIndex({ spacecraft: 1, channel: 1, time: 1 });
        await indexed.upsertMany(docs);
        const plain = store.collection<Reading>('readings_plain');
        await plain.upsertMany(docs);

        for (const c of [indexed, plain]) {
          const filter = { spacecraft: 'sc-1', channel: 'batt_v', time: { $gte: 1010, $lte: 1030 } };
          const all = await c.find(filter, { sort: { time: 1 } });
          assert.deepEqual(
            all.map((d) => d.time),
            Array.from({ length: 21 }, (_, i) => 1010 + i),
          );
          assert.ok(all.every((d) => d.spacecraft === 'sc-1' && d.channel === 'batt_v'));
          assert.deepEqual(all[0], reading('sc-1', 'batt_v', 1010));

          const first = await c.find(filter, { sort: { time: 1 }, limit: 5 });
          assert.deepEqual(ids(first), [1010, 1011, 1012, 1013, 1014].map((t) => `sc-1/batt_v/${t}`));

          const exclusive = await c.find({ spacecraft: 'sc-2', channel: 'temp', time: { $gt: 1010, $lt: 1014 } }, { sort: { time: 1 } });
          assert.deepEqual(
            exclusive.map((d) => d.time),
            [1011, 1012, 1013],
          );

          assert.equal(await c.count({ spacecraft: 'sc-2' }), 100);
          assert.equal(await c.count({ channel: 'temp', time: { $lt: 1005 } }), 10);
          assert.equal(await c.count({ spacecraft: 'sc-3' }), 0);
        }
      });
    });

    it('sorts descending so that a limit gives the newest documents', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection<Reading>('readings');
        await c.createIndex({ spacecraft: 1, channel: 1, time: 1 });
        await c.upsertMany(Array.from({ length: 30 }, (_, t) => reading('sc-1', 'batt_v', t)));
        const newest = await c.find({ spacecraft: 'sc-1', channel: 'batt_v' }, { sort: { time: -1 }, limit: 3 });
        assert.deepEqual(
          newest.map((d) => d.time),
          [29, 28, 27],
        );
        const inRange = await c.find({ spacecraft: 'sc-1', channel: 'batt_v', time: { $lte: 10 } }, { sort: { time: -1 }, limit: 2 });
        assert.deepEqual(
          inRange.map((d) => d.time),
          [10, 9],
        );
      });
    });

    it('sorts by several fields in order', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection<Reading>('readings');
        await c.upsertMany([reading('b', 'x', 1), reading('a', 'x', 2), reading('b', 'x', 3), reading('a', 'x', 1)]);
        const sorted = await c.find({}, { sort: { spacecraft: 1, time: -1 } });
        assert.deepEqual(ids(sorted), ['a/x/2', 'a/x/1', 'b/x/3', 'b/x/1']);
      });
    });

    it('replaces a document upserted again under the same _id', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection('alerts');
        await c.upsertMany([{ _id: 'a1', state: 'open', value: 3.2, note: 'first' }]);
        await c.upsertMany([{ _id: 'a1', state: 'acknowledged', value: 3.2 }]);
        assert.deepEqual(await c.find({ _id: 'a1' }), [{ _id: 'a1', state: 'acknowledged', value: 3.2 }]);
        assert.equal(await c.count({}), 1);
        assert.equal(await c.count({ state: 'open' }), 0);
      });
    });

    it('keeps the last version when one call carries the same _id twice', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection('alerts');
        await c.upsertMany([
          { _id: 'a1', state: 'open' },
          { _id: 'a1', state: 'resolved' },
        ]);
        assert.deepEqual(await c.find({}), [{ _id: 'a1', state: 'resolved' }]);
      });
    });

    it('matches $in on any field, including _id', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection<Reading>('readings');
        await c.createIndex({ spacecraft: 1, channel: 1, time: 1 });
        await c.upsertMany([reading('sc-1', 'a', 1), reading('sc-1', 'b', 1), reading('sc-1', 'c', 1), reading('sc-2', 'a', 1), reading('sc-3', 'a', 2)]);
        const some = await c.find({ spacecraft: 'sc-1', channel: { $in: ['a', 'c', 'zz'] } }, { sort: { channel: 1 } });
        assert.deepEqual(ids(some), ['sc-1/a/1', 'sc-1/c/1']);
        const bySpacecraft = await c.find({ spacecraft: { $in: ['sc-2', 'sc-3'] } }, { sort: { time: 1 } });
        assert.deepEqual(ids(bySpacecraft), ['sc-2/a/1', 'sc-3/a/2']);
        const byId = await c.find({ _id: { $in: ['sc-2/a/1', 'nope', 'sc-1/b/1'] } }, { sort: { _id: 1 } });
        assert.deepEqual(ids(byId), ['sc-1/b/1', 'sc-2/a/1']);
        assert.equal(await c.count({ time: { $in: [] } }), 0);
      });
    });

    it('matches $eq and combines conditions on several fields', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection<Reading>('readings');
        await c.upsertMany([reading('sc-1', 'a', 1, 10), reading('sc-1', 'a', 2, 20), reading('sc-1', 'b', 3, 20)]);
        const found = await c.find({ value: { $eq: 20 }, channel: 'a' });
        assert.deepEqual(ids(found), ['sc-1/a/2']);
      });
    });

    it('filters and sorts on dotted paths into embedded documents', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection<Reading>('readings');
        await c.createIndex({ 'meta.source': 1, 'meta.pass': 1 });
        await c.upsertMany([
          { ...reading('sc-1', 'a', 1), meta: { source: 'dsn-goldstone', pass: 7 } },
          { ...reading('sc-1', 'a', 2), meta: { source: 'dsn-madrid', pass: 8 } },
          { ...reading('sc-1', 'a', 3), meta: { source: 'dsn-goldstone', pass: 9 } },
          reading('sc-1', 'a', 4),
        ]);
        const goldstone = await c.find({ 'meta.source': 'dsn-goldstone' }, { sort: { 'meta.pass': -1 } });
        assert.deepEqual(ids(goldstone), ['sc-1/a/3', 'sc-1/a/1']);
        const later = await c.find({ 'meta.pass': { $gte: 8 } }, { sort: { 'meta.pass': 1 } });
        assert.deepEqual(ids(later), ['sc-1/a/2', 'sc-1/a/3']);
        assert.equal(await c.count({ 'meta.source': 'dsn-canberra' }), 0);
      });
    });

    it('deletes matching documents, reports how many, and counts what is left', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection<Reading>('readings');
        await c.createIndex({ spacecraft: 1, channel: 1, time: 1 });
        await c.upsertMany(Array.from({ length: 20 }, (_, t) => reading(t % 2 === 0 ? 'sc-1' : 'sc-2', 'a', t)));
        assert.equal(await c.count({}), 20);
        assert.equal(await c.deleteMany({ spacecraft: 'sc-1', channel: 'a', time: { $lt: 10 } }), 5);
        assert.equal(await c.count({ spacecraft: 'sc-1' }), 5);
        assert.deepEqual(
          (await c.find({ spacecraft: 'sc-1', channel: 'a' }, { sort: { time: 1 } })).map((d) => d.time),
          [10, 12, 14, 16, 18],
        );
        assert.equal(await c.deleteMany({ spacecraft: 'nobody' }), 0);
        assert.equal(await c.deleteMany({}), 15);
        assert.equal(await c.count({}), 0);
        assert.deepEqual(await c.find({ spacecraft: 'sc-2' }), []);
      });
    });

    it('rejects an upsert that breaks a unique index and stores nothing of it', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection<Reading>('readings');
        await c.createIndex({ spacecraft: 1, channel: 1, time: 1 }, { unique: true });
        await c.upsertMany([reading('sc-1', 'a', 1)]);

        const clash = { ...reading('sc-1', 'a', 1), _id: 'other-id' };
        await assert.rejects(c.upsertMany([reading('sc-1', 'a', 2), clash]));
        assert.deepEqual(ids(await c.find({}, { sort: { _id: 1 } })), ['sc-1/a/1']);

        // Two new documents clashing with each other inside one call.
        await assert.rejects(c.upsertMany([reading('sc-1', 'b', 5), { ...reading('sc-1', 'b', 5), _id: 'twin' }]));
        assert.equal(await c.count({}), 1);

        // Replacing a document under its own _id is not a clash.
        await c.upsertMany([{ ...reading('sc-1', 'a', 1), value: 99 }]);
        assert.equal((await c.find({ _id: 'sc-1/a/1' }))[0].value, 99);
      });
    });

    it('refuses a unique index over documents that already clash', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection('stations');
        await c.upsertMany([
          { _id: 's1', name: 'goldstone' },
          { _id: 's2', name: 'goldstone' },
        ]);
        await assert.rejects(c.createIndex({ name: 1 }, { unique: true }));
        await c.upsertMany([{ _id: 's3', name: 'goldstone' }]);
        assert.equal(await c.count({ name: 'goldstone' }), 3);
      });
    });

    it('hands out copies: changing a result does not change the store', async () => {
      await withHarness(open, async ({ store }) => {
        const c = store.collection('alerts');
        const doc = { _id: 'a1', state: 'open', history: [{ state: 'open' }] };
        await c.upsertMany([doc]);
        doc.state = 'mutated after write';
        const [found] = await c.find({ _id: 'a1' });
        found.state = 'mutated after read';
        (found.history as { state: string }[]).push({ state: 'bogus' });
        assert.deepEqual(await c.find({ _id: 'a1' }), [{ _id: 'a1', state: 'open', history: [{ state: 'open' }] }]);
      });
    });

    it('keeps collections apart', async () => {
      await withHarness(open, async ({ store }) => {
        await store.collection('raw').upsertMany([{ _id: 'x', kind: 'raw' }]);
        await store.collection('enriched').upsertMany([{ _id: 'x', kind: 'enriched' }]);
        assert.deepEqual(await store.collection('raw').find({}), [{ _id: 'x', kind: 'raw' }]);
        assert.deepEqual(await store.collection('enriched').find({}), [{ _id: 'x', kind: 'enriched' }]);
        assert.deepEqual(await store.collection('never-written').find({}), []);
      });
    });

    it('keeps written, replaced and deleted documents and unique indexes across a reopen', async () => {
      await withHarness(open, async ({ store, reopen }) => {
        assert.equal(store.isReady(), true);
        const c = store.collection<Reading>('readings');
        await c.createIndex({ spacecraft: 1, channel: 1, time: 1 }, { unique: true });
        await c.upsertMany(Array.from({ length: 10 }, (_, t) => reading('sc-1', 'a', t)));
        await c.upsertMany([{ ...reading('sc-1', 'a', 3), value: -1 }]);
        await c.deleteMany({ spacecraft: 'sc-1', channel: 'a', time: { $gte: 8 } });
        await store.close();
        assert.equal(store.isReady(), false);

        const again = await reopen();
        assert.equal(again.isReady(), true);
        const r = again.collection<Reading>('readings');
        const all = await r.find({ spacecraft: 'sc-1', channel: 'a' }, { sort: { time: 1 } });
        assert.deepEqual(
          all.map((d) => d.time),
          [0, 1, 2, 3, 4, 5, 6, 7],
        );
        assert.equal(all[3].value, -1);
        await assert.rejects(r.upsertMany([{ ...reading('sc-1', 'a', 4), _id: 'clash' }]));
        await r.upsertMany([reading('sc-1', 'a', 100)]);
        assert.equal(await r.count({}), 9);
      });
    });

    it('makes every concurrent upsert durable once it resolves', async () => {
      await withHarness(open, async ({ store, reopen }) => {
        const c = store.collection<Reading>('readings');
        await Promise.all(Array.from({ length: 40 }, (_, batch) => c.upsertMany(Array.from({ length: 25 }, (_, i) => reading('sc-1', 'a', batch * 25 + i)))));
        await store.close();
        const again = await reopen();
        assert.equal(await again.collection('readings').count({ spacecraft: 'sc-1' }), 1000);
      });
    });
  });
}
