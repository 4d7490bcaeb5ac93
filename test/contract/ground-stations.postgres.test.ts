import { postgresStoreOnFreshDatabase } from '../support/postgres.ts';
import { groundStationsContract } from './ground-stations.contract.ts';

groundStationsContract('PostgreSQL', postgresStoreOnFreshDatabase);
