/** "Your name" on the mission database's forms: who makes a change, for the change history. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS } from '../../../core/schemas.ts';
import { rememberActor, rememberedActor as remembered } from '../../../platform/html/actor.ts';
import { field } from '../../../platform/html/form.ts';
import type { Html } from '../../../platform/html/html.ts';
import { text, type FormValues } from '../../../platform/html/form-values.ts';

export const ACTOR_FIELD = 'actor';

export function rememberedActor(request: FastifyRequest): string {
  return remembered(request) || ANONYMOUS;
}

/** The name posted with a form (anonymous when blank), remembered for the next forms; signed in with a key, the key's name. */
export function postedActor(form: FormValues, reply: FastifyReply): string {
  const signedIn = reply.request.principal?.name;
  if (signedIn) return signedIn;
  const actor = text(form, ACTOR_FIELD).trim().slice(0, 200) || ANONYMOUS;
  rememberActor(reply, actor);
  return actor;
}

/** `form` tells the field apart from the other forms' on the same page. */
export function actorField(actor: string, form: string): Html {
  return field({ label: 'Your name', name: ACTOR_FIELD, id: `f-actor-${form}`, value: actor, hint: 'Recorded in the change history' });
}
