import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { DiskFullError, EngineUnavailableError, isDiskFull, isUnavailable, waitOutOutages } from '../../src/engines/shared/unavailable.ts';
import { SqlUnavailableError } from '../../src/engines/sql/postgres.ts';
import { RabbitUnavailableError } from '../../src/engines/queue/rabbitmq-connection.ts';
import { KafkaUnavailableError } from '../../src/engines/events/kafka.ts';
import { DocumentStoreUnavailableError } from '../../src/engines/docs/mongo.ts';
import { LogIndexUnavailableError } from '../../src/engines/logs/deferred.ts';

const logger = pino({ level: 'silent' });

describe('engine unavailability', () => {
  test('tells an unreachable engine from bad work', () => {
    assert.ok(isUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })));
    assert.ok(isUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })));
    assert.ok(isUnavailable(new Error('publish failed', { cause: Object.assign(new Error('socket'), { code: 'ECONNRESET' }) })), 'looks through causes');
    assert.ok(!isUnavailable(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })));
    assert.ok(!isUnavailable(new Error('unknown channel "x" of spacecraft "y"')));
    assert.ok(!isUnavailable(undefined));
  });

  test('a full disk is an outage, from Node (ENOSPC, EDQUOT) or from PostgreSQL (53100), and the error names the directory', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    assert.ok(isDiskFull(enospc) && isUnavailable(enospc));
    assert.ok(isUnavailable(Object.assign(new Error('EDQUOT: disk quota exceeded, write'), { code: 'EDQUOT' })));
    assert.ok(isUnavailable(Object.assign(new Error('could not extend file "base/5/16384": No space left on device'), { code: '53100' })));
    assert.ok(isUnavailable(new Error('journal failed', { cause: enospc })), 'looks through causes');
    assert.ok(!isDiskFull(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })));
    const full = new DiskFullError('embedded storage', '/data/queue/telemetry.ingest/log', enospc);
    assert.ok(full instanceof EngineUnavailableError && isUnavailable(full));
    assert.match(full.message, /no space left for embedded storage in \/data\/queue\/telemetry.ingest\/log \(ENOSPC\)/);
  });

  test('work held through an outage runs again until it succeeds; bad work fails at once', async () => {
    let calls = 0;
    const result = await waitOutOutages(async () => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      return 'stored';
    }, { ready: () => true, logger, stopping: () => false });
    assert.deepEqual([result, calls], ['stored', 3]);

    let bad = 0;
    await assert.rejects(
      waitOutOutages(async () => {
        bad += 1;
        throw new Error('unknown spacecraft "x"');
      }, { ready: () => true, logger, stopping: () => false }),
      /unknown spacecraft/,
    );
    assert.equal(bad, 1);
  });

  test('an engine reported not ready makes any failure wait; shutting down stops the waiting', async () => {
    let calls = 0;
    let ready = false;
    const result = await waitOutOutages(async () => {
      calls += 1;
      if (calls === 2) ready = true;
      if (!ready) throw new Error('query failed');
      return calls;
    }, { ready: () => ready, logger, stopping: () => false });
    assert.equal(result, 2);

    await assert.rejects(
      waitOutOutages(async () => {
        throw Object.assign(new Error('down'), { code: 'ECONNREFUSED' });
      }, { ready: () => false, logger, stopping: () => true }),
      /down/,
    );
  });
});

describe('engine unavailability, from the adapters’ own errors', () => {
  test('every adapter throws an EngineUnavailableError naming its engine, recognised by class and not by name', () => {
    const errors = [
      new SqlUnavailableError('PostgreSQL at db:5432/orbit is unavailable', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
      new RabbitUnavailableError('RabbitMQ at amqp://mq:5672/ is unavailable: reconnecting'),
      new KafkaUnavailableError('kafka (k:9092) is unreachable'),
      new DocumentStoreUnavailableError('MongoDB at db:27017/orbit is unavailable'),
      new LogIndexUnavailableError('Elasticsearch', 'Elasticsearch is not connected yet'),
      new EngineUnavailableError('Elasticsearch', 'Elasticsearch at http://es:9200 did not index within 10000 ms: HTTP 503'),
    ];
    assert.deepEqual(
      errors.map((e) => [e.name, e.engine]),
      [
        ['SqlUnavailableError', 'PostgreSQL'],
        ['RabbitUnavailableError', 'RabbitMQ'],
        ['KafkaUnavailableError', 'Kafka'],
        ['DocumentStoreUnavailableError', 'MongoDB'],
        ['LogIndexUnavailableError', 'Elasticsearch'],
        ['EngineUnavailableError', 'Elasticsearch'],
      ],
    );
    for (const error of errors) {
      assert.ok(error instanceof EngineUnavailableError && error instanceof Error);
      assert.ok(isUnavailable(error), error.name);
      assert.ok(isUnavailable(new Error('the work failed', { cause: error })), `${error.name} as a cause`);
    }
    assert.equal((errors[0] as SqlUnavailableError).code, 'ECONNREFUSED');
    // Nor is a look-alike name enough any more: only the class says it.
    assert.ok(!isUnavailable(Object.assign(new Error('bad work'), { name: 'SomethingUnavailableError' })));
    assert.ok(!isUnavailable(Object.assign(new Error('x'), { name: 'MongoServerSelectionError' })));
  });

  test('a fetch timed out by AbortSignal.timeout is an outage', () => {
    assert.ok(isUnavailable(new Error('management API failed', { cause: new DOMException('The operation was aborted due to timeout', 'TimeoutError') })));
    assert.ok(!isUnavailable(new DOMException('The operation was aborted', 'AbortError')));
  });

  test('refused credentials are not an outage; a refused connection named only in the message is', () => {
    assert.ok(!isUnavailable(new RabbitUnavailableError('RabbitMQ at amqp://orbit:***@mq:5672/ is unreachable: Handshake terminated by server: 403 (ACCESS-REFUSED)')));
    assert.ok(!isUnavailable(Object.assign(new Error('password authentication failed for user "orbit"'), { code: '28P01' })));
    assert.ok(isUnavailable(new Error('Elasticsearch at http://es:9200 could not be opened: connect ECONNREFUSED 127.0.0.1:59200')));
  });
});
