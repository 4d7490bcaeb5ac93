/**
 * Sends the alert outbox onto the `alerts` topic, keyed by spacecraft so one spacecraft's
 * events keep their order (one partition holds them). The events were stored with the
 * alert changes (src/stores/alerts/outbox.ts), so an event log that is away, or an
 * analyzer that dies, delays them and loses none: whichever analyzer is alive takes the
 * spacecraft's lease and sends them, at start, when woken after a change, and every second.
 *
 * Exactly once: a crash between sending and marking leaves events on the topic that the
 * store still calls unsent. So whenever a spacecraft's lease is new to its holder (or a
 * send failed, perhaps half done), the holder first reads the spacecraft's newest event on
 * the topic back (its `ce_sequence` header) and sends only what comes after it.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { TOPICS, type AlertEvent } from '../../core/messages.ts';
import { partitionForKey, type EventLog, type OutgoingEvent } from '../../engines/events/port.ts';
import { isUnavailable } from '../../engines/shared/unavailable.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import type { AlertOutbox, PendingEvent } from '../../stores/alerts/outbox.ts';

/** The header carrying an event's place in its spacecraft's order (the CloudEvents sequence extension). */
export const SEQUENCE_HEADER = 'ce_sequence';

const SWEEP_MS = 1000;
const CHUNK = 200;
const READ_PAGE = 500;
/** Sent events are looked for from this long before the oldest unsent one was stored: clocks of hosts differ. */
const CLOCK_SKEW_MS = 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;
const KEEP_SENT_MS = 24 * 3600_000;

export interface AlertPublisherOptions {
  events: EventLog;
  outbox: AlertOutbox;
  /** How long a lease lasts unless renewed; a dead holder's spacecraft wait this long for another. */
  leaseMs?: number;
  /** Told when passes start failing (the event log or the store away; once per streak); the events wait for the next. */
  onError?(error: unknown): void;
}

export function outgoingAlert(e: PendingEvent): OutgoingEvent<AlertEvent> {
  return {
    key: e.spacecraft,
    value: e.event,
    headers: { ...cloudEventHeaders('orbit.alert.changed.v1', '/orbit/analyzer', { id: `${e.spacecraft}:${e.seq}`, ...(e.traceparent && { traceparent: e.traceparent }) }), [SEQUENCE_HEADER]: String(e.seq) },
  };
}

export class AlertPublisher {
  /** Names this process's leases; a restarted analyzer is a new holder. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #events: EventLog;
  readonly #outbox: AlertOutbox;
  readonly #leaseMs: number;
  readonly #onError: (error: unknown) => void;
  /** Per spacecraft: the lease term under which `seq` (the newest event known on the topic) was learnt. */
  readonly #known = new Map<string, { term: number; seq: number }>();
  #running: Promise<void> | undefined;
  #again = false;
  #timers: NodeJS.Timeout[] = [];
  #prunedAt = 0;
  #failing = false;
  #stopped = false;

  constructor(options: AlertPublisherOptions) {
    this.#events = options.events;
    this.#outbox = options.outbox;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Sweeps what earlier lives left unsent, then keeps sending and keeps its leases alive. */
  start(): void {
    this.wake();
    this.#timers.push(
      setInterval(() => this.wake(), SWEEP_MS),
      // Renewed apart from the passes: a send waiting out an outage must not lose its lease.
      setInterval(() => void this.#outbox.renew(this.holder, this.#leaseMs).catch(this.#onError), this.#leaseMs / 3),
    );
  }

  /** Sends soon; a change was stored. */
  wake(): void {
    if (this.#stopped) return;
    this.flush().then(
      () => (this.#failing = false),
      (error: unknown) => {
        if (!this.#failing) this.#onError(error);
        this.#failing = true;
      },
    );
  }

  /** Sends what is unsent now (of the spacecraft whose lease it gets); rejects when a send failed. */
  flush(): Promise<void> {
    if (this.#running) {
      // One pass at a time; a change stored during a pass may have been missed by it: one more after.
      this.#again = true;
      return this.#running;
    }
    const run = (async () => {
      try {
        do {
          this.#again = false;
          await this.#pass();
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
    })();
    this.#running = run;
    return run;
  }

  /** Stops sending and lets its leases go, for another analyzer to take without waiting for them to run out. */
  async stop(): Promise<void> {
    // A change stored after this (a late request) waits for the next analyzer.
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    await this.#running?.catch(() => undefined);
    await this.#outbox.release(this.holder).catch(this.#onError);
  }

  async #pass(): Promise<void> {
    let failed: unknown;
    for (const spacecraft of await this.#outbox.waiting()) {
      // One spacecraft's failure (its partition's leader away) does not hold back the others; an outage would fail them all, each after a wait.
      await this.#send(spacecraft).catch((error: unknown) => (failed ??= error));
      if (failed !== undefined && isUnavailable(failed)) break;
    }
    if (Date.now() - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = Date.now();
      await this.#outbox.prune(KEEP_SENT_MS);
    }
    if (failed !== undefined) throw failed;
  }

  async #send(spacecraft: string): Promise<void> {
    for (;;) {
      const leasedAt = Date.now();
      const term = await this.#outbox.lease(spacecraft, this.holder, this.#leaseMs);
      if (term === undefined) {
        // Another live analyzer sends this spacecraft's events.
        this.#known.delete(spacecraft);
        return;
      }
      const batch = await this.#outbox.pending(spacecraft, CHUNK);
      if (!batch.length) return;
      let known = this.#known.get(spacecraft);
      if (known?.term !== term) {
        const since = Math.min(...batch.map((e) => e.createdAt)) - CLOCK_SKEW_MS;
        known = { term, seq: await this.#lastOnTopic(spacecraft, since) };
        this.#known.set(spacecraft, known);
      }
      // A slow read-back used up much of the lease: renew it before sending, not during.
      if (Date.now() - leasedAt > this.#leaseMs / 2) continue;
      const after = known.seq;
      const fresh = batch.filter((e) => e.seq > after);
      if (fresh.length) {
        try {
          await this.#events.publish(TOPICS.alerts, fresh.map(outgoingAlert));
        } catch (error) {
          // Some may be written: read the topic back before sending again.
          this.#known.delete(spacecraft);
          throw error;
        }
        known.seq = fresh.at(-1)!.seq;
      }
      await this.#outbox.published(spacecraft, batch.at(-1)!.seq);
      if (batch.length < CHUNK) return;
    }
  }

  /** The sequence number of the spacecraft's newest event on the topic sent since `since` (0 if none). */
  async #lastOnTopic(spacecraft: string, since: number): Promise<number> {
    const topic = TOPICS.alerts;
    const partition = partitionForKey(spacecraft, await this.#events.partitions(topic));
    let offset = await this.#events.offsetForTime(topic, partition, Math.max(0, since));
    let last = 0;
    for (;;) {
      const records = await this.#events.read<AlertEvent>(topic, partition, offset, READ_PAGE);
      if (!records.length) return last;
      for (const r of records) {
        const seq = Number(r.headers[SEQUENCE_HEADER]);
        if (r.key === spacecraft && seq > last) last = seq;
      }
      offset = records.at(-1)!.offset + 1;
    }
  }
}
