/**
 * "Your name" on the console's forms: who makes a change, for the change history. It is
 * remembered in the cookie orbit_actor, so the forms offer it again.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS } from '../../../core/schemas.ts';
import { field } from '../../../platform/html/form.ts';
import type { Html } from '../../../platform/html/html.ts';
import { text, type FormValues } from './form-values.ts';

const COOKIE = 'orbit_actor';
export const ACTOR_FIELD = 'actor';

export function rememberedActor(request: FastifyRequest): string {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) {
      try {
        return decodeURIComponent(value.join('=')) || ANONYMOUS;
      } catch {
        return ANONYMOUS;
      }
    }
  }
  return ANONYMOUS;
}

/** The name posted with a form (anonymous when blank), remembered for the next forms. */
export function postedActor(form: FormValues, reply: FastifyReply): string {
  const actor = text(form, ACTOR_FIELD).trim().slice(0, 200) || ANONYMOUS;
  reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(actor)}; Path=/console; SameSite=Lax; Max-Age=31536000`);
  return actor;
}

/** `form` tells the field apart from the other forms' on the same page. */
export function actorField(actor: string, form: string): Html {
  return field({ label: 'Your name', name: ACTOR_FIELD, id: `f-actor-${form}`, value: actor, hint: 'Recorded in the change history' });
}
