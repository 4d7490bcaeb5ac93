/**
 * Orbit as separate services: one `orbit start --target X` process per target (or
 * several), on the real engines, behind a path-routing gateway that plays the part of
 * a Kubernetes ingress, so tests talk to one URL as they do to the all-in-one process.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { engineEnv, realEngine } from './engines.ts';
import { roundRobin, startGateway, type Gateway } from './gateway.ts';
import { apiAt, startOrbit, tempDir, type ApiResponse, type OrbitChild } from './orbit.ts';

export { targetFor } from './gateway.ts';

export interface Deployment {
  url: string;
  api(pathname: string, init?: RequestInit & { json?: unknown }): Promise<ApiResponse>;
  /** Every process of each target, in start order. */
  processes: Map<string, OrbitChild[]>;
  /** Engine variables (and namespace) the processes share, for starting more of them. */
  env: Record<string, string>;
  /** Starts one more process of a target. */
  add(target: string): Promise<OrbitChild>;
  stop(): Promise<void>;
}

/** A fresh database on the PostgreSQL of ORBIT_SQL_URL, so each deployment starts empty. */
export async function freshDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = realEngine('ORBIT_SQL_URL');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * Engine variables for an installation of its own on the shared engines: a fresh PostgreSQL
 * database, its own MongoDB database and an ORBIT_ENGINE_NAMESPACE for queues, topics,
 * consumer groups and indices. `drop` removes the database.
 */
export async function freshInstallation(): Promise<{ namespace: string; env: Record<string, string>; drop(): Promise<void> }> {
  const namespace = `t${randomUUID().slice(0, 8)}`;
  const database = await freshDatabase(`orbit_${namespace}`);
  const docs = new URL(realEngine('ORBIT_DOCS_URL'));
  docs.pathname = `/orbit_${namespace}`;
  return {
    namespace,
    env: { ...(engineEnv() as Record<string, string>), ORBIT_SQL_URL: database.url, ORBIT_DOCS_URL: docs.toString(), ORBIT_ENGINE_NAMESPACE: namespace },
    drop: () => database.drop(),
  };
}

export async function startDeployment(options: { targets: Record<string, number>; env?: Record<string, string> }): Promise<Deployment> {
  const database = await freshInstallation();
  const env: Record<string, string> = { ...database.env, ...options.env };
  const dirs: { remove(): Promise<void> }[] = [];
  const processes = new Map<string, OrbitChild[]>();
  const add = async (target: string): Promise<OrbitChild> => {
    const data = await tempDir();
    dirs.push(data);
    const child = await startOrbit({ dataDir: data.dir, args: ['--target', target], env, timeoutMs: 120_000 });
    processes.set(target, [...(processes.get(target) ?? []), child]);
    return child;
  };
  let gateway: Gateway;
  try {
    // Targets that own the schema and the topics first, so the others find them.
    for (const [target, count] of Object.entries(options.targets)) {
      for (let i = 0; i < count; i += 1) await add(target);
    }
    gateway = await startGateway(roundRobin((target) => (processes.get(target) ?? []).map((p) => p.url)));
  } catch (error) {
    await Promise.allSettled([...processes.values()].flat().map((p) => p.stop()));
    await database.drop().catch(() => undefined);
    throw error;
  }
  const url = gateway.url;
  return {
    url, processes, env, add,
    api: apiAt(url),
    async stop() {
      await gateway.close();
      await Promise.allSettled([...processes.values()].flat().map((p) => p.stop()));
      await database.drop().catch(() => undefined);
      await Promise.allSettled(dirs.map((d) => d.remove()));
    },
  };
}
