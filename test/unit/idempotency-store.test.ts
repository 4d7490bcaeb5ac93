import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdempotencyStore } from '../../src/stores/idempotency/store.ts';
import { migratedSql } from '../support/components.ts';

test('a key is new, then in progress, then answers what was kept; another body is told apart; a key past its time is new again', async () => {
  const sql = await migratedSql();
  try {
    const keys = new IdempotencyStore(sql);
    const longAgo = new Date(0);
    const scope = 'POST /v1/jobs';
    assert.deepEqual(await keys.claim(scope, 'k1', 'h1', longAgo), { kind: 'new' });
    assert.deepEqual(await keys.claim(scope, 'k1', 'h1', longAgo), { kind: 'in-progress' }, 'a second request while the first runs');
    assert.deepEqual(await keys.claim('POST /v1/telemetry', 'k1', 'h1', longAgo), { kind: 'new' }, 'keys are per route');
    await keys.complete(scope, 'k1', { status: 202, body: { id: 'j1' }, headers: { location: '/v1/jobs/j1' } });
    assert.deepEqual(await keys.claim(scope, 'k1', 'h1', longAgo), { kind: 'answered', answer: { status: 202, body: { id: 'j1' }, headers: { location: '/v1/jobs/j1' } } });
    assert.deepEqual(await keys.claim(scope, 'k1', 'h2', longAgo), { kind: 'other-body' });
    await keys.release(scope, 'k1');
    assert.equal((await keys.claim(scope, 'k1', 'h1', longAgo)).kind, 'answered', 'an answered key is not released');

    assert.deepEqual(await keys.claim(scope, 'k2', 'h1', longAgo), { kind: 'new' });
    await keys.release(scope, 'k2');
    assert.deepEqual(await keys.claim(scope, 'k2', 'h9', longAgo), { kind: 'new' }, 'a failed request lets its key go');

    assert.deepEqual(await keys.claim(scope, 'k1', 'h2', new Date(Date.now() + 1000)), { kind: 'new' }, 'past its keeping time the key is free');
    assert.equal(await keys.expire(new Date(Date.now() + 1000)), 3);
    assert.equal(await keys.expire(new Date(Date.now() + 1000)), 0);
  } finally {
    await sql.close();
  }
});
