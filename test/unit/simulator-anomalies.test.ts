import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANOMALY_KINDS, plannedFault, type AnomalyPlan, type Injection } from '../../src/components/simulator/anomalies.ts';
import { channelCatalog, staleAfterSeconds } from '../../src/components/simulator/channels.ts';
import { syntheticOrbits, spacecraftModel } from '../../src/components/simulator/fleet.ts';
import { Flight } from '../../src/components/simulator/flight.ts';
import type { SimReading } from '../../src/components/simulator/spacecraft.ts';
import { calibrate } from '../../src/core/calibration.ts';
import { classify } from '../../src/core/limits.ts';

const START_MS = Date.parse('2025-03-01T00:00:00Z');
const INTERVAL_MS = 1000;
const CHANNELS = new Map(channelCatalog(INTERVAL_MS).map((c) => [c.name, c]));
const IDS = ['sim-1', 'sim-2', 'sim-3'];

function plan(overrides: Partial<AnomalyPlan> = {}): AnomalyPlan {
  return { runId: 'test', startMs: START_MS, everyMs: 60_000, spacecraft: IDS, staleAfterSeconds: staleAfterSeconds(INTERVAL_MS), ...overrides };
}

function flight(p: AnomalyPlan): Flight {
  const models = syntheticOrbits(p.spacecraft.length, new Date(START_MS)).map((tle, i) => spacecraftModel({ id: p.spacecraft[i]!, name: p.spacecraft[i]!, tle, origin: 'synthetic' }));
  return new Flight(models, p);
}

interface Recorded {
  /** Injections whose whole window was flown. */
  injections: Injection[];
  /** spacecraft -> channel -> readings in time order */
  series: Map<string, Map<string, SimReading[]>>;
}

function run(p: AnomalyPlan, seconds: number): Recorded {
  const f = flight(p);
  const recorded: Recorded = { injections: [], series: new Map(p.spacecraft.map((id) => [id, new Map()])) };
  for (let t = INTERVAL_MS; t <= seconds * 1000; t += INTERVAL_MS) {
    const result = f.tick(new Date(START_MS + t));
    assert.deepEqual(result.failures, []);
    recorded.injections.push(...result.injections);
    for (const batch of result.batches) {
      const channels = recorded.series.get(batch.spacecraft)!;
      for (const r of batch.readings) {
        if (!channels.has(r.channel)) channels.set(r.channel, []);
        channels.get(r.channel)!.push(r);
      }
    }
  }
  recorded.injections = recorded.injections.filter((i) => Date.parse(i.endsAt) <= START_MS + seconds * 1000);
  return recorded;
}

const severity = (channel: string, value: SimReading['value']) => {
  const def = CHANNELS.get(channel)!;
  return typeof value === 'number' && def.limits ? classify(calibrate(value, def.calibration), def.limits).severity : null;
};

// One round, every kind on every spacecraft, is 15 faults a minute apart.
const everyKind = run(plan(), 16 * 60 + 60);

test('the schedule rotates spacecraft and kinds so every spacecraft sees every kind', () => {
  const seen = new Set(everyKind.injections.map((i) => `${i.spacecraft}/${i.kind}`));
  for (const id of IDS) for (const kind of ANOMALY_KINDS) assert.ok(seen.has(`${id}/${kind}`), `${kind} on ${id}`);
  assert.equal(new Set(everyKind.injections.map((i) => i.id)).size, everyKind.injections.length, 'injection ids are unique');
  for (const [i, injection] of everyKind.injections.entries()) {
    assert.equal(Date.parse(injection.startedAt), START_MS + (i + 1) * 60_000);
    assert.ok(Date.parse(injection.endsAt) > Date.parse(injection.startedAt));
    assert.ok(injection.channels.includes(injection.channel));
    assert.ok(CHANNELS.has(injection.channel));
  }
});

