import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGroup, type LocatedReading } from '../../src/components/ingest/validate.ts';
import type { ChannelDefinition } from '../../src/core/schemas.ts';
import type { FieldError } from '../../src/platform/problem.ts';
import { spacecraftView } from '../support/components.ts';

const view = (channels: Record<string, ChannelDefinition & { revision?: number }>, autoRegisterChannels = false) => spacecraftView('sc-a', channels, { autoRegisterChannels });

const reading = (i: number, channel: string, value: LocatedReading['value'], time = 1000 + i): LocatedReading => ({ channel, time, value, pointer: `/readings/${i}` });

describe('checkGroup', () => {
  test('an unknown spacecraft is one error at the spacecraft pointer', () => {
    const errors: FieldError[] = [];
    assert.equal(checkGroup('sc-x', undefined, [reading(0, 'temp', 1)], '/spacecraft', errors), undefined);
    assert.deepEqual(errors, [{ pointer: '/spacecraft', detail: 'unknown spacecraft "sc-x"' }]);
  });

  test('names every bad field of every reading and accepts only the good readings, with the channels they name', () => {
    const errors: FieldError[] = [{ pointer: '/readings/9/time', detail: 'found by the schema' }];
    const group = checkGroup('sc-a', view({ temp: { type: 'number', revision: 3 }, mode: { type: 'string' }, gain: { type: 'number', calibration: { polynomial: [0, 1e300] } } }), [
      reading(0, 'temp', 20),
      reading(1, 'temp', 'hot'),
      reading(2, 'nope', 1),
      reading(3, 'mode', 'safe', 9e15),
      reading(4, 'temp', Number.NaN),
      reading(5, 'gain', 1e10),
      reading(6, 'mode', 'nominal'),
    ], '/spacecraft', errors);

    assert.deepEqual(errors.map((e) => e.pointer), ['/readings/9/time', '/readings/1/value', '/readings/2/channel', '/readings/3/time', '/readings/4/value', '/readings/5/value']);
    assert.match(errors[1]!.detail, /must be a number for channel "temp", got "hot"/);
    assert.equal(errors[2]!.detail, 'unknown channel "nope" of spacecraft "sc-a"');
    assert.equal(errors[4]!.detail, 'must be a finite number');
    assert.match(errors[5]!.detail, /calibrates to a value out of range/);
    assert.deepEqual(group, {
      item: {
        spacecraft: 'sc-a',
        channels: [{ name: 'temp', type: 'number', revision: 3 }, { name: 'mode', type: 'string', revision: 1 }],
        readings: [{ channel: 'temp', time: 1000, value: 20 }, { channel: 'mode', time: 1006, value: 'nominal' }],
      },
      newChannels: [],
    });
  });

  test('an auto-registering mission creates unknown channels, typed by their first reading; their readings wait for the check after', () => {
    const errors: FieldError[] = [];
    const group = checkGroup('sc-a', view({ temp: { type: 'number' } }, true), [
      reading(0, 'temp', 1),
      reading(1, 'door', true),
      reading(2, 'door', 3),
      reading(3, 'label', 'x'),
    ], '/spacecraft', errors);
    assert.deepEqual(errors.map((e) => e.pointer), ['/readings/2/value']);
    assert.match(errors[0]!.detail, /must be a boolean for channel "door"/);
    assert.deepEqual(group?.newChannels, [{ name: 'door', type: 'boolean' }, { name: 'label', type: 'string' }]);
    assert.deepEqual(group?.item.readings.map((r) => r.channel), ['temp']);
    assert.deepEqual(group?.item.channels.map((c) => c.name), ['temp']);
  });
});
