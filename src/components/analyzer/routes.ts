/**
 * The alert desk's API: list alerts, read one with its history, acknowledge one.
 */
import { Type } from 'typebox';
import { Acknowledge, Alert, AlertState, Severity } from '../../core/schemas.ts';
import { ProblemSchema } from '../../platform/http.ts';
import type { Routes } from '../../platform/modules.ts';
import { notFound } from '../../platform/problem.ts';
import type { AlertStore } from '../../stores/alerts/store.ts';
import type { AlertEngine } from './engine.ts';

export interface AnalyzerApi {
  engine: AlertEngine;
  alerts: AlertStore;
  /** Told when an acknowledgement's event waits for the event log. */
  onHeld(alertId: string, error: unknown): void;
}

const AlertQuery = Type.Object({
  state: Type.Optional(AlertState),
  spacecraft: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
  severity: Type.Optional(Severity),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});
const IdParams = Type.Object({ id: Type.String() });

export const analyzerRoutes: Routes<AnalyzerApi> = (app, api) => {
  app.get('/v1/alerts', { schema: { tags: ['alerts'], summary: 'List alerts, newest first', querystring: AlertQuery, response: { 200: Type.Array(Alert), 400: ProblemSchema } } }, (request) =>
    api.alerts.list(request.query),
  );
  app.get('/v1/alerts/:id', { schema: { tags: ['alerts'], summary: 'One alert with its history of transitions', params: IdParams, response: { 200: Alert, 404: ProblemSchema } } }, async (request) => {
    const alert = await api.alerts.get(request.params.id);
    if (!alert) throw notFound(`no alert "${request.params.id}"`);
    return alert;
  });
  app.post('/v1/alerts/:id/acknowledge', {
    schema: { tags: ['alerts'], summary: 'Acknowledge an open alert', params: IdParams, body: Acknowledge, response: { 200: Alert, 400: ProblemSchema, 404: ProblemSchema } },
  }, async (request) => {
    const { id } = request.params;
    const change = await api.engine.acknowledge(id, request.body.by, request.body.comment, (error) => api.onHeld(id, error));
    if (!change) throw notFound(`no alert "${id}"`);
    return change.alert;
  });
};
