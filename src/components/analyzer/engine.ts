/**
 * The alert lifecycle: checks processed readings against their channel's limits,
 * watches channels that fall silent, and takes acknowledgements. At most one alert is
 * active per spacecraft, channel and rule; limit alerts resolve with hysteresis (the
 * decisions are rules.ts). Every change is stored, then published, one task at a time.
 */
import type { ProcessedBatch } from '../../core/messages.ts';
import { UniqueViolationError } from '../../engines/sql/port.ts';
import type { Severity } from '../../core/schemas.ts';
import { Serial } from '../../lib/serial.ts';
import type { AlertChange, AlertStore } from '../../stores/alerts/store.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import { ChannelDefinitions } from './definitions.ts';
import type { TelemetryStore } from '../../stores/telemetry/store.ts';
import type { AlertPublisher, CausedChange } from './alert-publisher.ts';
import { limitDecision, type ActiveAlert, type Decision } from './rules.ts';

interface Watch {
  spacecraft: string;
  channel: string;
  seenAt: number;
  staleAfterMs: number;
}

export interface AlertEngineDeps {
  catalog: Pick<MissionCatalog, 'channelsWithStaleness' | 'channelsOf'>;
  alerts: AlertStore;
  telemetry: TelemetryStore;
  publisher: AlertPublisher;
  /** Told of every stored change. */
  onTransition?(change: AlertChange): void;
  now?(): number;
}

const key = (spacecraft: string, channel: string, rule: string) => `${spacecraft}\u0000${channel}\u0000${rule}`;

export class AlertEngine {
  readonly #deps: AlertEngineDeps;
  readonly #now: () => number;
  readonly #serial = new Serial();
  readonly #active = new Map<string, ActiveAlert>();
  /** Newest reading time seen per channel, to tell late readings. */
  readonly #lastTime = new Map<string, number>();
  readonly #watches = new Map<string, Watch>();
  readonly #definitions: ChannelDefinitions;

  constructor(deps: AlertEngineDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#definitions = new ChannelDefinitions(deps.catalog);
  }

  /**
   * Reads the active alerts, and watches every channel with a staleness interval as if it
   * had just reported: channels that fell silent while no analyzer ran must still go stale.
   */
  async load(): Promise<void> {
    await this.#refreshActive();
    const started = this.#now();
    for (const c of await this.#deps.catalog.channelsWithStaleness()) {
      this.#watches.set(key(c.spacecraft, c.channel, ''), { spacecraft: c.spacecraft, channel: c.channel, seenAt: started, staleAfterMs: c.staleAfterSeconds * 1000 });
    }
  }

