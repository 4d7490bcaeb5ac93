/**
 * Creating notification routes: what the schema cannot check (the URL parses, the mission
 * exists), then the route with its secret, generated when the client sent none.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { NotificationRouteCreate, NotificationRouteCreated } from '../../core/notifications.ts';
import { badRequest, HttpProblem, type FieldError } from '../../platform/problem.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import type { NotificationStore } from '../../stores/notifications/store.ts';

export interface RouteDeskDeps {
  store: NotificationStore;
  catalog: Pick<MissionCatalog, 'getMission'>;
}

/** 32 random bytes: as strong as the HMAC-SHA256 key can use. */
export const generateSecret = (): string => randomBytes(32).toString('base64url');

/** The route created, with its secret; throws the problem naming every bad field. */
export async function createRoute(deps: RouteDeskDeps, input: NotificationRouteCreate): Promise<NotificationRouteCreated> {
  const errors: FieldError[] = [];
  try {
    const url = new URL(input.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') errors.push({ pointer: '/url', detail: 'must be an http or https URL' });
  } catch {
    errors.push({ pointer: '/url', detail: 'is not a URL' });
  }
  if (input.missionId !== undefined && !(await deps.catalog.getMission(input.missionId))) {
    const unknown = { pointer: '/missionId', detail: `no mission "${input.missionId}"` };
    // As elsewhere in the API: an unknown referenced resource alone is a 404.
    if (!errors.length) throw new HttpProblem(404, `no mission "${input.missionId}"`, { errors: [unknown] });
    errors.push(unknown);
  }
  if (errors.length) throw badRequest(`${errors.length} problem(s) in the notification route`, errors);
  const secret = input.secret ?? generateSecret();
  const route = await deps.store.createRoute(randomUUID(), { ...input, secret });
  return { ...route, secret };
}
