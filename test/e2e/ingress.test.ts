/**
 * The compose stack's ingress (deploy/compose/ingress/nginx.conf) run by real nginx (the
 * Debian package, installed when missing), its upstreams pointed at stand-ins that answer
 * with their service's name: every route of `orbit targets` reaches the service that
 * serves it, HEAD goes where GET goes, anything else to the console, events stream through
 * unbuffered, and nginx's own probe answers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { aptInstall, defaultContext, run } from '../../ops/engines/engine.ts';
import { INGRESS_CONF } from '../../ops/compose/ingress.ts';
import { ROUTES } from '../support/gateway.ts';
import { freePort } from '../support/net.ts';
import { eventually } from '../support/orbit.ts';

const NGINX = '/usr/sbin/nginx';
let dir: string;
let url: string;
let nginx: ChildProcess | undefined;
const servers: Server[] = [];

before(async () => {
  await aptInstall(defaultContext(), ['nginx']);
  dir = await mkdtemp(path.join(os.tmpdir(), 'orbit-ingress-'));
  let conf = await readFile(INGRESS_CONF, 'utf8');
  for (const [, service] of conf.matchAll(/^\s+server (\w+):8080;/gm)) {
    const server = createServer((req, res) => {
      req.resume();
      res.setHeader('x-service', service!);
      if (req.url === '/v1/stream') {
        // An event now, the next one later: the first must arrive before the response ends.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        setTimeout(() => res.end('data: second\n\n'), 3000);
        return;
      }
      res.end(service);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    conf = conf.replace(`server ${service}:8080;`, `server 127.0.0.1:${(server.address() as { port: number }).port};`);
  }
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // Here, not in a container: a port of its own on loopback, logs and temporary files in a directory of the test.
  conf = conf
    .replaceAll(' /tmp/', ` ${dir}/`)
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`)
    .replaceAll('/dev/stderr', path.join(dir, 'error.log'))
    .replaceAll('/dev/stdout', path.join(dir, 'access.log'));
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, conf);
  const prefix = ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', file];
  await run(NGINX, ['-t', '-q', ...prefix]);
  nginx = spawn(NGINX, [...prefix, '-g', 'daemon off;'], { stdio: 'ignore' });
  await eventually(async () => ((await fetch(`${url}/ingress/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), 20_000, 'nginx answering');
});

after(async () => {
  nginx?.kill('SIGQUIT');
  for (const server of servers) server.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const served = async (method: string, pathname: string): Promise<string | null> => {
  const res = await fetch(`${url}${pathname}`, { method, body: ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined });
  await res.arrayBuffer();
  return res.headers.get('x-service');
};

test('nginx sends every route of `orbit targets` to the service that serves it', async () => {
  assert.ok(ROUTES.length > 50);
  for (const route of ROUTES) {
    const pathname = `${route.path.replace(/\{[^}]+\}/g, 'x-1').replace(/\*$/, 'assets/app.js')}?q=1`;
    assert.equal(await served(route.method, pathname), route.target, `${route.method} ${route.path}`);
    if (route.method === 'GET') assert.equal(await served('HEAD', pathname), route.target, `HEAD ${route.path}`);
  }
  assert.equal(await served('GET', '/no/such/path'), 'console', 'anything else to the console');
  assert.equal(await served('DELETE', '/v1/alerts/x-1'), 'console', 'a method no route has: the console (which answers 404)');
});

test('server-sent events pass through as they are written', async () => {
  const started = Date.now();
  const res = await fetch(`${url}/v1/stream`);
  assert.equal(res.headers.get('x-service'), 'dashboard');
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /data: first/);
  assert.ok(Date.now() - started < 2500, `the first event came after ${Date.now() - started} ms, not buffered until the end`);
  await reader.cancel();
});
