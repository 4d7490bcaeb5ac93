/**
 * Structured JSON logs on stdout, also fed to the log index so they can be searched
 * from the API (and, when configured, to Loki or Logstash: see log-forwarding/).
 * Entries written before the index is open wait in a bounded buffer.
 */
import { BatchForwarder, BatchRejectedError } from './log-forwarding/forwarder.ts';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogEntry, LogLevel } from '../core/log-entry.ts';

/** Where shipped logs go: the log index. */
export interface LogSink {
  index(entries: LogEntry[]): Promise<void>;
}

/** One log line as pino wrote it: `time` (epoch ms), `level` (its label), `msg`, and any other fields. */
export interface LogRecord {
  time: number;
  level: string;
  msg?: string;
  [field: string]: unknown;
}

/** Gets every log line once it is written: the parsed record, and the line itself. Must not throw or block. */
export type LogConsumer = (record: LogRecord, line: string) => void;

/**
 * Parses each JSON log line once and hands it to every consumer: the log index shipper,
 * and the forwarders to Loki or Logstash when they are configured.
 */
export class LogLines extends Writable {
  readonly #consumers = new Set<LogConsumer>();

  constructor() {
    super({ decodeStrings: false });
  }

  /** Adds a consumer; the function returned removes it. */
  add(consumer: LogConsumer): () => void {
    this.#consumers.add(consumer);
    return () => void this.#consumers.delete(consumer);
  }

  override _write(chunk: string | Buffer, _encoding: string, done: (error?: Error | null) => void): void {
    const line = String(chunk).trimEnd();
    let record: LogRecord | undefined;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      // A line that is not JSON is still on stdout; nothing else takes it.
    }
    if (record && typeof record === 'object') {
      for (const consumer of this.#consumers) {
        try {
          consumer(record, line);
        } catch {
          // One consumer's bug must not cost the others their lines, nor the logger its stream.
        }
      }
    }
    done();
  }
}

const MAX_PENDING = 10_000;
const FLUSH_MS = 500;

/**
 * Hands log lines to the log index in batches, through the same bounded forwarder as the
 * external log backends. Entries written before the index is open, or while it is away,
 * wait in the bounded buffer; entries the index refuses as malformed are dropped.
 */
export class LogShipper {
  readonly #forwarder = new BatchForwarder<LogEntry>({ maxBuffered: MAX_PENDING, batchSize: MAX_PENDING, flushMs: FLUSH_MS, backoff: { initialMs: FLUSH_MS, maxMs: 5000 } });
  readonly #service: string;

  constructor(service: string) {
    this.#service = service;
  }

  /** A consumer for LogLines. */
  readonly accept: LogConsumer = (record) => {
    const { time, level, msg, module, trace_id, span_id, pid: _pid, hostname: _hostname, service: _service, ...fields } = record;
    this.#forwarder.push({
      time, level: (level as LogLevel) ?? 'info', msg: (msg as string | undefined) ?? '', service: this.#service,
      ...(typeof module === 'string' && { module }), ...(typeof trace_id === 'string' && { traceId: trace_id }), ...(typeof span_id === 'string' && { spanId: span_id }),
      ...(Object.keys(fields).length && { fields }),
    });
  };

  /** Entries waiting for the index. */
  get pending(): number {
    return this.#forwarder.buffered;
  }

  attach(index: LogSink): void {
    this.#forwarder.start({
      send: async (entries) => {
        try {
          await index.index(entries);
        } catch (error) {
          // Entries the index refuses as malformed would never go in; through an outage, they are kept (bounded) for the next try.
          throw error instanceof TypeError ? new BatchRejectedError(error.message, { cause: error }) : error;
        }
      },
    });
  }

  /** A last flush, bounded: a log index that is away must not hold up the shutdown. */
  async detach(budgetMs = 1000): Promise<void> {
    await this.#forwarder.stop(budgetMs);
  }

  flush(): Promise<void> {
    return this.#forwarder.flush();
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
export function createLogger(level: string, service: string, destination: NodeJS.WritableStream = process.stdout, mixin?: () => object): { logger: Logger; shipper: LogShipper; lines: LogLines } {
  const shipper = new LogShipper(service);
  const lines = new LogLines();
  lines.add(shipper.accept);
  const logger = pino(
    { level, base: { service, pid: process.pid }, timestamp: pino.stdTimeFunctions.epochTime, formatters: { level: (label) => ({ level: label }) }, ...(mixin && { mixin }) },
    pino.multistream([{ stream: destination, level: level as pino.Level }, { stream: lines, level: level as pino.Level }]),
  );
  return { logger, shipper, lines };
}
