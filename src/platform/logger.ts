/**
 * Structured JSON logs on stdout, also fed to the log index so they can be searched
 * from the API. Entries written before the index is open wait in a bounded buffer.
 */
import { waitAtMost } from '../lib/wait-at-most.ts';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogEntry, LogLevel } from '../core/log-entry.ts';

/** Where shipped logs go: the log index. */
export interface LogSink {
  index(entries: LogEntry[]): Promise<void>;
}

const MAX_PENDING = 10_000;
const FLUSH_MS = 500;

/** Collects log lines and hands them to the log index in batches. */
export class LogShipper extends Writable {
  #index: LogSink | undefined;
  #pending: LogEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #service: string;

  constructor(service: string) {
    super({ decodeStrings: false });
    this.#service = service;
  }

  override _write(chunk: string | Buffer, _encoding: string, done: (error?: Error | null) => void): void {
    try {
      const { time, level, msg, module, trace_id, span_id, pid: _pid, hostname: _hostname, service: _service, ...fields } = JSON.parse(String(chunk));
      if (this.#pending.length >= MAX_PENDING) this.#pending.shift();
      this.#pending.push({
        time, level: (level as LogLevel) ?? 'info', msg: msg ?? '', service: this.#service,
        ...(module && { module }), ...(trace_id && { traceId: trace_id }), ...(span_id && { spanId: span_id }),
        ...(Object.keys(fields).length && { fields }),
      });
      this.#schedule();
    } catch {
      // A line that is not JSON is still on stdout; the index skips it.
    }
    done();
  }

  attach(index: LogSink): void {
    this.#index = index;
    this.#schedule();
  }

  /** A last flush, bounded: a log index that is away must not hold up the shutdown. */
  async detach(budgetMs = 1000): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await waitAtMost(this.flush(), budgetMs);
    this.#index = undefined;
  }

  async flush(): Promise<void> {
    if (!this.#index || !this.#pending.length) return;
    const entries = this.#pending;
    this.#pending = [];
    try {
      await this.#index.index(entries);
    } catch (error) {
      // Entries the index refuses as malformed would never go in; through an outage, keep them (bounded) for the next flush.
      if (error instanceof TypeError || !this.#index) return;
      this.#pending = [...entries, ...this.#pending].slice(-MAX_PENDING);
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#timer || !this.#index) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, FLUSH_MS);
    this.#timer.unref();
  }
}

/** Log lines for people: time, level, module and message on one line, the other fields after it. The log index gets JSON whatever this says. */
export function prettyLines(destination: NodeJS.WritableStream = process.stdout): NodeJS.WritableStream {
  return pretty({
    destination, sync: true, colorize: 'isTTY' in destination && Boolean(destination.isTTY), translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,module', messageFormat: '{if module}{module}: {end}{msg}', singleLine: true,
  });
}

/** `mixin` adds fields to every line, e.g. the trace and span ids of the span it is written in. */
export function createLogger(level: string, service: string, destination: NodeJS.WritableStream = process.stdout, mixin?: () => object): { logger: Logger; shipper: LogShipper } {
  const shipper = new LogShipper(service);
  const logger = pino(
    { level, base: { service, pid: process.pid }, timestamp: pino.stdTimeFunctions.epochTime, formatters: { level: (label) => ({ level: label }) }, ...(mixin && { mixin }) },
    pino.multistream([{ stream: destination, level: level as pino.Level }, { stream: shipper, level: level as pino.Level }]),
  );
  return { logger, shipper };
}
