import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = async (args: string[], env: Record<string, string> = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(path.join(ROOT, 'bin/orbit'), args, { env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('the orbit command', () => {
  test('targets lists every target and the routes it serves', async () => {
    const { code, stdout } = await run(['targets']);
    assert.equal(code, 0);
    for (const t of ['ingest', 'processor', 'enricher', 'analyzer', 'compute', 'notifier', 'dashboard', 'console', 'simulator', 'all']) assert.match(stdout, new RegExp(`^${t} `, 'm'));
    assert.match(stdout, /ingest[^\n]*\n\s+operator POST \/v1\/telemetry/, 'each route with the role it needs');
    // Read from each target's route plugin: path parameters in OpenAPI form, no HEAD twins.
    const block = (target: string) => stdout.split(/^(?=\S)/m).find((b) => b.startsWith(`${target} `)) ?? '';
    assert.match(block('analyzer'), /^\s+operator +POST \/v1\/alerts\/\{id\}\/acknowledge$/m);
    assert.match(block('console'), /^\s+viewer +GET \/v1\/queues\/\{queue\}\/dead-letters$/m);
    assert.match(block('console'), /^\s+admin +PUT \/v1\/spacecraft\/\{id\}\/channels\/\{name\}$/m);
    assert.match(stdout, /^\s+admin +POST \/v1\/keys$/m, 'the key routes every process serves with auth on are listed');
    assert.doesNotMatch(stdout, /HEAD /);
    assert.equal(block('processor').trim().split('\n').length, 1, 'the processor serves no routes');
  });

  test('config prints effective settings, marks defaults and hides nothing it should not', async () => {
    const { code, stdout } = await run(['config', '--target', 'ingest'], { ORBIT_PORT: '9999' });
    assert.equal(code, 0);
    assert.match(stdout, /^ORBIT_PORT=9999$/m);
    assert.match(stdout, /^ORBIT_HOST=127\.0\.0\.1 {2}\(default\)$/m);
    assert.match(stdout, /# targets: ingest; simulator: off/);
    assert.match(stdout, /; auth: off;/, 'loopback: access control off');
    const routable = await run(['config'], { ORBIT_HOST: '0.0.0.0', ORBIT_ADMIN_KEY: 'x'.repeat(40) });
    assert.match(routable.stdout, /; auth: on;/);
    assert.match(routable.stdout, /^ORBIT_ADMIN_KEY=\*\*\*\*$/m, 'the bootstrap key is never printed');
  });

  test('a bad setting stops the start with a message naming it', async () => {
    const { code, stderr } = await run(['start'], { ORBIT_PORT: 'http', ORBIT_SIMULATOR: 'sometimes' });
    assert.equal(code, 2);
    assert.match(stderr, /ORBIT_PORT="http"/);
    assert.match(stderr, /ORBIT_SIMULATOR="sometimes": must be one of on, off/);
  });

  test('an unknown target is refused with the list of known ones', async () => {
    const { code, stderr } = await run(['start', '--target', 'ingest,warpdrive']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown target\(s\): warpdrive; known targets: ingest, processor/);
  });
});
