import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { groundStationsContract } from './ground-stations.contract.ts';

groundStationsContract('PGlite', async () => {
  const sql = await PgliteStore.open();
  return { sql, cleanup: () => sql.close() };
});
