import { postgresStoreOnFreshDatabase } from '../support/postgres.ts';
import { missionHistoryContract } from './mission-history.contract.ts';

missionHistoryContract('PostgreSQL', postgresStoreOnFreshDatabase);
