import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Compile } from 'typebox/compile';
import { TelemetryBatch } from '../../src/core/schemas.ts';
import { locateJson, parseNdjson } from '../../src/components/ingest/parse.ts';
import { HttpProblem, type FieldError } from '../../src/platform/problem.ts';

const line = (spacecraft: string, channel: string, time: string | number, value: unknown) => JSON.stringify({ spacecraft, channel, time, value });

describe('parseNdjson', () => {
  test('groups readings by spacecraft; each pointer is the 0-based line index, blank lines included', () => {
    const text = [
      line('sc-a', 'temp', '2024-05-01T00:00:00.000Z', 21.5),
      '',
      '   ',
      line('sc-b', 'mode', 1000, 'safe'),
      line('sc-a', 'valve', 2000, true),
      '',
    ].join('\n');
    const errors: FieldError[] = [];
    const groups = parseNdjson(text, 10, errors);
    assert.deepEqual(errors, []);
    assert.deepEqual([...groups.keys()], ['sc-a', 'sc-b']);
    assert.deepEqual(groups.get('sc-a'), {
      pointer: '/0/spacecraft',
      readings: [
        { channel: 'temp', time: Date.parse('2024-05-01T00:00:00.000Z'), value: 21.5, pointer: '/0' },
        { channel: 'valve', time: 2000, value: true, pointer: '/4' },
      ],
    });
    assert.deepEqual(groups.get('sc-b'), { pointer: '/3/spacecraft', readings: [{ channel: 'mode', time: 1000, value: 'safe', pointer: '/3' }] });
  });

  test('names each bad line by pointer and by its 1-based line number, and keeps the good lines', () => {
    const text = [
      line('sc-a', 'temp', 1000, 1),
      '{"spacecraft": "sc-a", "channel":',
      JSON.stringify({ spacecraft: 'sc-a', channel: 'temp', value: 3 }),
      line('sc-a', 'temp', 4000, { nested: true }),
      JSON.stringify({ spacecraft: 'sc-a', channel: 'temp', time: 5000, value: 5, colour: 'red' }),
      line('sc-a', 'temp', 6000, 6),
    ].join('\r\n');
    const errors: FieldError[] = [];
    const groups = parseNdjson(text, 10, errors);

    assert.deepEqual(errors.map((e) => e.pointer), ['/1', '/2/time', '/3/value', '/4/colour']);
    assert.match(errors[0]!.detail, /^line 2 is not valid JSON: /);
    assert.equal(errors[1]!.detail, 'line 3: is required');
    assert.match(errors[2]!.detail, /^line 4: /);
    assert.equal(errors[3]!.detail, 'line 5: is not an allowed field');
    assert.deepEqual(groups.get('sc-a')?.readings.map((r) => r.pointer), ['/0', '/5']);
  });

  test('more readings than allowed is 413; blank lines do not count', () => {
    const three = [line('s', 'c', 1, 1), line('s', 'c', 2, 2), line('s', 'c', 3, 3)];
    assert.equal(parseNdjson(['', ...three.slice(0, 2), '', ''].join('\n'), 2, []).get('s')?.readings.length, 2);
    assert.throws(() => parseNdjson(three.join('\n'), 2, []), (error: unknown) => {
      assert.ok(error instanceof HttpProblem);
      assert.equal(error.status, 413);
      assert.match(error.message, /at most 2 readings/);
      return true;
    });
  });

  test('a body without readings is an error at the root', () => {
    for (const text of ['', '\n\n  \n', ' ']) {
      const errors: FieldError[] = [];
      assert.equal(parseNdjson(text, 10, errors).size, 0);
      assert.deepEqual(errors, [{ pointer: '/', detail: 'the body holds no readings' }], JSON.stringify(text));
    }
  });
});

describe('locateJson', () => {
  const schema = Compile(TelemetryBatch);
  const locate = (body: unknown) => {
    const errors: FieldError[] = [];
    const located = locateJson(body, schema.Check(body) ? undefined : [...schema.Errors(body)], errors);
    return { located, errors };
  };

  test('a well-formed batch is one group under /spacecraft with a pointer per reading', () => {
    const { located, errors } = locate({ spacecraft: 'sc-a', readings: [{ channel: 'temp', time: '1970-01-01T00:00:01.000Z', value: 1 }, { channel: 'mode', time: 2000, value: 'safe' }] });
    assert.deepEqual(errors, []);
    assert.deepEqual([...located], [['sc-a', {
      pointer: '/spacecraft',
      readings: [{ channel: 'temp', time: 1000, value: 1, pointer: '/readings/0' }, { channel: 'mode', time: 2000, value: 'safe', pointer: '/readings/1' }],
    }]]);
  });

  test('keeps the well-formed readings when others are malformed, and reports the malformed ones', () => {
    const readings = Array.from({ length: 12 }, (_, i) => ({ channel: 'temp', time: i * 1000, value: i } as Record<string, unknown>));
    readings[1]!.time = 'yesterday';
    readings[3]!.value = { nested: true };
    delete readings[4]!.channel;
    const { located, errors } = locate({ spacecraft: 'sc-a', readings });
    assert.deepEqual(errors.map((e) => e.pointer).sort(), ['/readings/1/time', '/readings/3/value', '/readings/4/channel']);
    assert.deepEqual(located.get('sc-a')?.readings.map((r) => r.pointer), [0, 2, 5, 6, 7, 8, 9, 10, 11].map((i) => `/readings/${i}`),
      'reading 10 and 11 are kept although their pointers start like reading 1');
  });

  test('without a usable spacecraft or readings array nothing is located, but the schema errors are reported', () => {
    for (const body of [{ spacecraft: 'has spaces!', readings: [{ channel: 'temp', time: 1, value: 1 }] }, { spacecraft: 'sc-a' }, null]) {
      const { located, errors } = locate(body);
      assert.equal(located.size, 0, JSON.stringify(body));
      assert.ok(errors.length > 0, JSON.stringify(body));
    }
  });
});
