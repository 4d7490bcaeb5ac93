/**
 * Console: the server-driven operator UI and the APIs behind mission management,
 * telemetry history, log search and dead letters.
 */
import { LOGS } from '../../engines/logs/port.ts';
import { QUEUE } from '../../engines/queue/port.ts';
import { SQL } from '../../engines/sql/port.ts';
import { defineModule, type Routes } from '../../platform/modules.ts';
import { ALERTS } from '../../stores/alerts/store.ts';
import { MISSIONS } from '../../stores/missions/catalog.ts';
import { TELEMETRY } from '../../stores/telemetry/store.ts';
import type { ConsoleApi } from './api.ts';
import { missionRoutes } from './mission-routes.ts';
import { operationsRoutes } from './operations-routes.ts';
import { renderConsole } from './page.ts';
import { telemetryRoutes } from './telemetry-routes.ts';

const pageRoutes: Routes<ConsoleApi> = (http, api) => {
  http.get('/console', { schema: { hide: true } }, async (_request, reply) => {
    // Alerts that returned to normal stay listed until acknowledged; shelved ones are left out until they come off the shelf.
    const [missions, spacecraft, open, returned, acknowledged] = await Promise.all([
      api.catalog.listMissions(), api.catalog.listSpacecraft(), api.alerts.list({ state: 'open', limit: 200 }),
      api.alerts.list({ state: 'rtn-unacknowledged', limit: 200 }), api.alerts.list({ state: 'acknowledged', limit: 200 }),
    ]);
    return reply.type('text/html; charset=utf-8').send(renderConsole({ missions, spacecraft, alerts: [...open, ...returned, ...acknowledged], now: new Date() }));
  });
};

export const consoleModule = defineModule({
  name: 'console',
  deps: { catalog: MISSIONS, telemetry: TELEMETRY, alerts: ALERTS, logs: LOGS, queue: QUEUE, sql: SQL },
  target: { description: 'Operator console (server-rendered) and the mission, history, log-search and dead-letter APIs' },
  async start({ deps: { sql, ...api } }) {
    return { value: api, isReady: () => sql.isReady() };
  },
  async routes(http, api, config) {
    for (const routes of [missionRoutes, telemetryRoutes, operationsRoutes, pageRoutes]) await routes(http, api, config);
  },
});
