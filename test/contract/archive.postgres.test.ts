import { postgresStoreOnFreshDatabase } from '../support/postgres.ts';
import { archiveContract } from './archive.contract.ts';

archiveContract('PostgreSQL', postgresStoreOnFreshDatabase);
