/**
 * `orbit keys create|list|revoke`: API keys managed straight in the relational store
 * (ORBIT_SQL_URL, or the embedded one under ORBIT_DATA_DIR), for the first key of an
 * installation and for when no admin key is at hand. Every change is audited as `cli`.
 */
import type { Logger } from 'pino';
import type { Config } from '../platform/config.ts';
import { isRole } from '../platform/access.ts';
import { withModules } from './one-off.ts';
import { ACCESS_STORE } from '../stores/access/store.ts';
import { AUDIT } from '../stores/audit/store.ts';
import { MISSIONS } from '../stores/missions/catalog.ts';
import { createKey, revokeKey, type KeyDeps } from '../components/access/keys.ts';
import { HttpProblem } from '../platform/problem.ts';

export class KeysCommandError extends Error {}

const CLI_ACTOR = { id: 'cli', name: 'cli' };

export interface KeysArgs {
  action: string | undefined;
  id?: string;
  name?: string;
  role?: string;
  missions?: string[];
}

/** Runs one keys command; what it prints goes to `out`. */
export async function keysCommand(config: Config, logger: Logger, args: KeysArgs, out: (line: string) => void): Promise<void> {
  if (args.action === 'create') {
    if (!args.name) throw new KeysCommandError('keys create needs --name NAME');
    if (!isRole(args.role)) throw new KeysCommandError('keys create needs --role viewer|operator|admin');
  } else if (args.action === 'revoke') {
    if (!args.id) throw new KeysCommandError('keys revoke needs the key id (see orbit keys list)');
  } else if (args.action !== 'list') {
    throw new KeysCommandError('keys takes create, list or revoke');
  }
  await withStores(config, logger, async (deps) => {
    if (args.action === 'create') {
      let created;
      try {
        created = await createKey(deps, { name: args.name!, role: args.role as never, missions: args.missions }, CLI_ACTOR.name);
      } catch (error) {
        if (error instanceof HttpProblem) throw new KeysCommandError(error.message);
        throw error;
      }
      await deps.audit.record({ actor: CLI_ACTOR, action: 'keys create', route: 'cli', targets: [created.id], status: 201 });
      out(`created key ${created.id} "${created.name}" (${created.role}${created.missions ? `, missions ${created.missions.join(', ')}` : ''})`);
      out('the key, shown this once (send it as "Authorization: Bearer <key>"):');
      out(created.key);
    } else if (args.action === 'list') {
      const keys = await deps.store.listKeys();
      if (!keys.length) out('no keys');
      for (const k of keys) {
        out([k.id, k.role.padEnd(8), JSON.stringify(k.name), k.missions ? `missions=${k.missions.join(',')}` : 'all missions', `created ${k.createdAt.toISOString()} by ${k.createdBy}`,
          k.revokedAt ? `REVOKED ${k.revokedAt.toISOString()}` : 'active', k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : 'never used'].join('  '));
      }
    } else {
      const revoked = await revokeKey(deps, args.id!);
      await deps.audit.record({ actor: CLI_ACTOR, action: 'keys revoke', route: 'cli', targets: [args.id!], status: revoked ? 200 : 404 });
      if (!revoked) throw new KeysCommandError(`no key "${args.id}"`);
      out(`revoked key ${revoked.id} "${revoked.name}"; running processes refuse it within seconds`);
    }
  });
}

async function withStores(config: Config, logger: Logger, task: (deps: KeyDeps) => Promise<void>): Promise<void> {
  try {
    await withModules(config, logger, [ACCESS_STORE.name, AUDIT.name, MISSIONS.name], (graph) => task({ store: graph.value(ACCESS_STORE)!, audit: graph.value(AUDIT)!, catalog: graph.value(MISSIONS)! }));
  } catch (error) {
    if (error instanceof Error && /is in use by another Orbit process/.test(error.message)) {
      throw new KeysCommandError(`${config.dataDir} is held by a running Orbit process, and its embedded database opens in one process only. Use the API of that process instead (POST /v1/keys, GET /v1/keys, DELETE /v1/keys/{id} with an admin key, e.g. ORBIT_ADMIN_KEY), or stop it first.`);
    }
    throw error;
  }
}
