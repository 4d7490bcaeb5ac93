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

  test('the default TLE file is the one shipped in the installation, whatever the working directory; a set path is taken from the working directory', () => {
    const shipped = path.resolve(import.meta.dirname, '../../src/components/simulator/fleet.tle');
    assert.equal(loadConfig({}).sim.tleFile, shipped);
    const cwd = process.cwd();
    try {
      process.chdir(path.parse(cwd).root);
      assert.equal(loadConfig({}).sim.tleFile, shipped);
      assert.equal(loadConfig({ ORBIT_SIMULATOR_TLE_FILE: 'sats.tle' }).sim.tleFile, path.resolve('sats.tle'));
    } finally {
      process.chdir(cwd);
    }
  });

  test('the simulator defaults to off for a subset of targets, and ORBIT_SIMULATOR wins', () => {
    assert.equal(loadConfig({}, { targets: ['ingest'] }).simulator, false);
    assert.equal(loadConfig({ ORBIT_SIMULATOR: 'off' }).simulator, false);
    assert.equal(loadConfig({ ORBIT_SIMULATOR: 'on' }, { targets: ['ingest'] }).simulator, true);
  });

  test('tracing is on only when the OTEL_* variables give spans somewhere to go, and the process is named for it', () => {
    const on = (env: NodeJS.ProcessEnv) => loadConfig(env).tracing;
    assert.equal(on({}), false);
    assert.equal(on({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true);
    assert.equal(on({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }), true);
    assert.equal(on({ OTEL_TRACES_EXPORTER: 'console' }), true);
    assert.equal(on({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }), false);
    assert.equal(on({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }), false);
    assert.equal(loadConfig({}).serviceName, 'orbit');
    assert.equal(loadConfig({ ORBIT_TARGET: 'ingest,processor' }).serviceName, 'orbit-ingest-processor');
    assert.equal(loadConfig({ ORBIT_TARGET: 'ingest', OTEL_SERVICE_NAME: 'edge' }).serviceName, 'edge');
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

  test('engine URLs pick the real engines, show no password anywhere, and must have the right scheme', () => {
    const env = {
      ORBIT_QUEUE_URL: 'amqp://orbit:s3cret@mq:5672/?management=15672',
      ORBIT_EVENTS_BROKERS: 'k1:9092,k2:9092',
      ORBIT_SQL_URL: 'postgres://orbit:s3cret@db:5432/orbit',
      ORBIT_DOCS_URL: 'mongodb://orbit:s3cret@docs:27017/orbit',
      ORBIT_SEARCH_URL: 'http://search:9200',
      ORBIT_ENGINE_NAMESPACE: 'staging',
    };
    const config = loadConfig(env);
    assert.deepEqual(config.engines, {
      queueUrl: env.ORBIT_QUEUE_URL, eventsBrokers: ['k1:9092', 'k2:9092'], sqlUrl: env.ORBIT_SQL_URL,
      docsUrl: env.ORBIT_DOCS_URL, searchUrl: env.ORBIT_SEARCH_URL, namespace: 'staging',
    });
    assert.deepEqual(loadConfig({}).engines, { queueUrl: undefined, eventsBrokers: undefined, sqlUrl: undefined, docsUrl: undefined, searchUrl: undefined, namespace: undefined });
    const shown = describeConfig(config, env).map((d) => d.value).join('\n');
    assert.ok(!shown.includes('s3cret'), shown);
    assert.match(shown, /amqp:\/\/orbit:\*\*\*\*@mq:5672/);

    const error = (() => {
      try {
        loadConfig({ ORBIT_SQL_URL: 'mysql://orbit:s3cret@db/orbit', ORBIT_EVENTS_BROKERS: 'k1', ORBIT_QUEUE_URL: 'http://orbit:s3cret@mq' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems.map((p) => p.split('=')[0]).sort(), ['ORBIT_EVENTS_BROKERS', 'ORBIT_QUEUE_URL', 'ORBIT_SQL_URL']);
    assert.ok(!error.message.includes('s3cret'), error.message);
  });
});

describe('log forwarding settings', () => {
  test('ORBIT_LOKI_URL and ORBIT_LOGSTASH_URL name the backends; a Loki password is never shown', () => {
    const env = { ORBIT_LOKI_URL: 'https://orbit:s3cret@logs.example:3100', ORBIT_LOGSTASH_URL: 'tcp://logstash.example:5044' };
    const config = loadConfig(env);
    assert.deepEqual(config.logForwarding, { lokiUrl: env.ORBIT_LOKI_URL, logstashUrl: env.ORBIT_LOGSTASH_URL });
    assert.deepEqual(loadConfig({}).logForwarding, { lokiUrl: undefined, logstashUrl: undefined });
    const shown = describeConfig(config, env).map((d) => d.value).join('\n');
    assert.ok(!shown.includes('s3cret'), shown);
    assert.match(shown, /https:\/\/orbit:\*\*\*\*@logs\.example:3100/);
    assert.match(shown, /tcp:\/\/logstash\.example:5044/);
  });

  test('a Loki URL must be http(s) and a Logstash URL tcp://host:port', () => {
    const error = (() => {
      try {
        loadConfig({ ORBIT_LOKI_URL: 'loki:3100', ORBIT_LOGSTASH_URL: 'udp://logstash:5044' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems.map((p) => p.split('=')[0]).sort(), ['ORBIT_LOGSTASH_URL', 'ORBIT_LOKI_URL']);
    assert.throws(() => loadConfig({ ORBIT_LOGSTASH_URL: 'tcp://logstash' }), ConfigError);
    assert.throws(() => loadConfig({ ORBIT_LOKI_URL: 'https://loki:s3cret@' }), (e: unknown) => e instanceof ConfigError && !e.message.includes('s3cret'));
    assert.equal(loadConfig({ ORBIT_LOGSTASH_URL: 'tcp://[::1]:5044' }).logForwarding.logstashUrl, 'tcp://[::1]:5044');
  });
});
