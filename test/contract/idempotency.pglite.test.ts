import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { idempotencyContract } from './idempotency.contract.ts';

idempotencyContract('PGlite', async () => {
  const sql = await PgliteStore.open();
  return { sql, cleanup: () => sql.close() };
});
