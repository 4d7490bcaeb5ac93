/**
 * What PGlite does with statement_timeout, which docs/operations.md states: it takes the
 * setting but never enforces it. PostgreSQL cancels a statement from a timer signal, and
 * PGlite, single-threaded WebAssembly, has no signals: the statement runs to its end. So
 * on the embedded store the caps (ranges, buckets, page sizes, samples) are what bound a
 * query, and ORBIT_SQL_STATEMENT_TIMEOUT_MS is applied to PostgreSQL only. Should a
 * PGlite release start enforcing it, this test fails and the documentation changes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PgliteStore } from '../../src/engines/sql/pglite.ts';

test('PGlite accepts statement_timeout but lets a longer statement finish', async () => {
  const store = await PgliteStore.open();
  try {
    await store.exec('SET statement_timeout = 100');
    assert.deepEqual((await store.query('SHOW statement_timeout')).rows, [{ statement_timeout: '100ms' }]);
    const started = performance.now();
    assert.deepEqual((await store.query('SELECT 1 AS x FROM pg_sleep(0.6)')).rows, [{ x: 1 }]);
    assert.ok(performance.now() - started >= 550, 'the statement ran to its end');
  } finally {
    await store.close();
  }
});
