import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticOrbits, spacecraftModel } from '../../src/components/simulator/fleet.ts';
import { initialState, step, type SimReading, type SpacecraftModel } from '../../src/components/simulator/spacecraft.ts';
import { channelCatalog } from '../../src/components/simulator/channels.ts';
import { illumination, sunPositionKm } from '../../src/core/orbit/sun.ts';
import { calibrate } from '../../src/core/calibration.ts';
import { classify } from '../../src/core/limits.ts';

const START = new Date('2025-03-01T00:00:00Z');
const CHANNELS = new Map(channelCatalog(1000).map((c) => [c.name, c]));

function fleet(count = 3): SpacecraftModel[] {
  return syntheticOrbits(count, START).map((tle, i) => spacecraftModel({ id: `sim-${i + 1}`, name: `sim ${i + 1}`, tle, origin: 'synthetic' }));
}

/** Flies a model from START for `seconds`, sampling every `stepS`. */
function fly(model: SpacecraftModel, seconds: number, stepS: number): { time: number; readings: Map<string, SimReading['value']> }[] {
  let state = initialState(model, START);
  const samples = [];
  for (let t = stepS; t <= seconds; t += stepS) {
    const next = step(model, state, new Date(START.getTime() + t * 1000));
    state = next.state;
    samples.push({ time: START.getTime() + t * 1000, readings: new Map(next.readings.map((r) => [r.channel, r.value])) });
  }
  return samples;
}

const num = (sample: { readings: Map<string, SimReading['value']> }, channel: string): number => sample.readings.get(channel) as number;

test('battery charge falls through every eclipse and recovers in sunlight', () => {
  const [model] = fleet(1);
  const samples = fly(model!, 4 * model!.periodSeconds, 10);
  // Split into runs of eclipse / sunlight as the spacecraft reports them.
  const runs: { eclipse: boolean; samples: typeof samples }[] = [];
  for (const s of samples) {
    const eclipse = s.readings.get('eclipse') as boolean;
    if (runs.at(-1)?.eclipse !== eclipse) runs.push({ eclipse, samples: [] });
    runs.at(-1)!.samples.push(s);
  }
  const whole = runs.slice(1, -1); // the first and last runs are cut short by the window
  const eclipses = whole.filter((r) => r.eclipse);
  const daylight = whole.filter((r) => !r.eclipse);
  assert.ok(eclipses.length >= 3 && daylight.length >= 3, `${eclipses.length} eclipses, ${daylight.length} daylight passes`);
  for (const run of eclipses) {
    const [first, last] = [num(run.samples[0]!, 'power.battery_soc'), num(run.samples.at(-1)!, 'power.battery_soc')];
    assert.ok(last < first - 5, `SOC in eclipse went ${first} -> ${last}`);
    assert.ok(run.samples.every((s) => num(s, 'power.battery_current') < 0), 'battery discharges in eclipse');
  }
  for (const run of daylight) {
    const [first, last] = [num(run.samples[0]!, 'power.battery_soc'), num(run.samples.at(-1)!, 'power.battery_soc')];
    assert.ok(last > first + 5, `SOC in sunlight went ${first} -> ${last}`);
    assert.ok(last > 97, `battery back to nearly full (${last} %) before the next eclipse`);
  }
  // Bus voltage follows the battery: lower at the end of an eclipse than in sunlight.
  const endOfEclipse = num(eclipses[0]!.samples.at(-1)!, 'power.bus_voltage');
  const midDay = num(daylight[0]!.samples[Math.floor(daylight[0]!.samples.length / 2)]!, 'power.bus_voltage');
  assert.ok(endOfEclipse < midDay - 0.5, `bus ${endOfEclipse} V after eclipse vs ${midDay} V in sun`);
});

