/**
 * Access control at the HTTP server: every route declares the role it needs
 * (`config: { access }`), and a route registered without one fails at start, so no route
 * is ever served unchecked by oversight. Each request then passes, in order:
 *
 * 1. the Host allowlist (DNS rebinding), probes excepted;
 * 2. authentication (`Authorization: Bearer <key>` or the session cookie), 401 without;
 * 3. the role, 403 below it;
 * 4. CSRF for cookie-authenticated changes (the session's token in X-CSRF-Token or `_csrf`);
 * 5. mission scope: a key limited to missions reaches only routes that say what they name
 *    (`config.scope`), and only for its missions; answers are filtered item by item.
 *
 * What a key is, and where sessions and the audit log are kept, is the access component's
 * business: it binds a `Gatekeeper` once its stores have started.
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { sameSecret } from './credentials.ts';
import { HttpProblem } from './problem.ts';
import { escapeHtml } from './html/html.ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export type Access = 'public' | Role;

/** Whether a holder of `held` may do what needs `needed`: viewer < operator < admin. */
export function allows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

export const isRole = (value: unknown): value is Role => (ROLES as readonly unknown[]).includes(value);

/** Who is calling. `missions` undefined: every mission. */
export interface Principal {
  /** A key id, `bootstrap` (ORBIT_ADMIN_KEY) or `internal` (this process's own simulator). */
  id: string;
  name: string;
  role: Role;
  missions?: string[];
  /** How the request proved it: a session also carries its CSRF token. */
  via: 'key' | 'session';
  session?: { csrfToken: string };
}

/** The missions and spacecraft a request or an answer names; a spacecraft counts as its mission. */
export interface ScopeTargets {
  missions?: readonly (string | undefined)[];
  spacecraft?: readonly (string | undefined)[];
}

/**
 * How a route is reached by a key limited to missions. Without a scope (or `'unscoped'`)
 * such a key is refused: a route that cannot say which mission it touches (logs, dead
 * letters, keys, audit) needs an unscoped key.
 */
export interface RouteScope {
  /** What the request names (path, query, body), checked before the handler runs. */
  request?(request: FastifyRequest): ScopeTargets | Promise<ScopeTargets>;
  /** What one item of the answer names: an array answer keeps the items in scope, an object answer out of scope is 403. */
  item?(item: never): ScopeTargets;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a caller needs, or `public`. Required on every route. */
    access?: Access;
    /** How a mission-scoped key reaches this route (see RouteScope). */
    scope?: RouteScope | 'unscoped';
    /** Whether a change through this route is written to the audit log (default: every non-GET, non-public route). */
    audit?: boolean;
  }
  interface FastifyRequest {
    /** Set once authenticated; undefined with auth off and on public routes. */
    principal?: Principal;
    /** Ids the audit entry names besides the path parameters (a created key's id, say). */
    auditTargets?: string[];
    /** For a key limited to missions: whether it may see a spacecraft (a stream filters its events by it). */
    allowsSpacecraft?(spacecraft: string): Promise<boolean>;
  }
}

export interface AuditRecord {
  actor: { id: string; name: string } | undefined;
  action: string;
  route: string;
  targets: string[];
  status: number;
}

/** What the access component provides once its stores are up. */
export interface Gatekeeper {
  /** The caller from the request's bearer key or session cookie; undefined when neither is valid. */
  authenticate(request: FastifyRequest): Promise<Principal | undefined>;
  /** The mission of a spacecraft (through the mission catalogue, cached); undefined for none. */
  missionOf(spacecraft: string): Promise<string | undefined>;
  /** Writes one entry of the audit log (failures are the gatekeeper's to report). */
  audit(record: AuditRecord): void;
}

export interface AccessOptions {
  enabled: boolean;
  /** Host header names accepted (lower case, `[::1]` for IPv6); undefined: any. */
  allowedHosts?: string[];
}

/** Paths any Host reaches, so kubelet and Prometheus probe by IP. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);
/** Where a browser without a session is sent. */
export const SIGN_IN_PATH = '/sign-in';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Where a page frame shows who is signed in (platform/html/layout.ts puts it in the top bar). */
export const ACCOUNT_MARK = '<!--orbit:account-->';

export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An API key, `orbit_<id>_<secret>` (POST /v1/keys or `orbit keys create`)' },
  session: { type: 'apiKey', in: 'cookie', name: 'orbit_session', description: 'A browser session from the sign-in page; changes also need its CSRF token in X-CSRF-Token' },
} as const;

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' } } } } },
});

