/**
 * Contract of the log index port. Every implementation runs this suite unchanged.
 *
 * Search may be near-real-time, so every expectation polls for a few seconds before
 * it is asserted. `open` gives a fresh, empty index; `reopen` is only called after
 * `index.close()` and returns a new index over the same data; `cleanup` closes
 * whatever is still open and removes the data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEntry, LogIndex, LogQuery } from '../../src/engines/logs/port.ts';
import { withHarness } from '../support/temp-store.ts';
import { sleep } from '../support/wait.ts';

export interface LogsHarness {
  index: LogIndex;
  reopen: () => Promise<LogIndex>;
  cleanup: () => Promise<void>;
}

const SETTLE_MS = 5000;

/** Polls the search until it returns `expected` messages in that order, then asserts. */
async function expectMessages(index: LogIndex, query: LogQuery, expected: string[]): Promise<LogEntry[]> {
  const deadline = Date.now() + SETTLE_MS;
  let found = await index.search(query);
  while (!sameMessages(found, expected) && Date.now() < deadline) {
    await sleep(100);
    found = await index.search(query);
  }
  assert.deepEqual(
    found.map((e) => e.msg),
    expected,
    `search ${JSON.stringify(query)}`,
  );
  return found;
}

function sameMessages(found: LogEntry[], expected: string[]): boolean {
  return found.length === expected.length && found.every((e, i) => e.msg === expected[i]);
}

