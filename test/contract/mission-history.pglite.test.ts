import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { missionHistoryContract } from './mission-history.contract.ts';

missionHistoryContract('PGlite', async () => {
  const sql = await PgliteStore.open();
  return { sql, cleanup: () => sql.close() };
});
