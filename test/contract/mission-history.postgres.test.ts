import { PostgresStore } from '../../src/engines/sql/postgres.ts';
import { freshDatabase } from '../support/postgres.ts';
import { missionHistoryContract } from './mission-history.contract.ts';

missionHistoryContract('PostgreSQL', async () => {
  const db = await freshDatabase();
  const sql = await PostgresStore.open(db.url);
  return {
    sql,
    cleanup: async () => {
      await sql.close();
      await db.drop();
    },
  };
});
