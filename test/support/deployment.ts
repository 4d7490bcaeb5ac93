/**
 * Orbit as separate services: one `orbit start --target X` process per target (or
 * several), on the real engines, behind a path-routing gateway that plays the part of
 * a Kubernetes ingress, so tests talk to one URL as they do to the all-in-one process.
 */
import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { targets } from '../../src/app/registry.ts';
import { routesOf } from '../../src/app/routes.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { engineEnv, realEngine } from './engines.ts';
import { apiAt, startOrbit, tempDir, type ApiResponse, type OrbitChild } from './orbit.ts';

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

interface Route {
  method: string;
  pattern: RegExp;
  target: string;
}

/** The routes each target serves, from the same plugins `orbit targets` reads. */
const ROUTES: Route[] = (
  await Promise.all(targets.map(async (t) => (await routesOf(t, loadConfig({}))).map((route) => {
    const [method, path] = route.split(' ');
    return { method: method!, pattern: new RegExp(`^${path!.replace(/\{[^}]+\}/g, '[^/]+').replace(/\*$/, '.*')}$`), target: t.name };
  })))
).flat();

export function targetFor(method: string, path: string): string | undefined {
  return ROUTES.find((r) => r.method === method && r.pattern.test(path))?.target;
}

/** A fresh database on the PostgreSQL of ORBIT_SQL_URL, so each deployment starts empty. */
async function freshDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
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

export async function startDeployment(options: { targets: Record<string, number>; env?: Record<string, string> }): Promise<Deployment> {
  const namespace = `t${randomUUID().slice(0, 8)}`;
  const database = await freshDatabase(`orbit_${namespace}`);
  const engines = engineEnv();
  const docs = new URL(realEngine('ORBIT_DOCS_URL'));
  docs.pathname = `/orbit_${namespace}`;
  const env: Record<string, string> = {
    ...(engines as Record<string, string>),
    ORBIT_SQL_URL: database.url,
    ORBIT_DOCS_URL: docs.toString(),
    ORBIT_ENGINE_NAMESPACE: namespace,
    ...options.env,
  };
  const dirs: { remove(): Promise<void> }[] = [];
  const processes = new Map<string, OrbitChild[]>();
  const add = async (target: string): Promise<OrbitChild> => {
    const data = await tempDir();
    dirs.push(data);
    const child = await startOrbit({ dataDir: data.dir, args: ['--target', target], env, timeoutMs: 120_000 });
    processes.set(target, [...(processes.get(target) ?? []), child]);
    return child;
  };
  const turn = new Map<string, number>();
  const pick = (target: string): OrbitChild | undefined => {
    const list = processes.get(target) ?? [];
    const i = (turn.get(target) ?? 0) % Math.max(1, list.length);
    turn.set(target, i + 1);
    return list[i];
  };

  let gateway: Server | undefined;
  try {
    // Targets that own the schema and the topics first, so the others find them.
    for (const [target, count] of Object.entries(options.targets)) {
      for (let i = 0; i < count; i += 1) await add(target);
    }
    gateway = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0];
      const upstream = pick(targetFor(req.method ?? 'GET', path) ?? 'console');
      if (!upstream) return void res.writeHead(502).end(`no process serves ${req.method} ${path}`);
      const forward = httpRequest(`${upstream.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on('error', (error) => (res.headersSent ? res.destroy(error) : res.writeHead(502).end(error.message)));
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => gateway!.listen(0, '127.0.0.1', resolve));
  } catch (error) {
    await Promise.allSettled([...processes.values()].flat().map((p) => p.stop()));
    await database.drop().catch(() => undefined);
    throw error;
  }
  const address = gateway.address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url, processes, env, add,
    api: apiAt(url),
    async stop() {
      gateway!.closeAllConnections();
      await new Promise<void>((resolve) => gateway!.close(() => resolve()));
      await Promise.allSettled([...processes.values()].flat().map((p) => p.stop()));
      await database.drop().catch(() => undefined);
      await Promise.allSettled(dirs.map((d) => d.remove()));
    },
  };
}
