/**
 * The alert lifecycle: checks processed readings against their channel's limits (the
 * limit set in force, debounced as configured) and anomaly detector, watches channels
 * that fall silent, takes shelves off when their time is up, and applies what operators
 * do. At most one alert is active per spacecraft, channel and rule; the decisions are
 * rules.ts, debounce.ts, limit-sets.ts and anomaly.ts. Every change is stored with its
 * event in the outbox, one task at a time, and the publisher is woken to send it;
 * changes readings make to a shelved alert are stored without one, so a shelved alert
 * raises nothing until it comes off the shelf.
 */
import type { ProcessedBatch } from '../../core/messages.ts';
import { UniqueViolationError } from '../../engines/sql/port.ts';
import type { Alert, ReadingValue, Severity } from '../../core/schemas.ts';
import { Serial } from '../../lib/serial.ts';
import { activeTraceparent } from '../../platform/tracing.ts';
import type { AlertCause, AlertChange, AlertStore, OperatorResult } from '../../stores/alerts/store.ts';
import type { MissionCatalog, RevisedChannel } from '../../stores/missions/catalog.ts';
import { ChannelDefinitions } from './definitions.ts';
import type { TelemetryStore } from '../../stores/telemetry/store.ts';
import { AnomalyWatch } from './anomaly.ts';
import { extend, ready, type Run } from './debounce.ts';
import { chooseLimits, describeSet, StateChannels } from './limit-sets.ts';
import type { OperatorAction } from './operator-actions.ts';
import { decide, limitDecision, raises, type ActiveAlert, type Decision } from './rules.ts';

interface Watch {
  spacecraft: string;
  channel: string;
  seenAt: number;
  staleAfterMs: number;
}

export interface AlertEngineDeps {
  catalog: Pick<MissionCatalog, 'channelsWithStaleness' | 'channelsOf'>;
  alerts: AlertStore;
  telemetry: Pick<TelemetryStore, 'latestTime' | 'points'>;
  /** Woken when changes were stored: their events wait in the outbox. */
  publisher: { wake(): void };
  /** Told of every stored change. */
  onTransition?(change: AlertChange): void;
  now?(): number;
}

const key = (spacecraft: string, channel: string, rule: string) => `${spacecraft}\u0000${channel}\u0000${rule}`;

export const activeOf = (a: Alert): ActiveAlert => ({
  id: a.id, rule: a.rule, severity: a.severity, state: a.state, returned: a.returnedAt !== undefined,
  ...(a.shelvedUntil !== undefined && { shelvedUntil: Date.parse(a.shelvedUntil) }),
});

/** The changes a task stored, for the publisher to be woken once after it. */
type Changes = AlertChange[];

