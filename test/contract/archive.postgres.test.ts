import { PostgresStore } from '../../src/engines/sql/postgres.ts';
import { freshDatabase } from '../support/postgres.ts';
import { archiveContract } from './archive.contract.ts';

archiveContract('PostgreSQL', async () => {
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