export function logsContract(name: string, open: () => Promise<LogsHarness>): void {
  // Recent enough for any retention, a second apart so the order is unambiguous.
  const t0 = Date.now() - 3_600_000;
  const at = (s: number) => t0 + s * 1000;
  const entry = (s: number, msg: string, extra: Partial<LogEntry> = {}): LogEntry => ({ time: at(s), level: 'info', msg, service: 'all', ...extra });

  describe(`log index contract: ${name}`, () => {
    it('finds entries holding every word of the text, whatever the case', async () => {
      await withHarness(open, async ({ index }) => {
        await index.index([
          entry(1, 'Battery voltage LOW on bus A'),
          entry(2, 'battery temperature nominal'),
          entry(3, 'Reaction wheel speed high'),
          entry(4, 'low gain antenna selected'),
        ]);
        await expectMessages(index, { text: 'battery' }, ['battery temperature nominal', 'Battery voltage LOW on bus A']);
        await expectMessages(index, { text: 'BATTERY low' }, ['Battery voltage LOW on bus A']);
        await expectMessages(index, { text: 'low battery' }, ['Battery voltage LOW on bus A']);
        await expectMessages(index, { text: 'wheel antenna' }, []);
        await expectMessages(index, { text: 'magnetometer' }, []);
      });
    });

    it('matches the last word of the text as a prefix', async () => {
      await withHarness(open, async ({ index }) => {
        await index.index([entry(1, 'downlink started'), entry(2, 'downlink stopped'), entry(3, 'uplink started')]);
        await expectMessages(index, { text: 'downlink sta' }, ['downlink started']);
        await expectMessages(index, { text: 'st' }, ['uplink started', 'downlink stopped', 'downlink started']);
        await expectMessages(index, { text: 'downl' }, ['downlink stopped', 'downlink started']);
        await expectMessages(index, { text: 'u' }, ['uplink started']);
      });
    });

    it('searches the string values of structured fields', async () => {
      await withHarness(open, async ({ index }) => {
        await index.index([
          entry(1, 'limit violated', { fields: { channel: 'voltage', spacecraft: 'voyager', value: 27.5 } }),
          entry(2, 'limit violated', { fields: { channel: 'temperature', spacecraft: 'cassini' } }),
          entry(3, 'packet accepted', { fields: { spacecraft: 'voyager' } }),
        ]);
        const found = await expectMessages(index, { text: 'voyager limit' }, ['limit violated']);
        assert.deepEqual(found[0].fields, { channel: 'voltage', spacecraft: 'voyager', value: 27.5 });
        await expectMessages(index, { text: 'cassini' }, ['limit violated']);
        await expectMessages(index, { text: 'voyager' }, ['packet accepted', 'limit violated']);
      });
    });

    it('keeps entries at or above the minimum level', async () => {
      await withHarness(open, async ({ index }) => {
        const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
        await index.index(levels.map((level, i) => entry(i, `${level} happened`, { level })));
        await expectMessages(index, { level: 'warn' }, ['fatal happened', 'error happened', 'warn happened']);
        await expectMessages(index, { level: 'fatal' }, ['fatal happened']);
        await expectMessages(index, { level: 'trace' }, [...levels].reverse().map((l) => `${l} happened`));
        await expectMessages(index, { level: 'error', text: 'happened' }, ['fatal happened', 'error happened']);
      });
    });

    it('keeps entries inside an inclusive time range', async () => {
      await withHarness(open, async ({ index }) => {
        await index.index(Array.from({ length: 10 }, (_, s) => entry(s, `tick ${s}`)));
        await expectMessages(index, { from: at(3), to: at(5) }, ['tick 5', 'tick 4', 'tick 3']);
        await expectMessages(index, { from: at(8) }, ['tick 9', 'tick 8']);
        await expectMessages(index, { to: at(1) }, ['tick 1', 'tick 0']);
        await expectMessages(index, { text: 'tick', from: at(20) }, []);
      });
    });

    it('filters by service, module and trace id', async () => {
      await withHarness(open, async ({ index }) => {
        await index.index([
          entry(1, 'reading accepted', { service: 'ingest', module: 'ingest', traceId: 'aaaa1111aaaa1111aaaa1111aaaa1111', spanId: '1111aaaa1111aaaa' }),
          entry(2, 'reading calibrated', { service: 'processor', module: 'processor', traceId: 'aaaa1111aaaa1111aaaa1111aaaa1111' }),
          entry(3, 'reading accepted', { service: 'ingest', module: 'ingest', traceId: 'bbbb2222bbbb2222bbbb2222bbbb2222' }),
          entry(4, 'alert raised', { service: 'all', module: 'analyzer' }),
        ]);
        await expectMessages(index, { service: 'ingest' }, ['reading accepted', 'reading accepted']);
        await expectMessages(index, { module: 'analyzer' }, ['alert raised']);
        const trace = await expectMessages(index, { traceId: 'aaaa1111aaaa1111aaaa1111aaaa1111' }, ['reading calibrated', 'reading accepted']);
        assert.deepEqual(trace[1], {
          time: at(1),
          level: 'info',
          msg: 'reading accepted',
          service: 'ingest',
          module: 'ingest',
          traceId: 'aaaa1111aaaa1111aaaa1111aaaa1111',
          spanId: '1111aaaa1111aaaa',
        });
        await expectMessages(index, { service: 'ingest', traceId: 'bbbb2222bbbb2222bbbb2222bbbb2222' }, ['reading accepted']);
        await expectMessages(index, { service: 'processor', text: 'accepted' }, []);
        await expectMessages(index, { service: 'nobody' }, []);
      });
    });

    it('returns the newest entries first, 100 unless told otherwise', async () => {
      await withHarness(open, async ({ index }) => {
        // Indexed out of time order: newest first means by time, not by arrival.
        const seconds = Array.from({ length: 150 }, (_, i) => (i * 37) % 150);
        await index.index(seconds.map((s) => entry(s, `event ${s}`)));
        await expectMessages(
          index,
          { text: 'event', limit: 3 },
          ['event 149', 'event 148', 'event 147'],
        );
        await expectMessages(
          index,
          {},
          Array.from({ length: 100 }, (_, i) => `event ${149 - i}`),
        );
        await expectMessages(
          index,
          { limit: 500 },
          Array.from({ length: 150 }, (_, i) => `event ${149 - i}`),
        );
      });
    });

    it('keeps entries from several calls, and across a reopen', async () => {
      await withHarness(open, async ({ index, reopen }) => {
        assert.equal(index.isReady(), true);
        await index.index([entry(1, 'first batch', { fields: { pass: 'dsn 42' } })]);
        await index.index([entry(2, 'second batch', { level: 'error' })]);
        await expectMessages(index, { text: 'batch' }, ['second batch', 'first batch']);
        await index.close();

        const again = await reopen();
        assert.equal(again.isReady(), true);
        await expectMessages(again, { text: 'batch' }, ['second batch', 'first batch']);
        await expectMessages(again, { text: 'dsn' }, ['first batch']);
        await expectMessages(again, { level: 'error' }, ['second batch']);
        await again.index([entry(3, 'third batch')]);
        await expectMessages(again, { text: 'batch', limit: 2 }, ['third batch', 'second batch']);
      });
    });
  });
}
