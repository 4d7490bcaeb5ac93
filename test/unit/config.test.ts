import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, describeConfig, loadConfig, maskSecret } from '../../src/platform/config.ts';

describe('config', () => {
  test('defaults keep the documented names and values', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.dataDir, path.resolve('./data'));
    assert.deepEqual(c.targets, ['all']);
    assert.equal(c.simulator, true, 'the simulator flies by default when everything runs in one process');
  });

  test('the simulator defaults to off for a subset of targets, and ORBIT_SIMULATOR wins', () => {
    assert.equal(loadConfig({}, { targets: ['ingest'] }).simulator, false);
    assert.equal(loadConfig({ ORBIT_SIMULATOR: 'off' }).simulator, false);
    assert.equal(loadConfig({ ORBIT_SIMULATOR: 'on' }, { targets: ['ingest'] }).simulator, true);
  });

  test('environment strings are converted to their types', () => {
    const c = loadConfig({ ORBIT_PORT: '9090', ORBIT_TARGET: 'ingest, processor' });
    assert.equal(c.port, 9090);
    assert.deepEqual(c.targets, ['ingest', 'processor']);
  });

  test('every bad setting is named in one error', () => {
    assert.throws(
      () => loadConfig({ ORBIT_PORT: 'eighty', ORBIT_SIMULATOR: 'maybe', ORBIT_TYPO: '1' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 3, error.message);
        assert.match(error.message, /ORBIT_PORT="eighty"/);
        assert.match(error.message, /ORBIT_SIMULATOR="maybe"/);
        assert.match(error.message, /ORBIT_TYPO is not a setting/);
        return true;
      },
    );
  });

  test('secrets are masked', () => {
    assert.equal(maskSecret('ORBIT_SQL_URL', 'postgres://orbit:hunter2@db:5432/orbit'), 'postgres://orbit:****@db:5432/orbit');
    assert.equal(maskSecret('ORBIT_API_TOKEN', 'abc'), '****');
    const described = describeConfig(loadConfig({ ORBIT_PORT: '1234' }), { ORBIT_PORT: '1234' });
    assert.deepEqual(described.find((d) => d.name === 'ORBIT_PORT'), { name: 'ORBIT_PORT', value: '1234', source: 'env', description: 'HTTP port of this process (0 picks a free one)' });
  });
});
