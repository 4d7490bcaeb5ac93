/**
 * Who a request comes from: a bearer key (a stored key, the bootstrap ORBIT_ADMIN_KEY or
 * this process's own in-memory credential) or a browser session cookie.
 *
 * Verified keys and sessions are cached for CACHE_MS, so a busy client costs no query per
 * request. A revocation (or sign-out) drops the cache entries of the process that served
 * it at once; other processes of the installation notice within CACHE_MS.
 */
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { hashSecret, keyIdOf, sameSecret } from '../../platform/credentials.ts';
import type { AuditRecord, Gatekeeper, Principal } from '../../platform/access.ts';
import type { AccessStore, KeyRecord } from '../../stores/access/store.ts';
import type { AuditStore } from '../../stores/audit/store.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';

export const CACHE_MS = 5000;
const TOUCH_EVERY_MS = 60_000;
/** Entries kept at most: a flood of distinct valid keys cannot grow memory without bound. */
const CACHE_ENTRIES = 10_000;
export const SESSION_COOKIE = 'orbit_session';

export const BOOTSTRAP_ID = 'bootstrap';
export const INTERNAL_ID = 'internal';

export interface GatekeeperOptions {
  store: AccessStore;
  audit: AuditStore;
  catalog: MissionCatalog;
  logger: Logger;
  /** ORBIT_ADMIN_KEY, when given. */
  adminKey?: string;
  /** This process's own credential for its simulator, when it made one. */
  internalKey?: string;
  now?: () => number;
}

export const principalOfKey = (key: KeyRecord, via: Principal['via'] = 'key'): Principal => ({
  id: key.id, name: key.name, role: key.role, ...(key.missions && { missions: key.missions }), via,
});

export class KeyGatekeeper implements Gatekeeper {
  readonly #o: GatekeeperOptions;
  readonly #adminHash: string | undefined;
  readonly #internalHash: string | undefined;
  readonly #keys = new Map<string, { principal: Principal; at: number }>();
  readonly #sessions = new Map<string, { principal: Principal; at: number }>();
  readonly #touched = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: GatekeeperOptions) {
    this.#o = options;
    this.#adminHash = options.adminKey ? hashSecret(options.adminKey) : undefined;
    this.#internalHash = options.internalKey ? hashSecret(options.internalKey) : undefined;
    this.#now = options.now ?? Date.now;
  }

  async authenticate(request: FastifyRequest): Promise<Principal | undefined> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const bearer = /^Bearer +(\S+) *$/i.exec(header)?.[1];
      return bearer === undefined ? undefined : this.verifyKey(bearer);
    }
    const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
    return token ? this.verifySession(token) : undefined;
  }

  /** The principal a key stands for; undefined for an unknown, revoked or malformed one. */
  async verifyKey(key: string): Promise<Principal | undefined> {
    const hash = hashSecret(key);
    const hit = this.#fresh(this.#keys, hash);
    if (hit) return this.#used(hit);
    let principal: Principal | undefined;
    if (this.#internalHash && sameSecret(hash, this.#internalHash)) principal = { id: INTERNAL_ID, name: 'this process (simulator)', role: 'admin', via: 'key' };
    else if (this.#adminHash && sameSecret(hash, this.#adminHash)) principal = this.#bootstrap('key');
    else {
      const id = keyIdOf(key);
      const stored = id === undefined ? undefined : await this.#o.store.keyWithHash(id);
      if (stored && !stored.key.revokedAt && sameSecret(stored.hash, hash)) principal = principalOfKey(stored.key);
    }
    if (!principal) return undefined;
    remember(this.#keys, hash, { principal, at: this.#now() });
    return this.#used(principal);
  }

  /** The principal of a live session, with its CSRF token; undefined for none or an expired one. */
  async verifySession(token: string): Promise<Principal | undefined> {
    const hash = hashSecret(token);
    const hit = this.#fresh(this.#sessions, hash);
    if (hit) return hit;
    const session = await this.#o.store.getSession(hash, new Date(this.#now()));
    if (!session) return undefined;
    let principal: Principal | undefined;
    if (session.keyId === BOOTSTRAP_ID) principal = this.#adminHash ? this.#bootstrap('session') : undefined;
    else {
      const key = await this.#o.store.getKey(session.keyId);
      if (key && !key.revokedAt) principal = principalOfKey(key, 'session');
    }
    if (!principal) return undefined;
    principal.session = { csrfToken: session.csrfToken };
    remember(this.#sessions, hash, { principal, at: this.#now() });
    return principal;
  }

  /** Drops what this process remembers of a key (revoked) and its sessions. */
  forgetKey(id: string): void {
    for (const cache of [this.#keys, this.#sessions]) {
      for (const [hash, entry] of cache) if (entry.principal.id === id) cache.delete(hash);
    }
  }

  /** Drops a session (signed out). */
  forgetSession(token: string): void {
    this.#sessions.delete(hashSecret(token));
  }

  async missionOf(spacecraft: string): Promise<string | undefined> {
    return (await this.#o.catalog.spacecraft(spacecraft))?.spacecraft.missionId;
  }

  audit(record: AuditRecord): void {
    this.#o.audit.record(record).catch((error: unknown) => this.#o.logger.error({ err: error, action: record.action }, 'audit entry not written'));
  }

  #bootstrap(via: Principal['via']): Principal {
    return { id: BOOTSTRAP_ID, name: 'ORBIT_ADMIN_KEY', role: 'admin', via };
  }

  #fresh(cache: Map<string, { principal: Principal; at: number }>, hash: string): Principal | undefined {
    const hit = cache.get(hash);
    if (!hit) return undefined;
    if (this.#now() - hit.at < CACHE_MS) return hit.principal;
    cache.delete(hash);
    return undefined;
  }

  /** last_used_at, written at most once a minute per key by this process. */
  #used(principal: Principal): Principal {
    if (principal.id === BOOTSTRAP_ID || principal.id === INTERNAL_ID) return principal;
    const now = this.#now();
    if (now - (this.#touched.get(principal.id) ?? 0) >= TOUCH_EVERY_MS) {
      this.#touched.set(principal.id, now);
      this.#o.store.touchKey(principal.id, new Date(now)).catch((error: unknown) => this.#o.logger.warn({ err: error, key: principal.id }, 'key use not recorded'));
    }
    return principal;
  }
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
