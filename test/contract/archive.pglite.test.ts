import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { archiveContract } from './archive.contract.ts';

archiveContract('PGlite', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'orbit-archive-'));
  const sql = await PgliteStore.open(dir);
  return {
    sql,
    cleanup: async () => {
      await sql.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
