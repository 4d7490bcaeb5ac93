import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { accessContract } from './access.contract.ts';

accessContract('PGlite', async () => {
  const sql = await PgliteStore.open();
  return { sql, cleanup: () => sql.close() };
});
