/**
 * The live stream as Server-Sent Events: `telemetry` (processed readings, one event per
 * spacecraft batch) and `alert` (every alert change). A client that cannot keep up
 * loses events rather than slowing the pipeline down.
 *
 * The events of one turn of the event loop go out together, one write per client, and the
 * clients are written to a slice at a time, each slice a turn of its own: every write is a
 * system call, and with 5,000 clients writing each event to all of them at once held the
 * loop for 50-70 ms an event, hundreds of milliseconds a second (test/failure/flood.test.ts).
 */
import type { ServerResponse } from 'node:http';
import type { AlertEvent, ProcessedBatch } from '../../core/messages.ts';
import { toIso } from '../../core/time.ts';

interface Client {
  res: ServerResponse;
  spacecraft?: string;
  /** Whether this client may see a spacecraft's events (a key limited to missions); absent: every one. */
  allows?: (spacecraft: string) => boolean;
}

/** Clients written to in one turn of the event loop. */
const SLICE = 250;

interface Batch {
  frames: { spacecraft: string; frame: string }[];
  clients: Client[];
  next: number;
  all?: Buffer;
  bySpacecraft: Map<string, Buffer | null>;
}

export class EventStream {
  readonly #clients = new Set<Client>();
  readonly #onDrop: () => void;
  readonly #maxClients: number;
  /** Frames waiting for the end of this turn of the event loop, in order. */
  #pending: { spacecraft: string; frame: string }[] = [];
  #flush: NodeJS.Immediate | undefined;
  /** Batches of frames being written, oldest first, so that every client gets them in order. */
  readonly #batches: Batch[] = [];
  #slicing: NodeJS.Immediate | undefined;

  /** `maxClients`: clients held at most; each costs a socket and a share of every event's writes. */
  constructor(options: { onDrop?: () => void; maxClients?: number } = {}) {
    this.#onDrop = options.onDrop ?? (() => undefined);
    this.#maxClients = options.maxClients ?? Infinity;
  }

  get clients(): number {
    return this.#clients.size;
  }

  get full(): boolean {
    return this.#clients.size >= this.#maxClients;
  }

  add(res: ServerResponse, spacecraft?: string, allows?: (spacecraft: string) => boolean): void {
    const client = { res, spacecraft, allows };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n: connected\n\n');
    this.#clients.add(client);
    res.on('close', () => this.#clients.delete(client));
  }

  telemetry(batch: ProcessedBatch): void {
    if (!this.#clients.size) return;
    this.#send('telemetry', batch.spacecraft, () => ({
      batchId: batch.batchId,
      spacecraft: batch.spacecraft,
      readings: batch.readings.map((r) => ({ channel: r.channel, time: toIso(r.time), value: r.value, raw: r.raw })),
    }));
  }

  alert(event: AlertEvent): void {
    if (!this.#clients.size) return;
    this.#send('alert', event.alert.spacecraft, () => ({ ...event.alert, transition: { ...event.transition, at: toIso(event.transition.at) }, ...(event.batchId && { batchId: event.batchId }) }));
  }

  heartbeat(): void {
    for (const c of this.#clients) c.res.write(': ping\n\n');
  }

  close(): void {
    if (this.#flush) clearImmediate(this.#flush);
    if (this.#slicing) clearImmediate(this.#slicing);
    this.#batch();
    while (this.#batches.length) this.#writeSlice(Infinity);
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
  }

  #send(event: string, spacecraft: string, data: () => unknown): void {
    this.#pending.push({ spacecraft, frame: `event: ${event}\ndata: ${JSON.stringify(data())}\n\n` });
    this.#flush ??= setImmediate(() => this.#batch());
  }

  /** The frames of this turn become a batch for the clients connected now. */
  #batch(): void {
    this.#flush = undefined;
    if (!this.#pending.length) return;
    this.#batches.push({ frames: this.#pending, clients: [...this.#clients], next: 0, bySpacecraft: new Map() });
    this.#pending = [];
    this.#slicing ??= setImmediate(() => this.#slices());
  }

  #slices(): void {
    this.#slicing = undefined;
    this.#writeSlice(SLICE);
    if (this.#batches.length) this.#slicing = setImmediate(() => this.#slices());
  }

  /** Up to `count` clients of the oldest batch, its frames encoded once for all and once per spacecraft followed. */
  #writeSlice(count: number): void {
    const batch = this.#batches[0];
    if (!batch) return;
    const end = Math.min(batch.clients.length, batch.next + count);
    for (; batch.next < end; batch.next++) {
      const c = batch.clients[batch.next]!;
      if (!this.#clients.has(c)) continue;
      let bytes: Buffer | null | undefined;
      if (c.allows) {
        // A key limited to missions: this client's own selection, not shared with others.
        const frames = batch.frames.filter((p) => (!c.spacecraft || p.spacecraft === c.spacecraft) && c.allows!(p.spacecraft));
        bytes = frames.length ? Buffer.from(frames.map((p) => p.frame).join('')) : null;
      } else if (!c.spacecraft) bytes = batch.all ??= Buffer.from(batch.frames.map((p) => p.frame).join(''));
      else {
        bytes = batch.bySpacecraft.get(c.spacecraft);
        if (bytes === undefined) {
          const frames = batch.frames.filter((p) => p.spacecraft === c.spacecraft);
          bytes = frames.length ? Buffer.from(frames.map((p) => p.frame).join('')) : null;
          batch.bySpacecraft.set(c.spacecraft, bytes);
        }
      }
      if (!bytes) continue;
      if (c.res.writableNeedDrain) {
        this.#onDrop();
        continue;
      }
      c.res.write(bytes);
    }
    if (batch.next >= batch.clients.length) this.#batches.shift();
  }
}
