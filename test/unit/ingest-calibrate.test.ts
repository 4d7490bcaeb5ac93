import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateReading } from '../../src/components/ingest/calibrate.ts';
import { checkGroup } from '../../src/components/ingest/validate.ts';
import type { FieldError } from '../../src/platform/problem.ts';
import { spacecraftView } from '../support/components.ts';

const view = spacecraftView('sc-a', {
  temp: { type: 'number', calibration: { polynomial: [-40, 0.5] }, revision: 2 },
  volts: { type: 'number' },
  mode: { type: 'string' },
  heater: { type: 'boolean' },
});

test('numbers go through their channel\'s calibration; other values and uncalibrated channels stay as sent, without a raw copy', () => {
  const errors: FieldError[] = [];
  const group = checkGroup('sc-a', view, [
    { channel: 'temp', time: 10, value: 200, pointer: '/readings/0' },
    { channel: 'temp', time: 20, value: 80.2, pointer: '/readings/1' },
    { channel: 'volts', time: 10, value: 28.1, pointer: '/readings/2' },
    { channel: 'mode', time: 10, value: 'safe', pointer: '/readings/3' },
    { channel: 'heater', time: 10, value: true, pointer: '/readings/4' },
  ], '/spacecraft', errors);

  assert.deepEqual(errors, []);
  assert.deepEqual(group?.item, {
    spacecraft: 'sc-a',
    channels: [
      { name: 'temp', type: 'number', revision: 2 },
      { name: 'volts', type: 'number', revision: 1 },
      { name: 'mode', type: 'string', revision: 1 },
      { name: 'heater', type: 'boolean', revision: 1 },
    ],
    readings: [
      { channel: 'temp', time: 10, raw: 200, value: 60 },
      { channel: 'temp', time: 20, raw: 80.2, value: 0.1 },
      { channel: 'volts', time: 10, value: 28.1 },
      { channel: 'mode', time: 10, value: 'safe' },
      { channel: 'heater', time: 10, value: true },
    ],
  });
});

test('a calibration that leaves a value as it was carries no raw copy', () => {
  // -40 + 0.5 * -80 = -80: this reading calibrates to itself.
  assert.deepEqual(calibrateReading({ channel: 'temp', time: 1, value: -80 }, { calibration: { polynomial: [-40, 0.5] } }), { channel: 'temp', time: 1, value: -80 });
  assert.deepEqual(calibrateReading({ channel: 'temp', time: 1, value: 80 }, { calibration: { polynomial: [-40, 0.5] } }), { channel: 'temp', time: 1, value: 0, raw: 80 });
});
