/**
 * The distributed deployment from the compose variant (deploy/compose/compose.host.yaml):
 * Orbit's image, built as `npm run image` builds it, as separate containers under
 * podman-compose (two processors, two analyzers), against the host's engines with a fresh
 * database and namespace, behind the tests' path-routing gateway. A red-limit violation
 * posted through it becomes a critical alert; `podman-compose down` drains every container
 * to exit code 0. Fails, never skips, without podman or podman-compose (installed first).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { aptInstall, commandExists, run } from '../../ops/engines/engine.ts';
import { buildImage, imageContext, runOptions, RUNTIME } from '../../ops/image/image.ts';
import { freshInstallation } from '../support/deployment.ts';
import { roundRobin, startGateway, type Gateway } from '../support/gateway.ts';
import { freePort } from '../support/net.ts';
import { apiWithKey, eventually, seedMission } from '../support/orbit.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ADMIN_KEY = randomBytes(32).toString('base64url');
const COMPOSE_FILE = path.join(ROOT, 'deploy/compose/compose.host.yaml');
const PODMAN_HOST = path.join(ROOT, 'ops/compose/podman-host');
/** Service -> [target it serves, variable of its port]. */
const SERVICES: Record<string, { targets: string[]; port: string }> = {
  console: { targets: ['console', 'ingest'], port: 'ORBIT_CONSOLE_PORT' },
  'processor-1': { targets: ['processor'], port: 'ORBIT_PROCESSOR_1_PORT' },
  'processor-2': { targets: ['processor'], port: 'ORBIT_PROCESSOR_2_PORT' },
  enricher: { targets: ['enricher'], port: 'ORBIT_ENRICHER_PORT' },
  'analyzer-1': { targets: ['analyzer'], port: 'ORBIT_ANALYZER_1_PORT' },
  'analyzer-2': { targets: ['analyzer'], port: 'ORBIT_ANALYZER_2_PORT' },
  compute: { targets: ['compute'], port: 'ORBIT_COMPUTE_PORT' },
  dashboard: { targets: ['dashboard'], port: 'ORBIT_DASHBOARD_PORT' },
  notifier: { targets: ['notifier'], port: 'ORBIT_NOTIFIER_PORT' },
  simulator: { targets: ['simulator'], port: 'ORBIT_SIMULATOR_PORT' },
};

const project = `orbitcompose${randomUUID().slice(0, 8)}`;
const urls = new Map<string, string>();
let env: NodeJS.ProcessEnv;
let installation: Awaited<ReturnType<typeof freshInstallation>> | undefined;
let gateway: Gateway | undefined;
let confDir: string | undefined;
let up = false;
let downDone = false;

/** podman-compose with this project, the host-network shim and podman's settings for this machine. */
function compose(args: string[], timeoutMs = 600_000): Promise<string> {
  return run('podman-compose', ['--podman-path', PODMAN_HOST, '-p', project, '-f', COMPOSE_FILE, ...args], { env, timeoutMs });
}
const podman = (args: string[], timeoutMs = 120_000) => run('podman', args, { env, timeoutMs });

/**
 * podman's settings for the test, in a containers.conf (podman-compose passes no options of
 * its own to each `podman run`): runc, as `npm run image` uses it, and the resource limits
 * its `podman run` options ask for on a machine where podman may not raise them.
 */
async function containersConf(dir: string): Promise<string> {
  const options = runOptions();
  const ulimits = options.flatMap((option, i) => (options[i - 1] === '--ulimit' ? [JSON.stringify(option)] : []));
  const file = path.join(dir, 'containers.conf');
  await writeFile(file, `[containers]\ndefault_ulimits = [${ulimits.join(', ')}]\n\n[engine]\nruntime = ${JSON.stringify(path.basename(RUNTIME))}\n`);
  return file;
}

before(async () => {
  const ctx = imageContext((m) => console.error(`compose test: ${m}`));
  await aptInstall(ctx, ['podman', 'podman-compose', 'runc']);
  for (const command of ['podman', 'podman-compose']) assert.ok(await commandExists(command), `${command} is installed`);
  const image = await buildImage(ctx);
  installation = await freshInstallation();
  confDir = await mkdtemp(path.join(os.tmpdir(), 'orbit-compose-'));
  const ports: Record<string, string> = {};
  for (const [service, { port }] of Object.entries(SERVICES)) {
    ports[port] = String(await freePort());
    urls.set(service, `http://127.0.0.1:${ports[port]}`);
  }
  env = {
    ...process.env,
    ...installation.env,
    ...ports,
    ORBIT_IMAGE: image.reference,
    // Nothing but the flow below posts telemetry.
    ORBIT_SIMULATOR: 'off',
    // Access control on, as where the services bind a routable address: the test presents the bootstrap key.
    ORBIT_AUTH: 'on',
    ORBIT_ADMIN_KEY: ADMIN_KEY,
    CONTAINERS_CONF: await containersConf(confDir),
  };
  up = true;
  await compose(['up', '-d']);
  gateway = await startGateway(roundRobin((target) => Object.entries(SERVICES).filter(([, s]) => s.targets.includes(target)).map(([name]) => urls.get(name)!)));
}, { timeout: 1_800_000 });

