/**
 * Which routes an alert change goes to. Pure: the same event and routes always give the
 * same answer, so an event read again after a restart is routed as it was the first time.
 */
import type { AlertEvent } from '../../core/messages.ts';
import type { NotificationRoute } from '../../core/notifications.ts';
import type { Alert } from '../../core/schemas.ts';

/**
 * Whether the alert was shelved when it changed: an operator hid it, so nobody is told.
 * Reads the state and, where the alert carries one, the time its shelf ends; both are
 * compared with the change's own time, not the clock, so reading the event later (after a
 * restart, say) decides the same way. The one place to adjust if shelving changes shape.
 */
export function isShelved(alert: Alert, at: number): boolean {
  // Unshelving clears shelvedUntil, so a shelf still in force is one that has not run out.
  return alert.state === 'shelved' || (alert.shelvedUntil !== undefined && Date.parse(alert.shelvedUntil) > at);
}

/**
 * Names one transition of one alert, for the delivery's unique key: its time, the states
 * it went between, the severity and (where events carry it) the action, so that two
 * changes of an alert in the same millisecond still get a delivery each.
 */
export function transitionKey({ transition }: AlertEvent): string {
  const action = (transition as { action?: unknown }).action;
  return [transition.at, transition.from ?? '-', transition.to, transition.severity, ...(typeof action === 'string' ? [action] : [])].join('/');
}

/** Whether a route takes this change of an alert of a spacecraft of `missionId` (undefined: unknown spacecraft). */
export function routeMatches(route: NotificationRoute, event: AlertEvent, missionId: string | undefined): boolean {
  if (!route.enabled) return false;
  if (route.missionId !== undefined && route.missionId !== missionId) return false;
  if (route.severities && !route.severities.includes(event.transition.severity)) return false;
  if (route.rules && !route.rules.includes(event.alert.rule)) return false;
  return true;
}

/** The routes an alert change is delivered to: none while the alert is shelved. */
export function routesFor(event: AlertEvent, missionId: string | undefined, routes: readonly NotificationRoute[]): NotificationRoute[] {
  if (isShelved(event.alert, event.transition.at)) return [];
  return routes.filter((route) => routeMatches(route, event, missionId));
}