/**
 * Checks each route as it is registered: it must declare its access, and its OpenAPI
 * operation documents the security it needs and the 401/403 answers.
 */
export function declareAccess(route: RouteOptions, docsPrefix: string): void {
  const config = (route.config ??= {}) as { access?: Access };
  // The interactive API docs are the one plugin whose routes Orbit does not write.
  if (config.access === undefined && (route.url === docsPrefix || route.url.startsWith(`${docsPrefix}/`))) config.access = 'public';
  const access = config.access;
  if (access !== 'public' && !isRole(access)) {
    throw new Error(`route ${[route.method].flat().join(',')} ${route.url} declares no access: give it config: { access: 'public' | ${ROLES.map((r) => `'${r}'`).join(' | ')} }`);
  }
  const schema = route.schema as (Record<string, unknown> & { hide?: boolean; response?: Record<string, unknown> }) | undefined;
  if (!schema || schema.hide) return;
  if (access === 'public') {
    schema.security = [];
    return;
  }
  schema.security = [{ bearer: [] }, { session: [] }];
  const needs = `Needs the role \`${access}\` or above${(route.config as { scope?: unknown }).scope && (route.config as { scope?: unknown }).scope !== 'unscoped' ? ', within the key\'s missions' : ' and a key not limited to missions'} (when ORBIT_AUTH is on).`;
  schema.description = schema.description ? `${String(schema.description)}\n\n${needs}` : needs;
  schema.response = {
    ...schema.response,
    401: problemResponse('No valid API key or session (`WWW-Authenticate: Bearer`)'),
    403: problemResponse('The key\'s role or missions do not allow this; `detail` says which role or mission is needed'),
  };
}

/** The hooks of one server; `bind` hands it the gatekeeper once the access component has started. */
export class AccessControl {
  readonly #options: AccessOptions;
  #gate: Gatekeeper | undefined;

  constructor(options: AccessOptions) {
    this.#options = options;
  }

  bind(gate: Gatekeeper): void {
    this.#gate = gate;
  }

  /** onRequest: Host, authentication, role. */
  readonly onRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const path = request.url.split('?')[0]!;
    if (PROBES.has(path)) return;
    this.#checkHost(request);
    const access = request.routeOptions.config?.access;
    const gate = this.#gate;
    // Auth off: every route is open and nobody is named (as before access control existed).
    if (!this.#options.enabled) return;
    // On but not yet able to check (never past start in practice): closed, not open.
    if (!gate) throw new HttpProblem(503, 'access control is starting; try again', { retryAfterSeconds: 1 });
    if (access === undefined || access === 'public') {
      // A public page still knows who is signed in (the sign-in page shows it).
      request.principal = await gate.authenticate(request);
      return;
    }
    const principal = await gate.authenticate(request);
    if (!principal) {
      if (request.method === 'GET' && /\btext\/html\b/.test(request.headers.accept ?? '')) {
        return reply.redirect(`${SIGN_IN_PATH}?next=${encodeURIComponent(request.url)}`, 303);
      }
      reply.header('www-authenticate', 'Bearer realm="orbit"');
      throw new HttpProblem(401, request.headers.authorization ? 'the API key is not valid (unknown, revoked or malformed)' : 'this route needs an API key (Authorization: Bearer <key>) or a signed-in session');
    }
    request.principal = principal;
    if (!allows(principal.role, access)) {
      throw new HttpProblem(403, `${request.method} ${request.routeOptions.url} needs the role ${access} or above; the key "${principal.name}" has ${principal.role}`);
    }
  };

