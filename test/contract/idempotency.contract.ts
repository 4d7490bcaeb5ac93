/**
 * The idempotency store's queries on each relational store (PGlite and PostgreSQL): a key
 * is taken once, answers what was kept, tells another body apart, and expires.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { migrate } from '../../src/engines/sql/migrate.ts';
import type { SqlStore } from '../../src/engines/sql/port.ts';
import { IdempotencyStore } from '../../src/stores/idempotency/store.ts';

export interface SqlHarness {
  sql: SqlStore;
  cleanup(): Promise<void>;
}

export function idempotencyContract(name: string, open: () => Promise<SqlHarness>): void {
  async function withKeys(fn: (keys: IdempotencyStore) => Promise<void>) {
    const { sql, cleanup } = await open();
    try {
      await migrate(sql);
      await fn(new IdempotencyStore(sql));
    } finally {
      await cleanup();
    }
  }

  test(`${name}: a key is new, then in progress, then answers what was kept; another body is told apart; a key past its time is new again`, () => withKeys(async (keys) => {
    const longAgo = new Date(0);
    const scope = 'POST /v1/jobs';
    assert.deepEqual(await keys.claim(scope, 'k1', 'h1', longAgo), { kind: 'new' });
    assert.deepEqual(await keys.claim(scope, 'k1', 'h1', longAgo), { kind: 'in-progress' }, 'a second request while the first runs');
    assert.deepEqual(await keys.claim('POST /v1/telemetry', 'k1', 'h1', longAgo), { kind: 'new' }, 'keys are per route');
    await keys.complete(scope, 'k1', { status: 202, body: { id: 'j1', n: [1, 2.5, null] }, headers: { location: '/v1/jobs/j1' } });
    assert.deepEqual(await keys.claim(scope, 'k1', 'h1', longAgo), { kind: 'answered', answer: { status: 202, body: { id: 'j1', n: [1, 2.5, null] }, headers: { location: '/v1/jobs/j1' } } });
    assert.deepEqual(await keys.claim(scope, 'k1', 'h2', longAgo), { kind: 'other-body' });
    await keys.release(scope, 'k1');
    assert.equal((await keys.claim(scope, 'k1', 'h1', longAgo)).kind, 'answered', 'an answered key is not released');

    assert.deepEqual(await keys.claim(scope, 'k2', 'h1', longAgo), { kind: 'new' });
    await keys.release(scope, 'k2');
    assert.deepEqual(await keys.claim(scope, 'k2', 'h9', longAgo), { kind: 'new' }, 'a failed request lets its key go');

    assert.deepEqual(await keys.claim(scope, 'k1', 'h2', new Date(Date.now() + 1000)), { kind: 'new' }, 'past its keeping time the key is free');
    assert.equal(await keys.expire(new Date(Date.now() + 1000)), 3);
    assert.equal(await keys.expire(new Date(Date.now() + 1000)), 0);
  }));

  test(`${name}: of requests racing for one key exactly one takes it, and an answer without headers reads back without them`, () => withKeys(async (keys) => {
    const claims = await Promise.all(Array.from({ length: 8 }, () => keys.claim('POST /v1/telemetry', 'race', 'h', new Date(0))));
    assert.deepEqual(claims.map((c) => c.kind).sort(), ['in-progress', 'in-progress', 'in-progress', 'in-progress', 'in-progress', 'in-progress', 'in-progress', 'new']);
    await keys.complete('POST /v1/telemetry', 'race', { status: 202, body: { batchId: 'b', accepted: 3 } });
    assert.deepEqual(await keys.claim('POST /v1/telemetry', 'race', 'h', new Date(0)), { kind: 'answered', answer: { status: 202, body: { batchId: 'b', accepted: 3 } } });
  }));
}
