/**
 * Creating, listing and revoking API keys: what `POST /v1/keys` and `orbit keys` share.
 * The secret exists only in the answer to its creation.
 */
import { Type, type Static } from 'typebox';
import { newKey } from '../../platform/credentials.ts';
import { badRequest } from '../../platform/problem.ts';
import type { Role } from '../../platform/access.ts';
import type { AccessStore, KeyRecord } from '../../stores/access/store.ts';
import type { AuditStore } from '../../stores/audit/store.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';

export const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')], { description: 'viewer reads; operator also ingests, acts on alerts and runs jobs; admin also changes the mission database, notification routes and keys' });

export const KeyCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'What the key is for (shown in lists and the audit log)' }),
  role: RoleSchema,
  missions: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true, description: 'Limit the key to these missions and their spacecraft (default: every mission)' })),
}, { additionalProperties: false });
export type KeyCreate = Static<typeof KeyCreate>;

export const KeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  missions: Type.Optional(Type.Array(Type.String())),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  revokedAt: Type.Optional(Type.String({ format: 'date-time' })),
  lastUsedAt: Type.Optional(Type.String({ format: 'date-time', description: 'Updated at most once a minute' })),
});
export type KeyView = Static<typeof KeyView>;

export const KeyCreated = Type.Object({
  ...KeyView.properties,
  key: Type.String({ description: 'The secret: shown this once, never again; send it as `Authorization: Bearer <key>`' }),
});

export const keyView = (k: KeyRecord): KeyView => ({
  id: k.id, name: k.name, role: k.role, ...(k.missions && { missions: k.missions }),
  createdAt: k.createdAt.toISOString(), createdBy: k.createdBy,
  ...(k.revokedAt && { revokedAt: k.revokedAt.toISOString() }),
  ...(k.lastUsedAt && { lastUsedAt: k.lastUsedAt.toISOString() }),
});

export interface KeyDeps {
  store: AccessStore;
  audit: AuditStore;
  catalog: MissionCatalog;
}

/** A new key; 400 naming each mission that does not exist. `by` is who created it (a key's name, or `cli`). */
export async function createKey(deps: KeyDeps, input: { name: string; role: Role; missions?: string[] }, by: string): Promise<KeyView & { key: string }> {
  const missions = input.missions?.length ? input.missions : undefined;
  if (missions) {
    const known = new Set((await deps.catalog.listMissions()).map((m) => m.id));
    const unknown = missions.map((m, i) => ({ m, i })).filter(({ m }) => !known.has(m));
    if (unknown.length) throw badRequest(`no mission ${unknown.map(({ m }) => `"${m}"`).join(', ')}`, unknown.map(({ m, i }) => ({ pointer: `/missions/${i}`, detail: `no mission "${m}"` })));
  }
  const { id, key, hash } = newKey();
  const record = await deps.store.createKey({ id, name: input.name, role: input.role, missions, hash, createdBy: by });
  return { ...keyView(record), key };
}

/** The revoked key; undefined for an unknown id. */
export async function revokeKey(deps: KeyDeps, id: string): Promise<KeyView | undefined> {
  const revoked = await deps.store.revokeKey(id);
  return revoked && keyView(revoked);
}
