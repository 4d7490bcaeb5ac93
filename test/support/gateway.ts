/**
 * A path-routing gateway in front of Orbit's separate services, playing the part of an
 * ingress: each request goes to the target whose route matches it (`orbit targets`, via
 * src/app/routes.ts), and anything else to the console. The distributed tests (processes
 * started here) and the compose test (containers) both talk to Orbit through one.
 */
import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { targets } from '../../src/app/registry.ts';
import { routeTable, routeTarget } from '../../src/app/routes.ts';
import { loadConfig } from '../../src/platform/config.ts';

/** The routes each target serves, from the same plugins `orbit targets` reads. */
export const ROUTES = await routeTable(targets, loadConfig({}));

export function targetFor(method: string, path: string): string | undefined {
  return routeTarget(ROUTES, method, path);
}

export interface Gateway {
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on loopback; `upstream(target)` names the base URL of a process serving that
 * target for this request (round robin is the caller's), or undefined when none does.
 */
export async function startGateway(upstream: (target: string) => string | undefined): Promise<Gateway> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const base = upstream(targetFor(req.method ?? 'GET', path) ?? 'console');
    if (!base) return void res.writeHead(502).end(`no process serves ${req.method} ${path}`);
    const forward = httpRequest(`${base}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', (error) => (res.headersSent ? res.destroy(error) : res.writeHead(502).end(error.message)));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Round robin over each target's upstreams. */
export function roundRobin(list: (target: string) => readonly string[]): (target: string) => string | undefined {
  const turn = new Map<string, number>();
  return (target) => {
    const urls = list(target);
    const i = (turn.get(target) ?? 0) % Math.max(1, urls.length);
    turn.set(target, i + 1);
    return urls[i];
  };
}
