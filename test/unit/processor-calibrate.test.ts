import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateItem } from '../../src/components/processor/calibrate.ts';
import { spacecraftView } from '../support/components.ts';

const batch = { batchId: 'b-1', receivedAt: 1_000 };
const view = spacecraftView('sc-a', {
  temp: { type: 'number', calibration: { polynomial: [-40, 0.5] } },
  volts: { type: 'number' },
  mode: { type: 'string' },
  heater: { type: 'boolean' },
});

test('numbers go through their channel\'s calibration; other values and uncalibrated channels stay raw', () => {
  const { rows, event } = calibrateItem(batch, {
    spacecraft: 'sc-a',
    readings: [
      { channel: 'temp', time: 10, value: 200 },
      { channel: 'temp', time: 20, value: 80.2 },
      { channel: 'volts', time: 10, value: 28.1 },
      { channel: 'mode', time: 10, value: 'safe' },
      { channel: 'heater', time: 10, value: true },
    ],
  }, view, 2_000);

  assert.deepEqual(event, {
    batchId: 'b-1', spacecraft: 'sc-a', receivedAt: 1_000, processedAt: 2_000,
    readings: [
      { channel: 'temp', time: 10, raw: 200, value: 60 },
      { channel: 'temp', time: 20, raw: 80.2, value: 0.1 },
      { channel: 'volts', time: 10, raw: 28.1, value: 28.1 },
      { channel: 'mode', time: 10, raw: 'safe', value: 'safe' },
      { channel: 'heater', time: 10, raw: true, value: true },
    ],
  });
  assert.deepEqual(rows.map((r) => [r.spacecraft, r.channel, r.type, r.batchId, r.raw, r.value]), [
    ['sc-a', 'temp', 'number', 'b-1', 200, 60],
    ['sc-a', 'temp', 'number', 'b-1', 80.2, 0.1],
    ['sc-a', 'volts', 'number', 'b-1', 28.1, 28.1],
    ['sc-a', 'mode', 'string', 'b-1', 'safe', 'safe'],
    ['sc-a', 'heater', 'boolean', 'b-1', true, true],
  ]);
});

test('an unknown spacecraft or channel throws, naming it', () => {
  assert.throws(() => calibrateItem(batch, { spacecraft: 'sc-x', readings: [{ channel: 'temp', time: 1, value: 1 }] }, undefined, 0), /unknown spacecraft "sc-x"/);
  assert.throws(
    () => calibrateItem(batch, { spacecraft: 'sc-a', readings: [{ channel: 'temp', time: 1, value: 1 }, { channel: 'pressure', time: 1, value: 1 }] }, view, 0),
    /unknown channel "pressure" of spacecraft "sc-a"/,
  );
});