export class AlertEngine {
  readonly #deps: AlertEngineDeps;
  readonly #now: () => number;
  readonly #serial = new Serial();
  readonly #active = new Map<string, ActiveAlert>();
  /** Newest reading time seen per channel, to tell late readings. */
  readonly #lastTime = new Map<string, number>();
  readonly #watches = new Map<string, Watch>();
  readonly #definitions: ChannelDefinitions;
  /** Runs of readings past a limit, per channel with a debounce. */
  readonly #runs = new Map<string, Run>();
  readonly #states = new StateChannels();
  /** Each channel's detector, with the definition revision it was last checked against. */
  readonly #detectors = new Map<string, { watch: AnomalyWatch; revision: number }>();

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
      const changes: Changes = [];
      let checked = 0;
      for (const batch of batches) checked += await this.#onBatch(batch, changes);
      if (changes.length) this.#deps.publisher.wake();
      return checked;
    });
  }

  /** The periodic check: silent channels, then shelves whose time is up. */
  tick(): Promise<void> {
    return this.#serial.run(async () => {
      // Other analyzers and operators change alerts too (each analyzer owns some spacecraft, and
      // ownership moves when analyzers come and go): the stored alerts are the truth.
      await this.#refreshActive();
      const changes: Changes = [];
      await this.#staleness(changes);
      await this.#expiredShelves(changes);
      if (changes.length) this.#deps.publisher.wake();
    });
  }

  /**
   * Applies an operator's action: undefined for an unknown alert, a conflict when the
   * alert's state does not allow it. The change is stored with its event: an event log
   * that is away delays the event, not the answer.
   */
  act(id: string, action: OperatorAction): Promise<OperatorResult> {
    return this.#serial.run(async () => {
      const { alerts } = this.#deps;
      const at = this.#now();
      const result = await (() => {
        switch (action.kind) {
          case 'acknowledge': return alerts.acknowledge(id, action.by, action.comment, at);
          case 'shelve': return alerts.shelve(id, action.by, action.until, action.comment, at);
          case 'unshelve': return alerts.unshelve(id, at, { by: action.by, ...(action.comment !== undefined && { comment: action.comment }) });
          case 'comment': return alerts.comment(id, action.by, action.comment, at);
          case 'assign': return alerts.assign(id, action.by, action.to, action.comment, at);
          case 'clear': return alerts.clear(id, action.by, action.comment, at);
        }
      })();
      if (result && !('conflict' in result) && !result.unchanged) {
        this.#track(result);
        this.#deps.publisher.wake();
      }
      return result;
    });
  }

  /** Acknowledges an alert; undefined when there is none (see act). */
  async acknowledge(id: string, by: string, comment: string | undefined): Promise<AlertChange | undefined> {
    const result = await this.act(id, { kind: 'acknowledge', by, ...(comment !== undefined && { comment }) });
    return result && 'conflict' in result ? undefined : result;
  }

  /** Waits for the task running now. */
  async idle(): Promise<void> {
    await this.#serial.run(async () => undefined);
  }

  async #refreshActive(): Promise<void> {
    const stored = await this.#deps.alerts.active();
    this.#active.clear();
    for (const a of stored) this.#active.set(key(a.spacecraft, a.channel, a.rule), activeOf(a));
  }

  async #staleness(changes: Changes): Promise<void> {
    const now = this.#now();
    for (const w of this.#watches.values()) {
      if (now - w.seenAt <= w.staleAfterMs) continue;
      const active = this.#active.get(key(w.spacecraft, w.channel, 'stale'));
      if (active && !active.returned) continue;
      // With several analyzers, this channel's readings may go to another one: only the store knows it fell silent.
      const latest = await this.#deps.telemetry.latestTime(w.spacecraft, w.channel);
      if (latest !== undefined && now - latest <= w.staleAfterMs) {
        w.seenAt = latest;
        continue;
      }
      const seconds = w.staleAfterMs / 1000;
      const violation = { severity: 'warning' as const, threshold: seconds, message: `${w.channel}: no reading for more than ${seconds} s` };
      await this.#decided(w.spacecraft, w.channel, decide('stale', active, violation, undefined, ''), null, now, changes);
    }
  }

  async #expiredShelves(changes: Changes): Promise<void> {
    const now = this.#now();
    for (const a of [...this.#active.values()]) {
      if (a.state !== 'shelved' || a.shelvedUntil === undefined || a.shelvedUntil > now) continue;
      const result = await this.#deps.alerts.unshelve(a.id, now);
      if (result && !('conflict' in result)) changes.push(this.#track(result));
    }
  }

  /** The latest stored reading of a channel that has just become a state channel: readings before it was one were not kept. */
  async #seedState(spacecraft: string, channel: string): Promise<void> {
    const timeline = this.#states.track(spacecraft, channel);
    const definition = (await this.#definitions.of(spacecraft, [{ name: channel, revision: 0 }])).get(channel);
    if (!definition) return;
    const time = await this.#deps.telemetry.latestTime(spacecraft, channel);
    if (time === undefined) return;
    const { points } = await this.#deps.telemetry.points({ spacecraft, channel, from: time, to: time + 1, limit: 1 }, definition.type);
    if (points[0]) timeline.record(time, points[0].value);
  }

  async #onBatch(batch: ProcessedBatch, changes: Changes): Promise<number> {
    const sc = batch.spacecraft;
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
    const definitions = await this.#definitions.of(sc, [...byChannel.keys()].map((name) => ({ name, revision: revisions.get(name) ?? 0 })));
    for (const name of byChannel.keys()) {
      for (const set of definitions.get(name)?.limitSets ?? []) {
        if (!this.#states.timeline(sc, set.when.channel)) await this.#seedState(sc, set.when.channel);
      }
    }
    // State channels first, so that each reading is judged by the state at its time whatever the order in the batch.
    const states = this.#states.of(sc);
    if (states) {
      for (const [name, timeline] of states) for (const r of byChannel.get(name) ?? []) timeline.record(r.time, r.value);
    }
    const stateAt = (channel: string, time: number): ReadingValue | undefined => this.#states.timeline(sc, channel)?.valueAt(time);

    const now = this.#now();
    for (const [name, readings] of byChannel) {
      const channel = definitions.get(name);
      if (!channel) continue;
      const chKey = key(sc, name, '');
      const limitKey = key(sc, name, 'limit');
      const anomalyKey = key(sc, name, 'anomaly');
      if (channel.staleAfterSeconds) this.#watches.set(chKey, { spacecraft: sc, channel: name, seenAt: now, staleAfterMs: channel.staleAfterSeconds * 1000 });
      else this.#watches.delete(chKey);
      const stale = this.#active.get(key(sc, name, 'stale'));
      if (stale) await this.#decided(sc, name, decide('stale', stale, null, channel.returnToNormal, 'readings resumed'), null, now, changes, batch);
      const detector = await this.#detectorOf(chKey, anomalyKey, channel, changes, batch);

      let last = this.#lastTime.get(chKey) ?? -Infinity;
      for (const r of readings) {
        // A late reading (another processor delivered newer ones first, or a replay) still raises
        // the alert it shows, but must not change or resolve the state decided by newer ones.
        const late = last > r.time;
        if (!late) last = r.time;
        if (typeof r.value !== 'number') continue;
        let decision: Decision | undefined;
        if (channel.limitSets) {
          const { limits, set } = chooseLimits(channel, stateAt, r.time);
          decision = limitDecision(channel, r.value, this.#active.get(limitKey), limits, set && describeSet(set));
        } else {
          decision = limitDecision(channel, r.value, this.#active.get(limitKey));
        }
        if (channel.debounce) decision = this.#debounced(chKey, channel, decision, limitKey, r.time, late);
        if (decision && (!late || raises(decision))) await this.#decided(sc, name, decision, r.value, r.time, changes, batch);

        if (detector && !late) {
          const violation = detector.observe(channel, r.time, r.value);
          if (violation !== undefined) {
            const d = decide('anomaly', this.#active.get(anomalyKey), violation, channel.returnToNormal, 'no anomalous reading for a minute');
            if (d) await this.#decided(sc, name, d, r.value, r.time, changes, batch);
          }
        }
      }
      this.#lastTime.set(chKey, last);
    }
    return batch.readings.length;
  }

  /** Holds back a raise until the channel's run past its limits is long enough; late readings neither count nor raise. */
  #debounced(chKey: string, channel: RevisedChannel, decision: Decision | undefined, limitKey: string, time: number, late: boolean): Decision | undefined {
    if (late) return raises(decision) ? undefined : decision;
    const active = this.#active.get(limitKey);
    // Past a limit: a decision to raise or change, or none while an alert stands at the same severity.
    const off = raises(decision) || decision?.kind === 'change' || (decision === undefined && active !== undefined && !active.returned);
    if (!off) {
      this.#runs.delete(chKey);
      return decision;
    }
    const run = extend(this.#runs.get(chKey), time);
    this.#runs.set(chKey, run);
    return raises(decision) && !ready(run, channel.debounce!) ? undefined : decision;
  }

  /** The channel's detector, made when its definition names one or names another; an anomaly alert left without one resolves. */
  async #detectorOf(chKey: string, anomalyKey: string, channel: RevisedChannel, changes: Changes, cause: ProcessedBatch): Promise<AnomalyWatch | undefined> {
    const held = this.#detectors.get(chKey);
    if (!channel.detector) {
      if (held) this.#detectors.delete(chKey);
      const active = this.#active.get(anomalyKey);
      if (active && !active.returned) await this.#decided(cause.spacecraft, channel.name, { kind: 'resolve', id: active.id, comment: 'detector removed' }, null, this.#now(), changes, cause);
      return undefined;
    }
    if (held?.revision === channel.revision) return held.watch;
    // A new revision keeps what the detector learnt unless it names another detector.
    const watch = held && held.watch.spec === JSON.stringify(channel.detector) ? held.watch : new AnomalyWatch(channel.detector);
    this.#detectors.set(chKey, { watch, revision: channel.revision });
    return watch;
  }

  #track(change: AlertChange): AlertChange {
    const k = key(change.alert.spacecraft, change.alert.channel, change.alert.rule);
    if (change.to === 'resolved') this.#active.delete(k);
    else this.#active.set(k, activeOf(change.alert));
    this.#deps.onTransition?.(change);
    return change;
  }

  /** Applies a decision and lists the change stored. */
  async #decided(spacecraft: string, channel: string, decision: Decision | undefined, value: number | null, at: number, changes: Changes, batch?: ProcessedBatch): Promise<void> {
    if (!decision) return;
    const traceparent = activeTraceparent();
    // The event is sent later, by the publisher: it carries the trace of the analysis that made it.
    const cause = batch && { batchId: batch.batchId, receivedAt: batch.receivedAt, ...(traceparent && { traceparent }) };
    const change = await this.#apply(spacecraft, channel, decision, value, at, cause);
    if (change) changes.push(change);
  }

  async #apply(spacecraft: string, channel: string, decision: Decision, value: number | null, at: number, cause: AlertCause | undefined): Promise<AlertChange | undefined> {
    const { alerts } = this.#deps;
    let change: AlertChange | undefined;
    switch (decision.kind) {
      case 'open':
        try {
          return this.#track(await alerts.open({
            spacecraft, channel, rule: decision.rule, severity: decision.severity, value, threshold: decision.threshold, message: decision.message,
            ...(decision.score !== undefined && { score: decision.score }), at,
          }, cause));
        } catch (error) {
          if (!(error instanceof UniqueViolationError)) throw error;
          // Another analyzer (or an earlier life of this one) opened it: adopt it.
          const existing = (await alerts.list({ spacecraft, channel, limit: 20 })).find((a) => a.rule === decision.rule && a.state !== 'resolved');
          if (existing) this.#active.set(key(spacecraft, channel, decision.rule), activeOf(existing));
          return undefined;
        }
      case 'change':
        change = await alerts.changeSeverity(decision.id, decision.severity, value, decision.threshold, decision.message, at, cause);
        break;
      case 'reraise':
        change = await alerts.reraise(decision.id, { ...decision.violation, value }, at, cause);
        break;
      case 'return':
        change = await alerts.returnToNormal(decision.id, value, at, decision.comment, cause);
        break;
      case 'resolve':
        change = await alerts.resolve(decision.id, value, at, decision.comment, cause);
        break;
    }
    if (change) return this.#track(change);
    // Resolved meanwhile (by an operator, or another analyzer): forget it.
    for (const [k, a] of this.#active) if (a.id === decision.id) this.#active.delete(k);
    return undefined;
  }
}