test('each anomaly drives its channels past their limits, or silences them for dropout, within its window', () => {
  assert.ok(everyKind.injections.length >= 15);
  for (const injection of everyKind.injections) {
    const [from, to] = [Date.parse(injection.startedAt), Date.parse(injection.endsAt)];
    const label = `${injection.kind} on ${injection.spacecraft} (${injection.startedAt})`;
    for (const channel of injection.channels) {
      const readings = everyKind.series.get(injection.spacecraft)!.get(channel)!;
      if (injection.expected === 'stale') {
        const inWindow = readings.filter((r) => r.time >= from && r.time < to);
        assert.equal(inWindow.length, 0, `${label}: ${channel} is silent during the window`);
        const gap = (Math.min(...readings.filter((r) => r.time >= to).map((r) => r.time)) - Math.max(...readings.filter((r) => r.time < from).map((r) => r.time))) / 1000;
        assert.ok(gap > staleAfterSeconds(INTERVAL_MS) * 2, `${label}: ${gap} s gap outlasts the staleness interval`);
        assert.ok(readings.some((r) => r.time >= to), `${label}: ${channel} comes back afterwards`);
      } else {
        const crossed = readings.find((r) => r.time >= from && r.time < to && severity(channel, r.value) === injection.expected);
        assert.ok(crossed, `${label}: ${channel} reaches ${injection.expected} within the window`);
        // Half the window at most: a detector has time to see it before it ends.
        assert.ok(crossed.time - from <= (to - from) / 2, `${label}: crossed after ${(crossed.time - from) / 1000} s`);
      }
    }
  }
});

test('before the first anomaly nothing is out of limits', () => {
  const first = Date.parse(everyKind.injections[0]!.startedAt);
  for (const [id, channels] of everyKind.series) {
    for (const [channel, readings] of channels) {
      for (const r of readings.filter((x) => x.time < first)) assert.equal(severity(channel, r.value), null, `${id} ${channel} = ${r.value}`);
    }
  }
});

test('a stuck sensor reports one constant value; a solar array failure cuts the current and drains the battery', () => {
  for (const injection of everyKind.injections) {
    const [from, to] = [Date.parse(injection.startedAt), Date.parse(injection.endsAt)];
    const series = everyKind.series.get(injection.spacecraft)!;
    const within = (channel: string) => series.get(channel)!.filter((r) => r.time >= from && r.time < to).map((r) => r.value as number);
    if (injection.kind === 'stuck_sensor') {
      assert.equal(new Set(within(injection.channel)).size, 1, 'one value throughout');
    }
    if (injection.kind === 'solar_array_failure') {
      assert.ok(within('power.solar_current').every((v) => v === 0), 'no array current');
      const soc = within('power.battery_soc');
      assert.ok(soc.at(-1)! < soc[0]! - 5, `SOC ${soc[0]} -> ${soc.at(-1)}`);
      assert.ok(series.get('mode')!.some((r) => r.time >= from && r.time < to && r.value === 'safe'), 'fault protection enters safe mode');
    }
  }
});

test('after a fault ends its channel comes back inside limits', () => {
  // The slowest recovery is the battery cooling (ten-minute time constant).
  const single = run(plan({ spacecraft: ['sim-1'], everyMs: 3_600_000 }), 3600 + 120 + 1800);
  const [injection] = single.injections;
  assert.equal(injection!.kind, 'battery_overtemp');
  const last = single.series.get('sim-1')!.get('thermal.battery_temp')!.at(-1)!;
  assert.equal(severity('thermal.battery_temp', last.value), null, `battery at ${calibrate(last.value as number, CHANNELS.get('thermal.battery_temp')!.calibration)} degC`);
});

test('a dropout lasts several staleness intervals even when the spacecraft samples slowly', () => {
  const slow = plan({ staleAfterSeconds: staleAfterSeconds(30_000) });
  for (let i = 0; i < 15; i++) {
    const fault = plannedFault(slow, i);
    if (fault.kind === 'telemetry_dropout') assert.ok(fault.endMs - fault.startMs >= 3 * slow.staleAfterSeconds * 1000);
  }
});

test('the same plan and seed inject the same anomalies and produce the same telemetry', () => {
  const again = run(plan(), 300);
  const once = run(plan(), 300);
  assert.deepEqual(again.injections, once.injections);
  assert.deepEqual([...again.series.get('sim-2')!.get('adcs.wheel_speed')!], [...once.series.get('sim-2')!.get('adcs.wheel_speed')!]);
});
