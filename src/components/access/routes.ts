/**
 * API keys (`/v1/keys`), the audit log (`/v1/audit`), the caller's own session
 * (`/v1/session`) and the browser's sign-in and sign-out.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ProblemSchema } from '../../platform/http.ts';
import type { Routes } from '../../platform/modules.ts';
import { newToken, hashSecret } from '../../platform/credentials.ts';
import { badRequest, notFound } from '../../platform/problem.ts';
import { anyMission } from '../../platform/scopes.ts';
import { consolePages, sendHtml, seeOther } from '../../platform/html/pages.ts';
import { parseTimeParam } from '../../core/time.ts';
import type { AccessStore } from '../../stores/access/store.ts';
import type { AuditStore } from '../../stores/audit/store.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import { BOOTSTRAP_ID, cookieValue, SESSION_COOKIE, type KeyGatekeeper } from './gatekeeper.ts';
import { createKey, KeyCreate, KeyCreated, KeyView, keyView, revokeKey } from './keys.ts';
import { safeNext, signInPage } from './sign-in-page.ts';
import { auditPage } from './audit-page.ts';

export interface AccessApi {
  store: AccessStore;
  audit: AuditStore;
  catalog: MissionCatalog;
  gate: KeyGatekeeper;
}

const IdParams = Type.Object({ id: Type.String() });
const AuditEntry = Type.Object({
  at: Type.String({ format: 'date-time' }),
  actor: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() }, { description: 'The key (or `cli`) that acted; absent when the caller was not known' })),
  action: Type.String({ description: '`METHOD /route/{param}` for the API, `keys create` and the like for the CLI' }),
  route: Type.String({ description: 'The path as requested' }),
  targets: Type.Array(Type.String(), { description: 'Ids the change names (path parameters, a created key)' }),
  status: Type.Integer({ description: 'The answer: 2xx done, 4xx refused' }),
});
const AuditPage = Type.Object({ entries: Type.Array(AuditEntry), next: Type.Optional(Type.String({ description: 'Cursor for older entries: ask again with `cursor=<next>`' })) });
const AuditQuery = Type.Object({
  actor: Type.Optional(Type.String({ description: 'A key id or name, or `cli`' })),
  from: Type.Optional(Type.String({ description: 'At or after this time (ISO 8601 or epoch ms)' })),
  to: Type.Optional(Type.String({ description: 'Before this time' })),
  cursor: Type.Optional(Type.String({ pattern: '^\\d{1,18}$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
const Session = Type.Object({
  key: Type.Object({ id: Type.String(), name: Type.String(), role: Type.String(), missions: Type.Optional(Type.Array(Type.String())) }),
  csrfToken: Type.Optional(Type.String({ description: 'With a session cookie: send it as X-CSRF-Token on every change' })),
});

/** Set-Cookie for the session: HttpOnly, SameSite=Strict, Secure when the browser came over https. */
function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const https = request.protocol === 'https' || String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${https ? '; Secure' : ''}`;
}

export const accessRoutes: Routes<AccessApi> = async (http, api, config) => {
  http.post('/v1/keys', {
    config: { access: 'admin', scope: 'unscoped' },
    schema: { tags: ['access'], summary: 'Create an API key; the answer is the only one that shows its secret', body: KeyCreate, response: { 201: KeyCreated, 400: ProblemSchema } },
  }, async (request, reply) => {
    const created = await createKey(api, request.body, request.principal?.name ?? 'anonymous');
    request.auditTargets = [created.id];
    return reply.status(201).header('location', `/v1/keys/${created.id}`).header('cache-control', 'no-store').send(created);
  });

  http.get('/v1/keys', {
    config: { access: 'admin', scope: 'unscoped' },
    schema: { tags: ['access'], summary: 'Every key, revoked ones included, newest first (never the secrets)', response: { 200: Type.Array(KeyView) } },
  }, async () => (await api.store.listKeys()).map(keyView));

  http.delete('/v1/keys/:id', {
    config: { access: 'admin', scope: 'unscoped' },
    schema: { tags: ['access'], summary: 'Revoke a key: refused at once by this process, within seconds by the others; its browser sessions end', params: IdParams, response: { 200: KeyView, 404: ProblemSchema } },
  }, async (request) => {
    const revoked = await revokeKey(api, request.params.id);
    if (!revoked) throw notFound(`no key "${request.params.id}"`);
    api.gate.forgetKey(revoked.id);
    return revoked;
  });

  http.get('/v1/audit', {
    config: { access: 'admin', scope: 'unscoped' },
    schema: { tags: ['access'], summary: 'The audit log, newest first: who changed what, when, and the answer', querystring: AuditQuery, response: { 200: AuditPage, 400: ProblemSchema } },
  }, async (request) => {
    const { actor, cursor, limit } = request.query;
    const from = parseTimeParam(request.query.from);
    const to = parseTimeParam(request.query.to);
    const bad = [['from', from], ['to', to]].filter(([, v]) => Number.isNaN(v)).map(([name]) => ({ pointer: `querystring/${String(name)}`, detail: 'must be ISO 8601 or epoch milliseconds' }));
    if (bad.length) throw badRequest('a time is not valid', bad);
    const page = await api.audit.list({ actor, from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to), before: cursor === undefined ? undefined : Number(cursor), limit: limit ?? 100 });
    return {
      entries: page.entries.map((e) => ({ ...e, at: e.at.toISOString() })),
      ...(page.next !== undefined && { next: String(page.next) }),
    };
  });

  http.get('/v1/session', {
    config: { access: 'viewer', scope: anyMission },
    schema: { tags: ['access'], summary: 'Who the caller is; with a session cookie, also its CSRF token', response: { 200: Session } },
  }, (request) => {
    const p = request.principal!;
    return { key: { id: p.id, name: p.name, role: p.role, ...(p.missions && { missions: p.missions }) }, ...(p.session && { csrfToken: p.session.csrfToken }) };
  });

  await consolePages(http, (app) => {
    app.get('/sign-in', { config: { access: 'public' }, schema: { hide: true, querystring: Type.Object({ next: Type.Optional(Type.String()) }) } }, (request, reply) =>
      sendHtml(reply, signInPage({ next: safeNext(request.query.next), signedInAs: request.principal?.via === 'session' ? request.principal.name : undefined })));

    // Public (there is no session yet), yet audited: signing in is a change of who may act.
    app.post('/sign-in', { config: { access: 'public', audit: true }, schema: { hide: true } }, async (request, reply: FastifyReply) => {
      const form = (request.body ?? {}) as Record<string, unknown>;
      const next = safeNext(form.next);
      const principal = typeof form.key === 'string' ? await api.gate.verifyKey(form.key.trim()) : undefined;
      if (!principal || principal.id === 'internal') return sendHtml(reply, signInPage({ next, error: 'That key is not valid: unknown, revoked or mistyped.' }), 401);
      const token = newToken();
      const expiresAt = new Date(Date.now() + config.auth.sessionMs);
      await api.store.createSession(hashSecret(token), { keyId: principal.id === BOOTSTRAP_ID ? BOOTSTRAP_ID : principal.id, csrfToken: newToken(), expiresAt });
      request.principal = principal;
      reply.header('set-cookie', sessionCookie(request, token, Math.floor(config.auth.sessionMs / 1000)));
      return seeOther(reply, next);
    });

    app.get('/console/audit', { config: { access: 'admin', scope: 'unscoped' }, schema: { hide: true, querystring: Type.Object({ actor: Type.Optional(Type.String({ maxLength: 200 })), cursor: Type.Optional(Type.String({ pattern: '^\\d{1,18}$' })) }) } }, async (request, reply) => {
      const actor = request.query.actor?.trim() ?? '';
      const found = await api.audit.list({ actor: actor || undefined, before: request.query.cursor === undefined ? undefined : Number(request.query.cursor), limit: 100 });
      return sendHtml(reply, auditPage({ actor, ...found }));
    });

    app.post('/sign-out', { config: { access: 'viewer', scope: anyMission }, schema: { hide: true } }, async (request, reply) => {
      const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
      if (token) {
        await api.store.deleteSession(hashSecret(token));
        api.gate.forgetSession(token);
      }
      reply.header('set-cookie', sessionCookie(request, '', 0));
      return seeOther(reply, '/sign-in');
    });
  });
};
