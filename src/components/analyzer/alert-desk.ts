/**
 * What the alert API and the alarm desk's pages both do: list alerts by the same filters,
 * and carry out an operator's action from its request body. The REST routes and the
 * console's forms call these, so an action behaves, and fails, the same from either.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Acknowledge, AlertComment, AlertNote, AlertState, Assign, Severity, Shelve, type Alert } from '../../core/schemas.ts';
import { HttpProblem, badRequest, notFound } from '../../platform/problem.ts';
import { TimeParam, timeRange } from '../../platform/validation.ts';
import type { AlertQuery, AlertStore, OperatorResult } from '../../stores/alerts/store.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import type { AlertEngine } from './engine.ts';
import { shelfEnd, type OperatorAction } from './operator-actions.ts';

export interface AnalyzerApi {
  engine: AlertEngine;
  alerts: AlertStore;
  /** Missions and spacecraft, for the alarm desk's filters. */
  catalog: MissionCatalog;
}

export const AlertFilter = Type.Object({
  mission: Type.Optional(Type.String({ description: "Alerts of this mission's spacecraft" })),
  spacecraft: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
  severity: Type.Optional(Severity),
  state: Type.Optional(AlertState),
  from: Type.Optional(TimeParam('Opened at or after: ISO 8601 or epoch ms')),
  to: Type.Optional(TimeParam('Opened before: ISO 8601 or epoch ms')),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'Alerts to skip (the newest first), for the following pages' }),
});
export type AlertFilter = Static<typeof AlertFilter>;

/** The store's query for a filter; a time that is not one answers 400 naming it. */
export function alertQuery({ from, to, ...rest }: AlertFilter): AlertQuery {
  const { from: fromMs, to: toMs } = timeRange({ from, to }, 'invalid alert filter');
  return { ...rest, ...(fromMs !== undefined && { fromMs }), ...(toMs !== undefined && { toMs }) };
}

interface ActionDefinition {
  summary: string;
  body: TSchema;
  /** The action a valid body asks for; throws the problem the schema cannot find. */
  toAction(body: unknown): OperatorAction;
}

const define = <B extends TSchema>(summary: string, body: B, toAction: (body: Static<B>) => OperatorAction): ActionDefinition => ({
  summary, body, toAction: (b) => toAction(b as Static<B>),
});

/** The operator's actions by the verb of their path (`/v1/alerts/{id}/<verb>`). */
export const ALERT_ACTIONS = {
  acknowledge: define(
    'Acknowledge an alert: an open one becomes acknowledged, one that returned to normal (rtn-unacknowledged) is resolved; otherwise unchanged', Acknowledge,
    (b) => ({ kind: 'acknowledge', ...b }),
  ),
  shelve: define(
    'Shelve an alert until a time or for a duration: it raises nothing while shelved, and comes off the shelf by itself, raised again if its value is still off', Shelve,
    (b) => {
      const until = shelfEnd(b, Date.now());
      if (typeof until !== 'number') throw badRequest('invalid shelve request', until);
      return { kind: 'shelve', by: b.by, until, ...(b.comment !== undefined && { comment: b.comment }) };
    },
  ),
  unshelve: define('Take an alert off the shelf: raised again (open) if its value is still off, resolved if it returned to normal', AlertNote, (b) => ({ kind: 'unshelve', ...b })),
  comment: define("Add a comment to an alert's history", AlertComment, (b) => ({ kind: 'comment', ...b })),
  assign: define('Assign an alert to a person (to: null unassigns)', Assign, (b) => ({ kind: 'assign', ...b })),
  clear: define('Resolve an alert by hand; if its value is still off, the next reading raises a new one', AlertNote, (b) => ({ kind: 'clear', ...b })),
} as const satisfies Record<string, ActionDefinition>;

export type AlertVerb = keyof typeof ALERT_ACTIONS;
export const ALERT_VERBS = Object.keys(ALERT_ACTIONS) as AlertVerb[];

function answer(id: string, result: OperatorResult): Alert {
  if (!result) throw notFound(`no alert "${id}"`);
  if ('conflict' in result) throw new HttpProblem(409, result.conflict, { errors: [{ pointer: 'params/id', detail: result.conflict }] });
  return result.alert;
}

/** Carries out an action whose body passed its schema: the alert after it, or 400, 404 or 409. */
export async function performAction(api: AnalyzerApi, id: string, verb: AlertVerb, body: unknown): Promise<Alert> {
  const action = ALERT_ACTIONS[verb].toAction(body);
  return answer(id, await api.engine.act(id, action));
}
