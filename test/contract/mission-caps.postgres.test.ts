import { postgresStoreOnFreshDatabase } from '../support/postgres.ts';
import { missionCapsContract } from './mission-caps.contract.ts';

missionCapsContract('PostgreSQL', postgresStoreOnFreshDatabase);