test('solar arrays deliver nothing in umbra and full current in sunlight; panels swing hot and cold', () => {
  const [model] = fleet(1);
  let state = initialState(model!, START);
  let umbra = 0;
  const lit: number[] = [];
  const panel: number[] = [];
  for (let t = 10; t <= 2 * model!.periodSeconds; t += 10) {
    const time = new Date(START.getTime() + t * 1000);
    const next = step(model!, state, time);
    state = next.state;
    const current = next.readings.find((r) => r.channel === 'power.solar_current')!.value as number;
    const light = illumination(model!.propagate(time).positionKm, sunPositionKm(time));
    if (light === 0) {
      umbra++;
      assert.equal(current, 0, `solar current ${current} A in umbra at ${time.toISOString()}`);
    }
    if (light === 1) lit.push(current);
    panel.push(next.readings.find((r) => r.channel === 'thermal.panel_temp')!.value as number);
  }
  assert.ok(umbra > 100, 'the orbit passes through umbra');
  assert.ok(Math.min(...lit) > 5, `arrays deliver at least 5 A in full sun (min ${Math.min(...lit)})`);
  assert.ok(Math.max(...panel) > 50 && Math.min(...panel) < -60, `panel temperature ${Math.min(...panel)}..${Math.max(...panel)} degC`);
});

test('in normal operation every channel of every spacecraft stays inside its limits for a day', () => {
  for (const model of fleet(3)) {
    for (const sample of fly(model, 86_400, 60)) {
      for (const [channel, value] of sample.readings) {
        const definition = CHANNELS.get(channel);
        assert.ok(definition, `${channel} is in the channel catalogue`);
        assert.equal(typeof value, definition.type, `${channel} has type ${definition.type}`);
        if (typeof value !== 'number' || !definition.limits) continue;
        const engineering = calibrate(value, definition.calibration);
        const verdict = classify(engineering, definition.limits);
        assert.equal(verdict.severity, null, `${model.id} ${channel} = ${engineering} at ${new Date(sample.time).toISOString()}`);
      }
      assert.equal(sample.readings.get('mode'), 'nominal');
      assert.equal(sample.readings.size, CHANNELS.size, 'every channel is reported');
    }
  }
});

test('the battery temperature is sent as ADC counts that calibrate to a room-temperature battery', () => {
  const [model] = fleet(1);
  const samples = fly(model!, 3600, 60);
  const channel = CHANNELS.get('thermal.battery_temp')!;
  for (const s of samples) {
    const counts = num(s, 'thermal.battery_temp');
    assert.ok(Number.isInteger(counts) && counts >= 0 && counts <= 4095, `raw value ${counts} is a 12-bit count`);
    const celsius = calibrate(counts, channel.calibration);
    assert.ok(celsius > 10 && celsius < 30, `${celsius} degC`);
  }
});

test('the same seed replays the same readings; another spacecraft gets its own noise', () => {
  const [a] = fleet(1);
  const again = spacecraftModel({ id: 'sim-1', name: 'copy', tle: syntheticOrbits(1, START)[0]!, origin: 'synthetic' });
  const first = fly(a!, 1800, 5).map((s) => [...s.readings]);
  const second = fly(again, 1800, 5).map((s) => [...s.readings]);
  assert.deepEqual(first, second);
  // Same orbit, different identity: the noise differs.
  const other = spacecraftModel({ id: 'sim-9', name: 'other', tle: syntheticOrbits(1, START)[0]!, origin: 'synthetic' });
  const third = fly(other, 1800, 5).map((s) => [...s.readings]);
  assert.notDeepEqual(first, third);
});

test('stepping in small or large increments ends in nearly the same state', () => {
  const [model] = fleet(1);
  const fine = fly(model!, 3000, 5).at(-1)!;
  const coarse = fly(model!, 3000, 300).at(-1)!;
  for (const channel of ['power.battery_soc', 'thermal.panel_temp']) {
    assert.ok(Math.abs(num(fine, channel) - num(coarse, channel)) < 2, `${channel}: ${num(fine, channel)} vs ${num(coarse, channel)}`);
  }
});
