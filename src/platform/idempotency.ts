/**
 * `Idempotency-Key` on a POST: the same key with the same body gets the first answer again
 * and the work is not done twice; the same key with another body answers 422; while the
 * first request is still being answered, 409. Kept for a configured time, in a store every
 * process of the target shares (so a retry may reach another replica).
 *
 * Only answers the work returned are kept. A request that failed (a problem, an engine
 * away) keeps nothing: repeating it does it again, which is what a client retrying wants.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { HttpProblem } from './problem.ts';

export interface StoredAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Claim = { kind: 'new' } | { kind: 'answered'; answer: StoredAnswer } | { kind: 'other-body' } | { kind: 'in-progress' };

/** What keeps the keys (stores/idempotency). */
export interface IdempotencyRecords {
  /** Takes the key for this request, unless a request under it is newer than `since`. */
  claim(scope: string, key: string, requestHash: string, since: Date): Promise<Claim>;
  complete(scope: string, key: string, answer: StoredAnswer): Promise<void>;
  /** Lets the key go after a request that failed. */
  release(scope: string, key: string): Promise<void>;
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The header as a route documents it (schema.headers). */
export const IdempotencyHeaders = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Repeating the request with the same key and body answers as the first time and does nothing twice; the same key with another body answers 422. Kept for ORBIT_IDEMPOTENCY_HOURS.' })),
});

/** Runs `work` once per key and body; answers from what is kept otherwise. */
export async function idempotent(
  records: IdempotencyRecords,
  request: FastifyRequest,
  reply: FastifyReply,
  keepMs: number,
  work: () => Promise<StoredAnswer>,
): Promise<void> {
  const key = request.headers[IDEMPOTENCY_HEADER];
  const send = (answer: StoredAnswer) => void reply.status(answer.status).headers(answer.headers ?? {}).send(answer.body);
  if (key === undefined) return send(await work());
  if (typeof key !== 'string' || key.length < 1 || key.length > 255) {
    throw new HttpProblem(400, 'Idempotency-Key must be one header of 1 to 255 characters');
  }
  // With access control on, each key has keys of its own: another caller's Idempotency-Key never answers with someone else's result.
  const scope = `${request.principal ? `${request.principal.id} ` : ''}${request.method} ${request.routeOptions.url}`;
  const hash = createHash('sha256').update(typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null)).digest('hex');
  const claim = await records.claim(scope, key, hash, new Date(Date.now() - keepMs));
  if (claim.kind === 'answered') return send(claim.answer);
  if (claim.kind === 'other-body') throw new HttpProblem(422, `Idempotency-Key "${key}" was used with another body; use a new key for a new request`);
  if (claim.kind === 'in-progress') throw new HttpProblem(409, `a request with Idempotency-Key "${key}" is still being answered; repeat it in a moment`, { retryAfterSeconds: 1 });
  let answer: StoredAnswer;
  try {
    answer = await work();
  } catch (error) {
    await records.release(scope, key).catch(() => undefined);
    throw error;
  }
  await records.complete(scope, key, answer);
  return send(answer);
}