after(async () => {
  await gateway?.close();
  if (up && !downDone) await compose(['down', '-t', '30']).catch((error: unknown) => console.error(error));
  if (up) {
    await compose(['down', '-v']).catch(() => undefined);
    await podman(['network', 'rm', '-f', `${project}_default`]).catch(() => undefined);
  }
  await installation?.drop().catch(() => undefined);
  if (confDir) await rm(confDir, { recursive: true, force: true });
});

const containerName = (service: string) => `${project}_${service}_1`;

test('every container of the compose file is running and ready: two processors and two analyzers', { timeout: 600_000 }, async () => {
  const running = (await podman(['ps', '--filter', `label=io.podman.compose.project=${project}`, '--format', '{{.Names}}'])).trim().split('\n').sort();
  assert.deepEqual(running, Object.keys(SERVICES).map(containerName).sort());
  for (const [service, url] of urls) {
    await eventually(async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 300_000, `${service} ready on ${url}`);
  }
  const inspect = JSON.parse(await podman(['inspect', ...Object.keys(SERVICES).map(containerName)])) as { Name: string; Config: { User: string; Labels: Record<string, string> }; HostConfig: { ReadonlyRootfs: boolean; NetworkMode: string } }[];
  for (const c of inspect) {
    assert.equal(c.Config.User, '10001:10001', `${c.Name} runs as 10001`);
    assert.equal(c.HostConfig.ReadonlyRootfs, true, `${c.Name}: read-only root`);
    assert.equal(c.HostConfig.NetworkMode, 'host', `${c.Name}: host network`);
  }
  const count = (target: string) => Object.values(SERVICES).filter((s) => s.targets.includes(target)).length;
  assert.equal(count('processor'), 2);
  assert.equal(count('analyzer'), 2);
  for (const service of ['processor-1', 'processor-2', 'analyzer-1', 'analyzer-2']) {
    const ready = (await (await fetch(`${urls.get(service)}/readyz`)).json()) as { status: string };
    assert.equal(ready.status, 'ready', service);
  }
  // The image's healthcheck (GET /healthz), run as podman runs it.
  for (const service of Object.keys(SERVICES)) await podman(['healthcheck', 'run', containerName(service)]);
});

test('across containers: a red-limit violation posted through the gateway becomes a critical alert', { timeout: 300_000 }, async () => {
  const api = apiWithKey(gateway!.url, ADMIN_KEY);
  assert.equal((await fetch(`${gateway!.url}/v1/alerts`)).status, 401, 'access control is on');
  const spacecraft = `compose-${randomUUID().slice(0, 6)}`;
  await seedMission({ api }, spacecraft, { temp: { type: 'number', limits: { redHigh: 100, yellowHigh: 80 } } });
  const res = await api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings: [{ channel: 'temp', time: Date.now(), value: 150 }] } });
  assert.equal(res.status, 202, await res.text());
  const alerts = await eventually(async () => {
    const list = await (await api(`/v1/alerts?spacecraft=${spacecraft}`)).json();
    return Array.isArray(list) && list.length > 0 ? list : undefined;
  }, 120_000, 'the alert');
  assert.equal(alerts[0].severity, 'critical', JSON.stringify(alerts[0]));
  assert.equal(alerts[0].value, 150);
});

test('podman-compose down: every container drains on SIGTERM and exits 0', { timeout: 300_000 }, async () => {
  // Each container's exit code, as podman reports it when the container stops.
  const codes = Object.keys(SERVICES).map((service) => new Promise<string>((resolve) => {
    const child = spawn('podman', ['wait', containerName(service)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => resolve(out.trim()));
  }));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await compose(['down', '-t', '30']);
  downDone = true;
  const exits = Object.fromEntries(Object.keys(SERVICES).map((s, i) => [s, i]));
  const results = await Promise.all(codes);
  for (const [service, i] of Object.entries(exits)) assert.equal(results[i], '0', `${service} exited ${results[i]}`);
  const left = (await podman(['ps', '-a', '--filter', `label=io.podman.compose.project=${project}`, '--format', '{{.Names}}'])).trim();
  assert.equal(left, '', 'no container is left');
});
