/**
 * One AMQP connection that comes back by itself: after a loss it reconnects with backoff
 * (capped at 5 s) for as long as it is open. Callers take the live connection with live(),
 * which waits a little for a reconnect and then fails naming the broker, never hanging.
 */
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { waitAtMost } from '../../lib/wait-at-most.ts';
import { backoffDelays, type BackoffOptions } from '../shared/backoff.ts';
import { EngineUnavailableError } from '../shared/unavailable.ts';

/** Reconnecting, and subscribing again, back off from 100 ms up to 5 s. */
export const RECONNECT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5000 };
const CONNECT_TIMEOUT_MS = 5000;

/** Orbit's own URL parameters, which the AMQP client must not see. */
const ORBIT_PARAMETERS = ['management'];

/** The URL as it may be shown: password and parameters left out. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '(unparseable RabbitMQ URL)';
  }
}

/** The broker cannot be reached, or lost the work in flight: the operation may be retried. */
export class RabbitUnavailableError extends EngineUnavailableError {
  constructor(message: string, options?: ErrorOptions) {
    super('RabbitMQ', message, options);
  }
}

export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch() and sockets put the useful part ("ECONNREFUSED ...") in the cause.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

export interface ConnectionSettings {
  /** How long an operation waits for a lost connection to come back before it fails. */
  reconnectWaitMs: number;
  heartbeatSeconds: number;
}

export class RabbitConnection {
  /** The broker's URL without its password, for messages. */
  readonly display: string;
  private readonly url: string;
  private readonly settings: ConnectionSettings;
  private model: ChannelModel | undefined;
  private lastError: string | undefined;
  private blockedReason: string | undefined;
  private readonly reconnectDelay = backoffDelays(RECONNECT_BACKOFF);
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  /** Bumped on every (re)connect: channels and declarations belong to one generation. */
  generation = 0;

  private constructor(url: string, settings: ConnectionSettings) {
    const parsed = new URL(url);
    for (const name of ORBIT_PARAMETERS) parsed.searchParams.delete(name);
    if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(settings.heartbeatSeconds));
    this.url = parsed.toString();
    this.display = maskUrl(url);
    this.settings = settings;
  }

  /** Connects once; rejects when the broker is unreachable (the caller retries at start-up). */
  static async open(url: string, settings: ConnectionSettings): Promise<RabbitConnection> {
    const connection = new RabbitConnection(url, settings);
    try {
      connection.adopt(await connection.connect());
    } catch (error) {
      throw new RabbitUnavailableError(`RabbitMQ at ${connection.display} is unreachable: ${errorText(error)}`, { cause: error });
    }
    return connection;
  }

  get connected(): boolean {
    return this.model !== undefined && !this.closed;
  }

  /** The live connection; waits up to reconnectWaitMs for one while reconnecting. */
  async live(): Promise<ChannelModel> {
    if (this.closed) throw new Error(`RabbitMQ connection to ${this.display} is closed`);
    if (this.model) return this.model;
    let wake = (): void => undefined;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
      this.waiters.add(resolve);
    });
    await waitAtMost(woken, this.settings.reconnectWaitMs);
    this.waiters.delete(wake);
    if (this.model) return this.model;
    if (this.closed) throw new Error(`RabbitMQ connection to ${this.display} is closed`);
    throw this.unavailable();
  }

  /** An error for work that could not reach the broker, saying why. */
  unavailable(detail?: string): RabbitUnavailableError {
    const why = detail ?? (this.model ? (this.blockedReason ? `the broker blocked publishing (${this.blockedReason})` : 'the connection failed') : `reconnecting (${this.lastError ?? 'connection lost'})`);
    return new RabbitUnavailableError(`RabbitMQ at ${this.display} is unavailable: ${why}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    for (const wake of this.waiters) wake();
    const model = this.model;
    this.model = undefined;
    await model?.close().catch(() => undefined);
  }

  private connect(): Promise<ChannelModel> {
    return amqp.connect(this.url, { timeout: CONNECT_TIMEOUT_MS, clientProperties: { connection_name: 'orbit task queue' } });
  }

  private adopt(model: ChannelModel): void {
    // Without an error listener an emitted connection error would crash the process.
    model.on('error', (error: Error) => {
      this.lastError = error.message;
    });
    model.on('blocked', (reason: string) => {
      this.blockedReason = reason;
    });
    model.on('unblocked', () => {
      this.blockedReason = undefined;
    });
    model.on('close', (error?: Error) => {
      if (this.model !== model) return;
      this.model = undefined;
      this.blockedReason = undefined;
      if (error) this.lastError = error.message;
      if (!this.closed) this.scheduleReconnect();
    });
    this.model = model;
    this.reconnectDelay.reset();
    this.generation += 1;
    for (const wake of this.waiters) wake();
  }

  private scheduleReconnect(): void {
    this.timer = setTimeout(() => void this.reconnect(), this.reconnectDelay());
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      const model = await this.connect();
      if (this.closed) {
        await model.close().catch(() => undefined);
        return;
      }
      this.adopt(model);
    } catch (error) {
      this.lastError = errorText(error);
      if (!this.closed) this.scheduleReconnect();
    }
  }
}
