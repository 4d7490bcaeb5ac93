import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { missionCapsContract } from './mission-caps.contract.ts';

missionCapsContract('PGlite', async () => {
  const sql = await PgliteStore.open();
  return { sql, cleanup: () => sql.close() };
});