  /** preHandler (the body is parsed): CSRF and mission scope. */
  readonly preHandler = async (request: FastifyRequest): Promise<void> => {
    const principal = request.principal;
    if (!principal) return;
    if (principal.via === 'session' && !SAFE_METHODS.has(request.method)) {
      const body = request.body as Record<string, unknown> | undefined;
      const sent = request.headers['x-csrf-token'] ?? (body && typeof body === 'object' ? body._csrf : undefined);
      if (typeof sent !== 'string' || !principal.session || !sameSecret(sent, principal.session.csrfToken)) {
        throw new HttpProblem(403, 'a change made with a session cookie needs the session\'s CSRF token (X-CSRF-Token header or the form\'s _csrf field); reload the page and try again');
      }
      if (body && typeof body === 'object') delete body._csrf;
    }
    if (!principal.missions) return;
    request.allowsSpacecraft = async (spacecraft) => !(await this.#outside(principal, { spacecraft: [spacecraft] }));
    const access = request.routeOptions.config?.access;
    if (access === undefined || access === 'public') return;
    const scope = request.routeOptions.config?.scope;
    if (scope === undefined || scope === 'unscoped') {
      throw new HttpProblem(403, `${request.method} ${request.routeOptions.url} is not limited to missions, so it needs a key that is not; the key "${principal.name}" is limited to ${principal.missions.join(', ')}`);
    }
    if (scope.request) {
      const outside = await this.#outside(principal, await scope.request(request));
      if (outside) throw new HttpProblem(403, `${outside}; the key "${principal.name}" is limited to the missions ${principal.missions.join(', ')}`);
    }
  };

  /** preSerialization: answers of scoped routes keep what the key may see. */
  readonly preSerialization = async (request: FastifyRequest, _reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const principal = request.principal;
    const scope = request.routeOptions.config?.scope;
    if (!principal?.missions || !scope || scope === 'unscoped' || !scope.item || payload === null || typeof payload !== 'object') return payload;
    const item = scope.item as (item: unknown) => ScopeTargets;
    if (Array.isArray(payload)) {
      const kept = [];
      for (const entry of payload) if (!(await this.#outside(principal, item(entry)))) kept.push(entry);
      return kept;
    }
    const outside = await this.#outside(principal, item(payload));
    if (outside) throw new HttpProblem(403, `${outside}; the key "${principal.name}" is limited to the missions ${principal.missions.join(', ')}`);
    return payload;
  };

  /** onResponse: every change (and a refused one) goes to the audit log. */
  readonly onResponse = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const gate = this.#gate;
    const config = request.routeOptions.config;
    if (!gate || !this.#options.enabled || !config?.access) return;
    const audited = config.audit ?? (!SAFE_METHODS.has(request.method) && config.access !== 'public');
    // 401 is anyone knocking: the log is for what callers who proved who they are did or tried.
    if (!audited || reply.statusCode === 401) return;
    const params = Object.values((request.params ?? {}) as Record<string, unknown>).filter((v): v is string => typeof v === 'string');
    const p = request.principal;
    gate.audit({
      actor: p && { id: p.id, name: p.name },
      action: `${request.method} ${request.routeOptions.url}`,
      route: request.url.split('?')[0]!,
      targets: [...params, ...(request.auditTargets ?? [])],
      status: reply.statusCode,
    });
  };

  /**
   * onSend: server-rendered pages seen through a session get the session's CSRF token in
   * every POST form, and who is signed in where the page frame marks it. Done here, once,
   * so that no form of any page can be forgotten.
   */
  readonly onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const principal = request.principal;
    if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
    if (principal?.via !== 'session' || !principal.session) return payload.replace(ACCOUNT_MARK, '');
    const token = escapeHtml(principal.session.csrfToken);
    const hidden = `<input type="hidden" name="_csrf" value="${token}">`;
    return payload
      .replace(/<form\b[^>]*\bmethod=["']?post\b[^>]*>/gi, (tag) => `${tag}${hidden}`)
      .replace(ACCOUNT_MARK, `<span class="account">Signed in as <strong>${escapeHtml(principal.name)}</strong> (${principal.role})${principal.role === 'admin' && !principal.missions ? ' <a href="/console/audit">Audit log</a>' : ''} <form method="post" action="/sign-out" class="sign-out">${hidden}<button type="submit">Sign out</button></form></span>`);
  };

  /** A sentence naming the first mission outside the principal's scope, or undefined. */
  async #outside(principal: Principal, targets: ScopeTargets): Promise<string | undefined> {
    const allowed = principal.missions!;
    for (const mission of targets.missions ?? []) {
      if (mission !== undefined && !allowed.includes(mission)) return `the mission ${mission} is outside this key's scope`;
    }
    for (const spacecraft of targets.spacecraft ?? []) {
      if (spacecraft === undefined) continue;
      // An unknown spacecraft is refused like another mission's, so a scoped key cannot learn which ids exist.
      const mission = await this.#gate?.missionOf(spacecraft);
      if (mission === undefined || !allowed.includes(mission)) return `the spacecraft ${spacecraft} is not in this key's missions`;
    }
    return undefined;
  }

  #checkHost(request: FastifyRequest): void {
    const allowed = this.#options.allowedHosts;
    if (!allowed) return;
    const host = hostName(request.headers.host ?? '');
    if (!allowed.includes(host)) {
      throw new HttpProblem(421, `the Host ${JSON.stringify(host)} is not one this server answers for (ORBIT_ALLOWED_HOSTS: ${allowed.join(', ')})`);
    }
  }
}

/** The name in a Host header, lower case, without its port; IPv6 keeps its brackets. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d*$/, '');
}
