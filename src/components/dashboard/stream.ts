/**
 * The live stream as Server-Sent Events: `telemetry` (processed readings, one event per
 * spacecraft batch) and `alert` (every alert change). A client that cannot keep up
 * loses events rather than slowing the pipeline down.
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

export class EventStream {
  readonly #clients = new Set<Client>();
  readonly #onDrop: () => void;
  readonly #maxClients: number;

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
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
  }

  #send(event: string, spacecraft: string, data: () => unknown): void {
    let frame: string | undefined;
    for (const c of this.#clients) {
      if (c.spacecraft && c.spacecraft !== spacecraft) continue;
      if (c.allows && !c.allows(spacecraft)) continue;
      if (c.res.writableNeedDrain) {
        this.#onDrop();
        continue;
      }
      frame ??= `event: ${event}\ndata: ${JSON.stringify(data())}\n\n`;
      c.res.write(frame);
    }
  }
}
