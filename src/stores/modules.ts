/**
 * One module per store. Each store owns its tables in the relational store: nothing
 * else queries them, so a table's shape changes in one place.
 */
import { defineModule } from '../platform/modules.ts';
import { SQL } from '../engines/sql/port.ts';
import { ACCESS_STORE, AccessStore } from './access/store.ts';
import { ALERTS, AlertStore } from './alerts/store.ts';
import { AUDIT, AuditStore } from './audit/store.ts';
import { IDEMPOTENCY, IdempotencyStore } from './idempotency/store.ts';
import { JOBS, JobStore } from './jobs/store.ts';
import { MISSIONS, MissionCatalog } from './missions/catalog.ts';
import { NOTIFICATIONS, NotificationStore } from './notifications/store.ts';
import { TELEMETRY, TelemetryStore } from './telemetry/store.ts';

export const missionsModule = defineModule({
  provides: MISSIONS,
  deps: { sql: SQL },
  start: async ({ config, deps }) => ({ value: new MissionCatalog(deps.sql, { caps: { maxSpacecraft: config.caps.maxSpacecraft, maxChannelsPerSpacecraft: config.caps.maxChannelsPerSpacecraft } }) }),
});
export const telemetryModule = defineModule({ provides: TELEMETRY, deps: { sql: SQL }, start: async ({ deps }) => ({ value: new TelemetryStore(deps.sql) }) });
export const alertsModule = defineModule({ provides: ALERTS, deps: { sql: SQL }, start: async ({ deps }) => ({ value: new AlertStore(deps.sql) }) });
export const jobsModule = defineModule({ provides: JOBS, deps: { sql: SQL }, start: async ({ deps }) => ({ value: new JobStore(deps.sql) }) });

export const notificationsModule = defineModule({ provides: NOTIFICATIONS, deps: { sql: SQL }, start: async ({ deps }) => ({ value: new NotificationStore(deps.sql) }) });

/** Keys older than the keeping time are swept every minute, by whichever process runs this. */
export const idempotencyModule = defineModule({
  provides: IDEMPOTENCY,
  deps: { sql: SQL },
  async start({ config, logger, deps }) {
    const store = new IdempotencyStore(deps.sql);
    const sweep = () => store.expire(new Date(Date.now() - config.limits.idempotencyKeepMs)).catch((error: unknown) => logger.warn({ err: error }, 'idempotency keys not swept'));
    const timer = setInterval(sweep, 60_000);
    timer.unref();
    return { value: store, stop: async () => clearInterval(timer) };
  },
});

/** Expired browser sessions are swept every ten minutes. */
export const accessStoreModule = defineModule({
  provides: ACCESS_STORE,
  deps: { sql: SQL },
  async start({ logger, deps }) {
    const store = new AccessStore(deps.sql);
    const timer = setInterval(() => store.expireSessions().catch((error: unknown) => logger.warn({ err: error }, 'expired sessions not swept')), 600_000);
    timer.unref();
    return { value: store, stop: async () => clearInterval(timer) };
  },
});
export const auditModule = defineModule({ provides: AUDIT, deps: { sql: SQL }, start: async ({ deps }) => ({ value: new AuditStore(deps.sql) }) });

export const storeModules = [missionsModule, telemetryModule, alertsModule, jobsModule, notificationsModule, idempotencyModule, accessStoreModule, auditModule];
