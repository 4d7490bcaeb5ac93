/**
 * Analyzer: checks every processed reading against its channel's limits, watches for
 * channels that fall silent, and owns the alert lifecycle (at most one active alert per
 * spacecraft, channel and rule; auto-resolve with hysteresis; acknowledgement).
 * Every alert change is stored, then published on `alerts` keyed by spacecraft, so
 * one spacecraft's alerts keep their order.
 */
import { Counter, Gauge } from 'prom-client';
import { Type } from 'typebox';
import { defineModule } from '../../platform/modules.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { ProblemSchema } from '../../platform/http.ts';
import { notFound } from '../../platform/problem.ts';
import { Serial } from '../../lib/serial.ts';
import { TOPICS, type AlertEvent, type ProcessedBatch } from '../../core/messages.ts';
import { Acknowledge, Alert, AlertState, Severity } from '../../core/schemas.ts';
import { AlertStore, type AlertChange } from './alert-store.ts';
import { TelemetryStore } from '../telemetry/store.ts';
import { limitDecision, type ActiveAlert, type Decision } from './rules.ts';

const UNIQUE_VIOLATION = '23505';
const STALE_CHECK_MS = 1000;

interface Watch {
  seenAt: number;
  staleAfterMs: number;
}

export const analyzerModule = defineModule({
  name: 'analyzer',
  deps: ['missions', 'sql', 'events'],
  target: {
    description: 'Anomaly detection (limits, staleness) and the alert lifecycle',
    routes: ['GET /v1/alerts', 'GET /v1/alerts/{id}', 'POST /v1/alerts/{id}/acknowledge'],
  },
  async start({ config, http, metrics, logger, get }) {
    const catalog = get('missions');
    const events = get('events');
    const store = new AlertStore(get('sql'));
    const telemetry = new TelemetryStore(get('sql'));
    await events.createTopic(TOPICS.alerts, { partitions: config.events.partitions });
    await events.createTopic(TOPICS.processed, { partitions: config.events.partitions });

    const key = (spacecraft: string, channel: string, rule: string) => `${spacecraft}\u0000${channel}\u0000${rule}`;
    const active = new Map<string, ActiveAlert>();
    // Other analyzers change alerts too (each owns some spacecraft, and ownership moves when
    // analyzers come and go): the stored alerts are the truth, read at start and on every check.
    const refreshActive = async () => {
      const stored = await store.active();
      active.clear();
      for (const a of stored) active.set(key(a.spacecraft, a.channel, a.rule), { id: a.id, rule: a.rule, severity: a.severity });
    };
    await refreshActive();
    const lastTime = new Map<string, number>();
    const watches = new Map<string, Watch & { spacecraft: string; channel: string }>();
    // Channels that fell silent while no analyzer ran must still go stale: watch every
    // channel with a staleness interval from start, as if it had just reported.
    const started = Date.now();
    for (const c of (await get('sql').query<{ spacecraft_id: string; name: string; stale_after_seconds: number }>(
      'SELECT spacecraft_id, name, stale_after_seconds FROM channels WHERE stale_after_seconds IS NOT NULL',
    )).rows) {
      watches.set(key(c.spacecraft_id, c.name, ''), { spacecraft: c.spacecraft_id, channel: c.name, seenAt: started, staleAfterMs: c.stale_after_seconds * 1000 });
    }
    const serial = new Serial();

    const analyzed = new Counter({ name: 'orbit_analyzer_readings_total', help: 'Readings checked against alert rules', registers: [metrics] });
    const transitions = new Counter({ name: 'orbit_alert_transitions_total', help: 'Alert state changes', labelNames: ['rule', 'severity', 'to'], registers: [metrics] });
    new Gauge({
      name: 'orbit_alerts_active', help: 'Alerts not yet resolved, held by this analyzer', labelNames: ['severity'], registers: [metrics],
      collect() {
        this.reset();
        for (const a of active.values()) this.inc({ severity: a.severity });
      },
    });

    // Changes are stored before they are published. If the event log is away, they wait here and
    // go out first, in order, on the next publish (a redelivered batch finds nothing new to decide).
    let unpublished: { change: AlertChange; cause?: ProcessedBatch }[] = [];
    const publish = async (changes: { change: AlertChange; cause?: ProcessedBatch }[]) => {
      unpublished = [...unpublished, ...changes];
      if (!unpublished.length) return;
      const sending = unpublished;
      await events.publish<AlertEvent>(TOPICS.alerts, sending.map(({ change, cause }) => ({
        key: change.alert.spacecraft,
        value: {
          alert: change.alert,
          transition: { from: change.from, to: change.to, severity: change.alert.severity, at: change.at },
          ...(cause && { batchId: cause.batchId, receivedAt: cause.receivedAt }),
        },
        headers: cloudEventHeaders('orbit.alert.changed.v1', '/orbit/analyzer'),
      })));
      unpublished = unpublished.slice(sending.length);
    };

    const track = (change: AlertChange | undefined) => {
      if (!change) return undefined;
      const k = key(change.alert.spacecraft, change.alert.channel, change.alert.rule);
      if (change.to === 'resolved') active.delete(k);
      else active.set(k, { id: change.alert.id, rule: change.alert.rule, severity: change.alert.severity });
      transitions.inc({ rule: change.alert.rule, severity: change.alert.severity, to: change.to });
      return change;
    };

    const apply = async (spacecraft: string, channel: string, decision: Decision, value: number | null, at: number): Promise<AlertChange | undefined> => {
      switch (decision.kind) {
        case 'open':
          try {
            return track(await store.open({ spacecraft, channel, rule: decision.rule, severity: decision.severity, value, threshold: decision.threshold, message: decision.message, at }));
          } catch (error) {
            if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
            // Another analyzer (or an earlier life of this one) opened it: adopt it.
            const existing = (await store.list({ spacecraft, channel, limit: 20 })).find((a) => a.rule === decision.rule && a.state !== 'resolved');
            if (existing) active.set(key(spacecraft, channel, decision.rule), { id: existing.id, rule: existing.rule, severity: existing.severity });
            return undefined;
          }
        case 'change':
          return track(await store.changeSeverity(decision.id, decision.severity, value, decision.threshold, decision.message, at));
        case 'resolve': {
          const change = await store.resolve(decision.id, value, at, decision.comment);
          if (!change) for (const [k, a] of active) if (a.id === decision.id) active.delete(k);
          return track(change);
        }
      }
    };

    const onBatch = async (batch: ProcessedBatch, changes: { change: AlertChange; cause?: ProcessedBatch }[]) => {
      const view = await catalog.spacecraftWith(batch.spacecraft, new Set(batch.readings.map((r) => r.channel)));
      if (!view) return;
      const now = Date.now();
      for (const r of batch.readings) {
        const channel = view.channels.get(r.channel);
        if (!channel) continue;
        const chKey = key(batch.spacecraft, r.channel, '');
        if (channel.staleAfterSeconds) watches.set(chKey, { spacecraft: batch.spacecraft, channel: r.channel, seenAt: now, staleAfterMs: channel.staleAfterSeconds * 1000 });
        const stale = active.get(key(batch.spacecraft, r.channel, 'stale'));
        if (stale) {
          const change = await apply(batch.spacecraft, r.channel, { kind: 'resolve', id: stale.id, comment: 'readings resumed' }, null, now);
          if (change) changes.push({ change, cause: batch });
        }
        // A late reading (another processor delivered newer ones first, or a replay) still raises
        // the alert it shows, but must not change or resolve the state decided by newer ones.
        const late = (lastTime.get(chKey) ?? -Infinity) > r.time;
        if (!late) lastTime.set(chKey, r.time);
        if (typeof r.value !== 'number') continue;
        const decision = limitDecision(channel, r.value, active.get(key(batch.spacecraft, r.channel, 'limit')));
        if (!decision || (late && decision.kind !== 'open')) continue;
        const change = await apply(batch.spacecraft, r.channel, decision, r.value, r.time);
        if (change) changes.push({ change, cause: batch });
      }
      analyzed.inc(batch.readings.length);
    };

    const subscription = await events.subscribe<ProcessedBatch>({ group: 'analyzer', topics: [TOPICS.processed] }, (records) =>
      serial.run(async () => {
        const changes: { change: AlertChange; cause?: ProcessedBatch }[] = [];
        for (const record of records) await onBatch(record.value, changes);
        await publish(changes);
      }),
    );

    const checkStaleness = () =>
      serial.run(async () => {
        await refreshActive();
        const now = Date.now();
        const changes: { change: AlertChange }[] = [];
        for (const w of watches.values()) {
          if (now - w.seenAt <= w.staleAfterMs || active.has(key(w.spacecraft, w.channel, 'stale'))) continue;
          // With several analyzers, this channel's readings may go to another one: only the store knows it fell silent.
          const latest = await telemetry.latestTime(w.spacecraft, w.channel);
          if (latest !== undefined && now - latest <= w.staleAfterMs) {
            w.seenAt = latest;
            continue;
          }
          const seconds = w.staleAfterMs / 1000;
          const change = await apply(w.spacecraft, w.channel, { kind: 'open', rule: 'stale', severity: 'warning', threshold: seconds, message: `${w.channel}: no reading for more than ${seconds} s` }, null, now);
          if (change) changes.push({ change });
        }
        await publish(changes);
      }).catch((error: unknown) => logger.error({ err: error }, 'staleness check failed'));
    const staleTimer = setInterval(checkStaleness, STALE_CHECK_MS);

    const AlertQuery = Type.Object({
      state: Type.Optional(AlertState),
      spacecraft: Type.Optional(Type.String()),
      channel: Type.Optional(Type.String()),
      severity: Type.Optional(Severity),
      limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    });
    const IdParams = Type.Object({ id: Type.String() });

    http.get('/v1/alerts', { schema: { tags: ['alerts'], summary: 'List alerts, newest first', querystring: AlertQuery, response: { 200: Type.Array(Alert), 400: ProblemSchema } } }, (request) =>
      store.list(request.query),
    );
    http.get('/v1/alerts/:id', { schema: { tags: ['alerts'], summary: 'One alert with its history of transitions', params: IdParams, response: { 200: Alert, 404: ProblemSchema } } }, async (request) => {
      const alert = await store.get(request.params.id);
      if (!alert) throw notFound(`no alert "${request.params.id}"`);
      return alert;
    });
    http.post('/v1/alerts/:id/acknowledge', {
      schema: { tags: ['alerts'], summary: 'Acknowledge an open alert', params: IdParams, body: Acknowledge, response: { 200: Alert, 400: ProblemSchema, 404: ProblemSchema } },
    }, async (request) => {
      const change = await serial.run(async () => {
        const stored = await store.acknowledge(request.params.id, request.body.by, request.body.comment, Date.now());
        if (stored && stored.from !== stored.to) {
          track(stored);
          // The acknowledgement is stored: an event log that is away delays its event, not the answer.
          await publish([{ change: stored }]).catch((error: unknown) => logger.warn({ err: error, alert: stored.alert.id }, 'alert event held until the event log is back'));
        }
        return stored;
      });
      if (!change) throw notFound(`no alert "${request.params.id}"`);
      return change.alert;
    });

    return {
      value: undefined,
      isReady: () => events.isReady(),
      async stop() {
        clearInterval(staleTimer);
        await subscription.close();
        await serial.run(async () => undefined);
      },
    };
  },
});
