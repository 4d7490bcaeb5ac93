/**
 * The API body an alert action's form stands for. The detail page has one form for all
 * actions (each button posts to its own verb), so each action takes only the fields its
 * schema names; an empty field is a value not given, and the assignee left empty is
 * nobody. What remains is checked by the action's own schema, as the API checks it.
 */
import type { TObject } from 'typebox';
import { fromInputValue } from '../../../platform/html/times.ts';
import { ALERT_ACTIONS, type AlertVerb } from '../alert-desk.ts';

export function actionBody(verb: AlertVerb, form: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of Object.keys((ALERT_ACTIONS[verb].body as TObject).properties)) {
    const raw = form[name];
    const value = typeof raw === 'string' ? raw.trim() : raw;
    if (value === '' || value === undefined) {
      if (name === 'to') body.to = null;
      continue;
    }
    if (name === 'forSeconds' && typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) body[name] = Number(value);
    else if (name === 'until' && typeof value === 'string') body[name] = fromInputValue(value);
    else body[name] = value;
  }
  return body;
}
