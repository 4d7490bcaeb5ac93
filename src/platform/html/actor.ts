/**
 * "Your name" on the console's forms, remembered in the cookie orbit_actor so that every
 * form offers it again. It names who acted (the `by` of an alert action, the author in a
 * change history); it is not a login.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const COOKIE = 'orbit_actor';
const ONE_YEAR_S = 365 * 24 * 3600;

/** The remembered name; '' when there is none. Signed in, the key's name is offered instead. */
export function rememberedActor(request: FastifyRequest): string {
  if (request.principal) return request.principal.name;
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== COOKIE) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return '';
    }
  }
  return '';
}

export function rememberActor(reply: FastifyReply, name: string): void {
  reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(name)}; Path=/console; Max-Age=${ONE_YEAR_S}; SameSite=Lax; HttpOnly`);
}
