import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { backoffDelays, connectWithRetry } from '../../src/engines/shared/backoff.ts';
import { EngineUnavailableError } from '../../src/engines/shared/unavailable.ts';

const logger = pino({ level: 'silent' });

describe('backoff', () => {
  test('doubles up to its cap, with jitter', () => {
    const next = backoffDelays({ initialMs: 100, maxMs: 1000 });
    const delays = Array.from({ length: 8 }, () => next());
    assert.ok(delays[0]! >= 75 && delays[0]! <= 125, String(delays[0]));
    assert.ok(delays[1]! >= 150 && delays[1]! <= 250, String(delays[1]));
    assert.ok(delays[3]! >= 600 && delays[3]! <= 1000, String(delays[3]));
    assert.ok(delays.slice(4).every((d) => d >= 750 && d <= 1250), delays.join(','));
  });

  test('starts again from the first delay after a reset', () => {
    const next = backoffDelays({ initialMs: 40, maxMs: 10_000 });
    for (let i = 0; i < 6; i += 1) next();
    assert.ok(next() >= 40 * 2 ** 6 * 0.75);
    next.reset();
    const first = next();
    assert.ok(first >= 30 && first <= 50, String(first));
  });

  test('defaults to 250 ms doubling up to 5 s', () => {
    const next = backoffDelays();
    const delays = Array.from({ length: 10 }, () => next());
    assert.ok(delays[0]! >= 187 && delays[0]! <= 313, String(delays[0]));
    assert.ok(delays.slice(5).every((d) => d >= 3750 && d <= 6250), delays.join(','));
  });

  test('connectWithRetry tries an unreachable engine again, and gives up at once on anything else', async () => {
    let calls = 0;
    const value = await connectWithRetry(
      'Test',
      async () => {
        calls += 1;
        if (calls < 2) throw new EngineUnavailableError('Test', 'Test is unreachable');
        return 'connected';
      },
      logger,
    );
    assert.deepEqual([value, calls], ['connected', 2]);

    let wrong = 0;
    await assert.rejects(
      connectWithRetry('Test', async () => {
        wrong += 1;
        throw new Error('password authentication failed for user "orbit"');
      }, logger),
      /password authentication failed/,
    );
    assert.equal(wrong, 1);

    let stopped = 0;
    await assert.rejects(
      connectWithRetry('Test', async () => {
        stopped += 1;
        throw new EngineUnavailableError('Test', 'still away');
      }, logger, { stopped: () => true }),
      /still away/,
    );
    assert.equal(stopped, 1);
  });
});
