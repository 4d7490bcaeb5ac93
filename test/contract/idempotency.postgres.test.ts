import { postgresStoreOnFreshDatabase } from '../support/postgres.ts';
import { idempotencyContract } from './idempotency.contract.ts';

idempotencyContract('PostgreSQL', postgresStoreOnFreshDatabase);