  /** Active alerts held by this analyzer, by severity. */
  activeBySeverity(): Map<Severity, number> {
    const counts = new Map<Severity, number>();
    for (const a of this.#active.values()) counts.set(a.severity, (counts.get(a.severity) ?? 0) + 1);
    return counts;
  }

  /** Checks the batches in order and publishes what changed; resolves with the readings checked. */
  onBatches(batches: readonly ProcessedBatch[]): Promise<number> {
    return this.#serial.run(async () => {
      const changes: CausedChange[] = [];
      let checked = 0;
      for (const batch of batches) checked += await this.#onBatch(batch, changes);
      await this.#deps.publisher.publish(changes);
      return checked;
    });
  }

  /** Opens a stale alert for every watched channel silent for longer than its interval. */
  checkStaleness(): Promise<void> {
    return this.#serial.run(async () => {
      // Other analyzers change alerts too (each owns some spacecraft, and ownership moves when
      // analyzers come and go): the stored alerts are the truth.
      await this.#refreshActive();
      const now = this.#now();
      const changes: CausedChange[] = [];
      for (const w of this.#watches.values()) {
        if (now - w.seenAt <= w.staleAfterMs || this.#active.has(key(w.spacecraft, w.channel, 'stale'))) continue;
        // With several analyzers, this channel's readings may go to another one: only the store knows it fell silent.
        const latest = await this.#deps.telemetry.latestTime(w.spacecraft, w.channel);
        if (latest !== undefined && now - latest <= w.staleAfterMs) {
          w.seenAt = latest;
          continue;
        }
        const seconds = w.staleAfterMs / 1000;
        const change = await this.#apply(w.spacecraft, w.channel, { kind: 'open', rule: 'stale', severity: 'warning', threshold: seconds, message: `${w.channel}: no reading for more than ${seconds} s` }, null, now);
        if (change) changes.push({ change });
      }
      await this.#deps.publisher.publish(changes);
    });
  }

  /**
   * Acknowledges an alert; undefined when there is none. The acknowledgement is stored:
   * an event log that is away delays its event (`onHeld` is told), not the answer.
   */
  acknowledge(id: string, by: string, comment: string | undefined, onHeld: (error: unknown) => void): Promise<AlertChange | undefined> {
    return this.#serial.run(async () => {
      const stored = await this.#deps.alerts.acknowledge(id, by, comment, this.#now());
      if (stored && stored.from !== stored.to) {
        this.#track(stored);
        await this.#deps.publisher.publish([{ change: stored }]).catch(onHeld);
      }
      return stored;
    });
  }

  /** Waits for the task running now. */
  async idle(): Promise<void> {
    await this.#serial.run(async () => undefined);
  }

  async #refreshActive(): Promise<void> {
    const stored = await this.#deps.alerts.active();
    this.#active.clear();
    for (const a of stored) this.#active.set(key(a.spacecraft, a.channel, a.rule), { id: a.id, rule: a.rule, severity: a.severity });
  }

  async #onBatch(batch: ProcessedBatch, changes: CausedChange[]): Promise<number> {
    // A batch holds a few channels' readings each; keys and lookups are made once per channel.
    const byChannel = new Map<string, ProcessedBatch['readings']>();
    for (const r of batch.readings) {
      const list = byChannel.get(r.channel);
      if (list) list.push(r);
      else byChannel.set(r.channel, [r]);
    }
    const revisions = new Map<string, number>();
    for (const c of batch.channels ?? []) revisions.set(c.name, c.revision);
    // A channel the batch does not name a revision of (a record from before they were carried) takes the definition held.
    const definitions = await this.#definitions.of(batch.spacecraft, [...byChannel.keys()].map((name) => ({ name, revision: revisions.get(name) ?? 0 })));
    const now = this.#now();
    for (const [name, readings] of byChannel) {
      const channel = definitions.get(name);
      if (!channel) continue;
      const chKey = key(batch.spacecraft, name, '');
      const limitKey = key(batch.spacecraft, name, 'limit');
      if (channel.staleAfterSeconds) this.#watches.set(chKey, { spacecraft: batch.spacecraft, channel: name, seenAt: now, staleAfterMs: channel.staleAfterSeconds * 1000 });
      else this.#watches.delete(chKey);
      const stale = this.#active.get(key(batch.spacecraft, name, 'stale'));
      if (stale) {
        const change = await this.#apply(batch.spacecraft, name, { kind: 'resolve', id: stale.id, comment: 'readings resumed' }, null, now);
        if (change) changes.push({ change, cause: batch });
      }
      let last = this.#lastTime.get(chKey) ?? -Infinity;
      for (const r of readings) {
        // A late reading (another processor delivered newer ones first, or a replay) still raises
        // the alert it shows, but must not change or resolve the state decided by newer ones.
        const late = last > r.time;
        if (!late) last = r.time;
        if (typeof r.value !== 'number') continue;
        const decision = limitDecision(channel, r.value, this.#active.get(limitKey));
        if (!decision || (late && decision.kind !== 'open')) continue;
        const change = await this.#apply(batch.spacecraft, name, decision, r.value, r.time);
        if (change) changes.push({ change, cause: batch });
      }
      this.#lastTime.set(chKey, last);
    }
    return batch.readings.length;
  }

  #track(change: AlertChange | undefined): AlertChange | undefined {
    if (!change) return undefined;
    const k = key(change.alert.spacecraft, change.alert.channel, change.alert.rule);
    if (change.to === 'resolved') this.#active.delete(k);
    else this.#active.set(k, { id: change.alert.id, rule: change.alert.rule, severity: change.alert.severity });
    this.#deps.onTransition?.(change);
    return change;
  }

  async #apply(spacecraft: string, channel: string, decision: Decision, value: number | null, at: number): Promise<AlertChange | undefined> {
    const { alerts } = this.#deps;
    switch (decision.kind) {
      case 'open':
        try {
          return this.#track(await alerts.open({ spacecraft, channel, rule: decision.rule, severity: decision.severity, value, threshold: decision.threshold, message: decision.message, at }));
        } catch (error) {
          if (!(error instanceof UniqueViolationError)) throw error;
          // Another analyzer (or an earlier life of this one) opened it: adopt it.
          const existing = (await alerts.list({ spacecraft, channel, limit: 20 })).find((a) => a.rule === decision.rule && a.state !== 'resolved');
          if (existing) this.#active.set(key(spacecraft, channel, decision.rule), { id: existing.id, rule: existing.rule, severity: existing.severity });
          return undefined;
        }
      case 'change':
        return this.#track(await alerts.changeSeverity(decision.id, decision.severity, value, decision.threshold, decision.message, at));
      case 'resolve': {
        const change = await alerts.resolve(decision.id, value, at, decision.comment);
        if (!change) for (const [k, a] of this.#active) if (a.id === decision.id) this.#active.delete(k);
        return this.#track(change);
      }
    }
  }
}
