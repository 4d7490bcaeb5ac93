import { postgresStoreOnFreshDatabase } from '../support/postgres.ts';
import { accessContract } from './access.contract.ts';

accessContract('PostgreSQL', postgresStoreOnFreshDatabase);
