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
import { missionPageRoutes } from './mission-pages.ts';
import { operationsRoutes } from './operations-routes.ts';
import { consolePages, sendHtml } from '../../platform/html/pages.ts';
import { assetRoutes } from './pages/assets.ts';
import { alertsTable, overviewPage } from './pages/overview.ts';
import { telemetryRoutes } from './telemetry-routes.ts';
import { historyPages } from './history-pages.ts';
import { logPages } from './log-pages.ts';

/** Alerts that returned to normal stay listed until acknowledged; shelved ones are left out until they come off the shelf. */
async function alertsToHandle(api: ConsoleApi) {
  const lists = await Promise.all((['open', 'rtn-unacknowledged', 'acknowledged'] as const).map((state) => api.alerts.list({ state, limit: 200 })));
  return lists.flat();
}

const pageRoutes: Routes<ConsoleApi> = (http, api) =>
  consolePages(http, (app) => {
    assetRoutes(app);
    app.get('/console', { config: { access: 'viewer' }, schema: { hide: true } }, async (_request, reply) => {
      const [missions, spacecraft, alerts] = await Promise.all([api.catalog.listMissions(), api.catalog.listSpacecraft(), alertsToHandle(api)]);
      return sendHtml(reply, overviewPage({ missions, spacecraft, alerts }));
    });
    app.get('/console/overview/alerts', { config: { access: 'viewer' }, schema: { hide: true } }, async (_request, reply) => sendHtml(reply, alertsTable(await alertsToHandle(api))));
    historyPages(app, api);
    logPages(app, api);
  });

export const consoleModule = defineModule({
  name: 'console',
  deps: { catalog: MISSIONS, telemetry: TELEMETRY, alerts: ALERTS, logs: LOGS, queue: QUEUE, sql: SQL },
  target: { description: 'Operator console (server-rendered) and the mission, history, log-search and dead-letter APIs' },
  async start({ deps: { sql, ...api } }) {
    return { value: api, isReady: () => sql.isReady() };
  },
  async routes(http, api, config) {
    for (const routes of [missionRoutes, telemetryRoutes, operationsRoutes, pageRoutes]) await routes(http, api, config);
    await missionPageRoutes(http, api, config);
  },
});
