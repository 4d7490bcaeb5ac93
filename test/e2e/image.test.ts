/**
 * The Orbit image: built by `npm run image` (podman installed from Debian packages when
 * missing; this test fails, never skips, when it cannot be), run all in one under rootful
 * podman on runc with a read-only root filesystem and a host directory as /data, driven from
 * the host through the published loopback port, and stopped with SIGTERM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { runContainer, type RunningContainer } from '../../ops/image/container.ts';
import { podman, runOptions, UID } from '../../ops/image/image.ts';
import { randomBytes } from 'node:crypto';
import { apiAt, apiWithKey, eventually, seedMission } from '../support/orbit.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Bound to 0.0.0.0 in its container, Orbit checks keys: the test is the installation's bootstrap admin. */
const ADMIN_KEY = randomBytes(32).toString('base64url');

/** `npm run image` as a user runs it: progress on stderr, the reference on the last stdout line. */
async function npmRunImage(): Promise<{ reference: string; stderr: string }> {
  const child = spawn('npm', ['run', '--silent', 'image'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('exit', resolve));
  assert.equal(code, 0, `npm run image failed:\n${stderr.slice(-4000)}`);
  return { reference: stdout.trimEnd().split('\n').at(-1)!, stderr };
}

describe('the image', { timeout: 20 * 60_000 }, () => {
  let reference: string;
  let orbit: RunningContainer | undefined;

  before(async () => {
    ({ reference } = await npmRunImage());
    orbit = await runContainer(reference, { env: { ORBIT_SIMULATOR: 'off', ORBIT_ADMIN_KEY: ADMIN_KEY }, readyTimeoutMs: 240_000 });
  });
  after(async () => {
    await orbit?.remove();
  });

  test('npm run image prints the reference it built on its last line, tagged with the version and the commit', async (t) => {
    const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
    assert.match(reference, new RegExp(`^localhost/orbit:${version.replaceAll('.', '\\.')}-[0-9a-f]{7,}(-dirty)?$`));
    const inspect = JSON.parse(await podman(['image', 'inspect', reference]))[0];
    assert.ok(inspect.RepoTags.includes(`localhost/orbit:${version}`), `also tagged with the version: ${inspect.RepoTags}`);
    assert.ok(!inspect.RepoTags.some((tag: string) => tag.endsWith(':latest')), 'never latest');
    const config = inspect.Config;
    assert.equal(config.User, `${UID}:${UID}`);
    assert.deepEqual(config.Entrypoint, ['node', '/app/src/cli/main.ts']);
    assert.deepEqual(config.Cmd, ['start']);
    assert.equal(config.StopSignal, 'SIGTERM');
    assert.ok(Object.keys(config.Volumes ?? {}).includes('/data'));
    assert.ok(config.Env.includes('ORBIT_DATA_DIR=/data') && config.Env.includes('ORBIT_HOST=0.0.0.0') && config.Env.includes('MALLOC_TRIM_THRESHOLD_=1048576'));
    assert.equal(config.Labels['org.opencontainers.image.licenses'], 'Apache-2.0');
    assert.equal(config.Labels['org.opencontainers.image.version'], version);
    assert.match(config.Labels['org.opencontainers.image.revision'], /^[0-9a-f]{40}$/);
    assert.match(inspect.Healthcheck?.Test?.join(' ') ?? '', /^CMD node -e .*\/healthz/, 'a healthcheck (docker image format)');
    t.diagnostic(`${reference}: ${(inspect.Size / 1e6).toFixed(1)} MB; ready ${(orbit!.readyMs / 1000).toFixed(1)} s after podman run`);
    assert.ok(inspect.Size <= 200e6, `the image is ${(inspect.Size / 1e6).toFixed(1)} MB; the goal is 200 MB`);
  });

  test('all in one: a red-limit violation posted from the host raises a critical alert', async () => {
    const api = apiWithKey(orbit!.url, ADMIN_KEY);
    assert.equal((await apiAt(orbit!.url)('/v1/alerts')).status, 401, 'auth is on in the container (bound to 0.0.0.0)');
    await seedMission({ api }, 'boxed-1', {
      'thermal.battery_temp': { type: 'number', unit: 'degC', limits: { redLow: -10, yellowLow: 0, yellowHigh: 40, redHigh: 50 } },
    });
    const t0 = Date.now() - 60_000;
    const res = await api('/v1/telemetry', {
      method: 'POST',
      json: { spacecraft: 'boxed-1', readings: [20, 25, 61].map((value, i) => ({ channel: 'thermal.battery_temp', time: new Date(t0 + i * 1000).toISOString(), value })) },
    });
    assert.equal(res.status, 202);
    const alerts = await eventually(async () => {
      const list = await (await api('/v1/alerts?state=open&spacecraft=boxed-1')).json();
      return list.length ? list : undefined;
    }, 60_000, 'open alert');
    assert.equal(alerts.length, 1);
    assert.deepEqual([alerts[0].severity, alerts[0].rule, alerts[0].channel, alerts[0].value, alerts[0].threshold], ['critical', 'limit', 'thermal.battery_temp', 61, 50]);
  });

  test('runs as the orbit user (10001), on a read-only root filesystem, writing only to /data', async () => {
    const ids = (await podman(['exec', orbit!.name, 'node', '-e', 'console.log(process.getuid(), process.getgid())'])).trim();
    assert.equal(ids, `${UID} ${UID}`);
    const top = await podman(['top', orbit!.name, 'user', 'huser', 'args']);
    assert.match(top, /^orbit\s+10001\s+node \/app\/src\/cli\/main\.ts start\s*$/m, top);
    assert.equal((await podman(['inspect', '--format', '{{.HostConfig.ReadonlyRootfs}}', orbit!.name])).trim(), 'true');
    const write = (file: string) => podman(['exec', orbit!.name, 'node', '-e', `try { require('fs').writeFileSync(${JSON.stringify(file)}, 'x'); console.log('written') } catch (e) { console.log(e.code) }`]).then((s) => s.trim());
    assert.equal(await write('/app/x'), 'EROFS');
    assert.equal(await write('/x'), 'EROFS');
    assert.equal(await write('/data/probe'), 'written');
    const written = await readdir(orbit!.dataDir);
    for (const engine of ['sql', 'queue', 'events']) assert.ok(written.includes(engine), `the embedded engines keep their data on the volume: ${written}`);
    assert.equal((await stat(path.join(orbit!.dataDir, 'sql'))).uid, UID);
  });

  test('the healthcheck passes against /healthz', async () => {
    // No systemd here to schedule it, so it is run by hand, as the scheduler would.
    await podman(['healthcheck', 'run', orbit!.name]);
    assert.equal((await podman(['inspect', '--format', '{{.State.Health.Status}}', orbit!.name])).trim(), 'healthy');
  });

  test('the simulator flies the real orbits shipped in the image, whatever the working directory', async () => {
    const script = "const { loadConfig } = await import('/app/src/platform/config.ts'); const { loadFleet } = await import('/app/src/components/simulator/fleet.ts'); const { sim } = loadConfig({}); const fleet = await loadFleet({ count: 100, tleFile: sim.tleFile, epoch: new Date() }); console.log(sim.tleFile, fleet.source, new Set(fleet.members.map((m) => m.origin)).size)";
    const out = await podman(['run', '--rm', '--read-only', '--workdir', '/', ...runOptions(), '--entrypoint', 'node', reference, '--input-type=module', '-e', script]);
    assert.equal(out.trim().split('\n').at(-1), '/app/src/components/simulator/fleet.tle catalog 100');
  });

  test('SIGTERM drains and exits 0 within the stop timeout', async () => {
    const started = performance.now();
    await podman(['stop', '--time', '30', orbit!.name], { timeoutMs: 60_000 });
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 30, `stopped after ${seconds.toFixed(1)} s: SIGTERM was not enough`);
    const state = JSON.parse(await podman(['inspect', '--format', '{{json .State}}', orbit!.name]));
    assert.equal(state.ExitCode, 0);
    assert.equal(state.OOMKilled, false);
    const logs = (await podman(['logs', orbit!.name])).trim().split('\n').map((line) => { try { return JSON.parse(line); } catch { return {}; } });
    assert.ok(logs.some((l) => l.signal === 'SIGTERM'), 'the signal was received');
    assert.equal(logs.at(-1).msg, 'stopped');
  });
});
