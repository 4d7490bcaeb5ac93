/**
 * The mission scopes routes declare most often (platform/access.ts says what a scope is):
 * which part of a request names a spacecraft or a mission, and what an answer's items name.
 */
import type { FastifyRequest } from 'fastify';
import type { RouteScope, ScopeTargets } from './access.ts';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const part = (request: FastifyRequest, where: 'params' | 'query' | 'body'): Record<string, unknown> => {
  const value = request[where];
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
};

/** Names nothing by itself (a page shell, a list filtered by `item`): any key may use it. */
export const anyMission: RouteScope = {};

export const spacecraftInPath = (name = 'id'): RouteScope => ({ request: (r) => ({ spacecraft: [text(part(r, 'params')[name])] }) });
export const missionInPath = (name = 'id'): RouteScope => ({ request: (r) => ({ missions: [text(part(r, 'params')[name])] }) });
export const spacecraftInQuery = (name = 'spacecraft'): RouteScope => ({ request: (r) => ({ spacecraft: [text(part(r, 'query')[name])] }) });

/** Items of an answer that name their spacecraft in `field`, optionally also filtered by `?spacecraft=`. */
export function spacecraftItems(field = 'spacecraft', query?: string): RouteScope {
  return {
    ...(query && { request: (r: FastifyRequest): ScopeTargets => ({ spacecraft: [text(part(r, 'query')[query])] }) }),
    item: ((item: Record<string, unknown>) => ({ spacecraft: [text(item[field])] })) as RouteScope['item'],
  };
}

/** Items of an answer that are missions (`id`) or name one (`missionId`). */
export function missionItems(field: 'id' | 'missionId', query?: string): RouteScope {
  return {
    ...(query && { request: (r: FastifyRequest): ScopeTargets => ({ missions: [text(part(r, 'query')[query])] }) }),
    item: ((item: Record<string, unknown>) => ({ missions: [text(item[field])] })) as RouteScope['item'],
  };
}

/** A JSON body field naming a spacecraft or a mission. */
export const spacecraftInBody = (field: string): RouteScope => ({ request: (r) => ({ spacecraft: [text(part(r, 'body')[field])] }) });
export const missionInBody = (field: string): RouteScope => ({ request: (r) => ({ missions: [text(part(r, 'body')[field])] }) });
