/**
 * The live stream (`GET /v1/stream`, Server-Sent Events) shared by every view. It
 * reconnects by itself, with backoff, whether the connection dropped or the server
 * answered with an error while restarting (EventSource gives up on those). Every
 * (re)connection is announced, so that each view backfills what it missed from the
 * history API: a server restart leaves nothing to resume from on the server's side.
 */
import type { StreamAlert, StreamTelemetry } from '../api.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface Connected {
  /** False for the first connection of the page. */
  reconnect: boolean;
}

export interface LiveEvents {
  telemetry: StreamTelemetry;
  alert: StreamAlert;
  connected: Connected;
  state: ConnectionState;
}

type Listener<T> = (value: T) => void;

const BACKOFF_MS = [500, 1000, 2000, 4000];

export class LiveStream {
  readonly #url: string;
  #source: EventSource | undefined;
  #state: ConnectionState = 'connecting';
  #attempt = 0;
  #connectedOnce = false;
  #lostAt: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #listeners: { [K in keyof LiveEvents]: Set<Listener<LiveEvents[K]>> } = { telemetry: new Set(), alert: new Set(), connected: new Set(), state: new Set() };

  constructor(url = '/v1/stream') {
    this.#url = url;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** When the connection was lost, while it is. */
  get lostAt(): number | undefined {
    return this.#state === 'live' ? undefined : this.#lostAt;
  }

  start(): void {
    if (this.#source || this.#timer) return;
    this.#open();
  }

  on<K extends keyof LiveEvents>(event: K, listener: Listener<LiveEvents[K]>): () => void {
    const set: Set<Listener<LiveEvents[K]>> = this.#listeners[event];
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  #open(): void {
    this.#timer = undefined;
    const source = new EventSource(this.#url);
    this.#source = source;
    source.onopen = () => {
      this.#attempt = 0;
      const connected: Connected = { reconnect: this.#connectedOnce };
      this.#connectedOnce = true;
      this.#setState('live');
      for (const l of this.#listeners.connected) l(connected);
    };
    source.onerror = () => {
      // Reconnect on our own terms: EventSource stops for good after an error status.
      source.close();
      if (this.#source !== source) return;
      this.#source = undefined;
      if (this.#state === 'live') this.#lostAt = Date.now();
      this.#setState(this.#connectedOnce ? 'reconnecting' : 'connecting');
      const delay = BACKOFF_MS[Math.min(this.#attempt++, BACKOFF_MS.length - 1)]!;
      this.#timer = setTimeout(() => this.#open(), delay);
    };
    source.addEventListener('telemetry', (e) => this.#emit('telemetry', JSON.parse((e as MessageEvent<string>).data) as StreamTelemetry));
    source.addEventListener('alert', (e) => this.#emit('alert', JSON.parse((e as MessageEvent<string>).data) as StreamAlert));
  }

  #emit<K extends 'telemetry' | 'alert'>(event: K, value: LiveEvents[K]): void {
    const set: Set<Listener<LiveEvents[K]>> = this.#listeners[event];
    for (const l of set) l(value);
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const l of this.#listeners.state) l(state);
  }
}

/** The page's one stream. */
export const live = new LiveStream();
