import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from '../../src/lib/group-commit.ts';

test('items handed in during a flush are flushed together in the next one', async () => {
  const flushes: number[][] = [];
  const group = new GroupCommit<number>(async (items) => {
    flushes.push(items);
    await new Promise((r) => setTimeout(r, 10));
  });
  await Promise.all([1, 2, 3, 4].map((n) => group.submit(n)));
  assert.deepEqual(flushes, [[1], [2, 3, 4]]);
});

test('a failing group is retried item by item, so only the bad item fails', async () => {
  const group = new GroupCommit<number>(async (items) => {
    await new Promise((r) => setTimeout(r, 5));
    if (items.includes(13)) throw new Error('unlucky');
  });
  const results = await Promise.allSettled([1, 2, 13, 4].map((n) => group.submit(n)));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[2] as PromiseRejectedResult).reason), /unlucky/);
});
