/**
 * The alert desk's API: list alerts, read one with its history, and the operator's
 * actions on one (acknowledge, shelve, unshelve, comment, assign, clear). Each action
 * answers the alert as it is after it; 404 for an unknown alert, 409 when its state does
 * not allow the action.
 */
import { Type, type TSchema } from 'typebox';
import { Acknowledge, Alert, AlertComment, AlertNote, AlertState, Assign, Severity, Shelve } from '../../core/schemas.ts';
import { ProblemSchema } from '../../platform/http.ts';
import type { Routes } from '../../platform/modules.ts';
import { badRequest, HttpProblem, notFound } from '../../platform/problem.ts';
import type { AlertStore, OperatorResult } from '../../stores/alerts/store.ts';
import type { AlertEngine } from './engine.ts';
import { shelfEnd, type OperatorAction } from './operator-actions.ts';

export interface AnalyzerApi {
  engine: AlertEngine;
  alerts: AlertStore;
  /** Told when an action's event waits for the event log. */
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

function answer(id: string, result: OperatorResult) {
  if (!result) throw notFound(`no alert "${id}"`);
  if ('conflict' in result) throw new HttpProblem(409, result.conflict, { errors: [{ pointer: 'params/id', detail: result.conflict }] });
  return result.alert;
}

export const analyzerRoutes: Routes<AnalyzerApi> = (app, api) => {
  app.get('/v1/alerts', { schema: { tags: ['alerts'], summary: 'List alerts, newest first', querystring: AlertQuery, response: { 200: Type.Array(Alert), 400: ProblemSchema } } }, (request) =>
    api.alerts.list(request.query),
  );
  app.get('/v1/alerts/:id', { schema: { tags: ['alerts'], summary: 'One alert with its history of transitions', params: IdParams, response: { 200: Alert, 404: ProblemSchema } } }, async (request) => {
    const alert = await api.alerts.get(request.params.id);
    if (!alert) throw notFound(`no alert "${request.params.id}"`);
    return alert;
  });

  /** An action route: its body, and the action it makes of the body. */
  const action = <B extends TSchema>(verb: string, summary: string, body: B, toAction: (body: Type.Static<B>) => OperatorAction) => {
    app.post(`/v1/alerts/:id/${verb}`, {
      schema: { tags: ['alerts'], summary, params: IdParams, body, response: { 200: Alert, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema } },
    }, async (request) => {
      const { id } = request.params;
      return answer(id, await api.engine.act(id, toAction(request.body as Type.Static<B>), (error) => api.onHeld(id, error)));
    });
  };

  action('acknowledge', 'Acknowledge an alert: an open one becomes acknowledged, one that returned to normal (rtn-unacknowledged) is resolved; otherwise unchanged', Acknowledge,
    (b) => ({ kind: 'acknowledge', ...b }));
  action('shelve', 'Shelve an alert until a time or for a duration: it raises nothing while shelved, and comes off the shelf by itself, raised again if its value is still off', Shelve, (b) => {
    const until = shelfEnd(b, Date.now());
    if (typeof until !== 'number') throw badRequest('invalid shelve request', until);
    return { kind: 'shelve', by: b.by, until, ...(b.comment !== undefined && { comment: b.comment }) };
  });
  action('unshelve', 'Take an alert off the shelf: raised again (open) if its value is still off, resolved if it returned to normal', AlertNote, (b) => ({ kind: 'unshelve', ...b }));
  action('comment', "Add a comment to an alert's history", AlertComment, (b) => ({ kind: 'comment', ...b }));
  action('assign', 'Assign an alert to a person (to: null unassigns)', Assign, (b) => ({ kind: 'assign', ...b }));
  action('clear', 'Resolve an alert by hand; if its value is still off, the next reading raises a new one', AlertNote, (b) => ({ kind: 'clear', ...b }));
};
