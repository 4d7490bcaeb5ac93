/**
 * The alert desk's API: list alerts, read one with its history, and the operator's
 * actions on one (acknowledge, shelve, unshelve, comment, assign, clear). Each action
 * answers the alert as it is after it; 404 for an unknown alert, 409 when its state does
 * not allow the action.
 */
import { Type } from 'typebox';
import { Alert } from '../../core/schemas.ts';
import { ProblemSchema } from '../../platform/http.ts';
import type { RouteScope } from '../../platform/access.ts';
import type { Routes } from '../../platform/modules.ts';
import { notFound } from '../../platform/problem.ts';
import { ALERT_ACTIONS, ALERT_VERBS, AlertFilter, alertQuery, performAction, type AnalyzerApi } from './alert-desk.ts';
import { spacecraftItems } from '../../platform/scopes.ts';

const IdParams = Type.Object({ id: Type.String() });

export const analyzerRoutes: Routes<AnalyzerApi> = (app, api) => {
  app.get('/v1/alerts', { config: { access: 'viewer', scope: spacecraftItems('spacecraft', 'spacecraft') },
    schema: { tags: ['alerts'], summary: 'List alerts, newest first', querystring: AlertFilter, response: { 200: Type.Array(Alert), 400: ProblemSchema } },
  }, (request) => api.alerts.list(alertQuery(request.query)));
  app.get('/v1/alerts/:id', { config: { access: 'viewer', scope: spacecraftItems() }, schema: { tags: ['alerts'], summary: 'One alert with its history of transitions', params: IdParams, response: { 200: Alert, 404: ProblemSchema } } }, async (request) => {
    const alert = await api.alerts.get(request.params.id);
    if (!alert) throw notFound(`no alert "${request.params.id}"`);
    return alert;
  });

  // A key limited to missions acts on its spacecraft's alerts; an unknown alert is left to the route's 404 (alert ids are random).
  const alertScope: RouteScope = {
    request: async (r) => {
      const alert = await api.alerts.get((r.params as { id: string }).id);
      return alert ? { spacecraft: [alert.spacecraft] } : {};
    },
  };
  for (const verb of ALERT_VERBS) {
    const { summary, body } = ALERT_ACTIONS[verb];
    app.post(`/v1/alerts/:id/${verb}`, { config: { access: 'operator', scope: alertScope },
      schema: { tags: ['alerts'], summary, params: IdParams, body, response: { 200: Alert, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema } },
    }, (request) => performAction(api, request.params.id, verb, request.body));
  }
};
