/**
 * Who acts at the alarm desk: the "Your name" of the last action, remembered in a cookie
 * so that every form is filled in with it. It only fills in `by`; it is not a login.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const COOKIE = 'orbit_actor';
const ONE_YEAR_S = 365 * 24 * 3600;

export function actorOf(request: FastifyRequest): string {
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
