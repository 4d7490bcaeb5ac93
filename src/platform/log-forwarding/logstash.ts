/**
 * Logstash's `tcp` input with the `json_lines` codec: one JSON object per line over one
 * long-lived TCP connection, opened when the first batch goes and again, after a backoff,
 * whenever it breaks.
 *
 * TCP says nothing about what the other end has read: a write that completed may still be
 * lost if the connection breaks just after. So lines written in the last `inDoubtMs` are
 * kept, and handed back through `onUndelivered` if the connection closes before that time
 * has passed; delivery is at least once (a line may arrive twice after a broken connection),
 * never silently lost. A write that fails outright fails its batch, which is then retried.
 */
import { createConnection, type Socket } from 'node:net';
import type { Transport } from './forwarder.ts';

export interface LogstashOptions {
  /** tcp://host:port */
  url: string;
  /** How long connecting, or one write, may take. Default 5 s. */
  timeoutMs?: number;
  /** How long after its write a line still counts as possibly undelivered. Default 2 s. */
  inDoubtMs?: number;
  /** Lines the broken connection may not have delivered, to be sent again. */
  onUndelivered?(lines: string[]): void;
}

export function logstashAddress(url: string): { host: string; port: number } {
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(url);
  const port = Number(match?.[2]);
  if (!match || !(port > 0 && port < 65536)) throw new TypeError(`Logstash URL must be tcp://host:port, not ${url}`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

export interface LogstashTransport extends Transport<string> {
  /** Lines written recently enough to be handed back if the connection breaks now. */
  readonly inDoubt: number;
}

export function logstashTransport(options: LogstashOptions): LogstashTransport {
  const { host, port } = logstashAddress(options.url);
  const where = `Logstash at tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const timeoutMs = options.timeoutMs ?? 5000;
  const inDoubtMs = options.inDoubtMs ?? 2000;
  let socket: Socket | undefined;
  let connecting: Promise<Socket> | undefined;
  let closed = false;
  let recent: { lines: string[]; at: number }[] = [];
  let recentCount = 0;

  const settle = () => {
    const cutoff = Date.now() - inDoubtMs;
    while (recent.length && recent[0]!.at < cutoff) recentCount -= recent.shift()!.lines.length;
  };

  /** The connection is gone: what it may not have delivered goes back to be sent again. */
  const lost = (which: Socket) => {
    if (socket !== which) return;
    socket = undefined;
    settle();
    const undelivered = recent.flatMap((r) => r.lines);
    recent = [];
    recentCount = 0;
    if (undelivered.length && !closed) options.onUndelivered?.(undelivered);
  };

  const connect = (): Promise<Socket> =>
    new Promise<Socket>((resolve, reject) => {
      const s = createConnection({ host, port });
      s.setTimeout(timeoutMs);
      const fail = (error: Error) => {
        s.destroy();
        reject(new Error(`${where} is unreachable: ${error.message}`));
      };
      s.once('error', fail);
      s.once('timeout', () => fail(new Error(`no connection within ${timeoutMs} ms`)));
      s.once('connect', () => {
        s.removeAllListeners('error');
        s.removeAllListeners('timeout');
        s.setTimeout(0);
        s.setKeepAlive(true, 10_000);
        // An idle connection never keeps the process alive.
        s.unref();
        // Logstash sends nothing back; reading keeps the end of the stream (its close) noticed.
        s.on('data', () => undefined);
        s.on('error', () => lost(s));
        s.on('end', () => {
          lost(s);
          s.destroy();
        });
        s.on('close', () => lost(s));
        socket = s;
        resolve(s);
      });
    });

  return {
    get inDoubt() {
      return recentCount;
    },

    async send(lines) {
      if (closed) throw new Error(`${where}: forwarder stopped`);
      const s = socket ?? (await (connecting ??= connect().finally(() => {
        connecting = undefined;
      })));
      settle();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          // A peer that stopped reading: give up on this connection; the batch is retried on the next.
          s.destroy();
          reject(new Error(`${where} did not take a batch within ${timeoutMs} ms`));
        }, timeoutMs);
        s.write(`${lines.join('\n')}\n`, (error) => {
          clearTimeout(timer);
          if (error) reject(new Error(`${where}: write failed: ${error.message}`));
          else resolve();
        });
      });
      if (socket !== s) throw new Error(`${where}: connection lost during the write`);
      recent.push({ lines, at: Date.now() });
      recentCount += lines.length;
    },

    async close() {
      closed = true;
      const s = socket;
      socket = undefined;
      if (!s) return;
      // Lines written go out before the FIN; a peer that is away gets no more than a moment.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          s.destroy();
          resolve();
        }, 1000);
        s.end(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
