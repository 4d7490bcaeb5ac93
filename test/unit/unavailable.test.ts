import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { isUnavailable, waitOutOutages } from '../../src/platform/unavailable.ts';
import { backoffDelays } from '../../src/platform/retry.ts';

const logger = pino({ level: 'silent' });

describe('engine unavailability', () => {
  test('tells an unreachable engine from bad work', () => {
    assert.ok(isUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })));
    assert.ok(isUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })));
    assert.ok(isUnavailable(new Error('publish failed', { cause: Object.assign(new Error('socket'), { code: 'ECONNRESET' }) })), 'looks through causes');
    assert.ok(isUnavailable(Object.assign(new Error('x'), { name: 'MongoServerSelectionError' })));
    assert.ok(!isUnavailable(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })));
    assert.ok(!isUnavailable(new Error('unknown channel "x" of spacecraft "y"')));
    assert.ok(!isUnavailable(undefined));
  });

  test('backoff doubles up to its cap, with jitter', () => {
    const next = backoffDelays({ initialMs: 100, maxMs: 1000 });
    const delays = Array.from({ length: 8 }, next);
    assert.ok(delays[0]! >= 75 && delays[0]! <= 125, String(delays[0]));
    assert.ok(delays[3]! >= 600 && delays[3]! <= 1000, String(delays[3]));
    assert.ok(delays.slice(4).every((d) => d >= 750 && d <= 1250), delays.join(','));
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
  test('refused credentials are not an outage; a refused connection named only in the message is', () => {
    assert.ok(!isUnavailable(Object.assign(new Error('RabbitMQ at amqp://orbit:***@mq:5672/ is unreachable: Handshake terminated by server: 403 (ACCESS-REFUSED)'), { name: 'RabbitUnavailableError' })));
    assert.ok(!isUnavailable(Object.assign(new Error('password authentication failed for user "orbit"'), { code: '28P01' })));
    assert.ok(isUnavailable(new Error('Elasticsearch at http://es:9200 could not be opened: connect ECONNREFUSED 127.0.0.1:59200')));
  });
});
