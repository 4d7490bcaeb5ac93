/**
 * A stand-in for Logstash's `tcp` input with the `json_lines` codec: accepts connections
 * on loopback and parses every line as JSON; a line that does not parse is a test failure
 * (kept in `bad`). Can be stopped and started again on the same port, to play an outage.
 */
import { createServer, type Server, type Socket } from 'node:net';
import readline from 'node:readline';

export interface JsonLinesReceiver {
  port: number;
  url: string;
  /** Every object received, in arrival order. */
  received: Record<string, unknown>[];
  /** Lines that were not JSON objects. */
  bad: string[];
  connections: number;
  /** Stops listening and cuts every open connection. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Cuts open connections without stopping to listen. */
  dropConnections(): void;
}

export async function jsonLinesReceiver(port = 0): Promise<JsonLinesReceiver> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const receiver: JsonLinesReceiver = {
    port, url: '', received: [], bad: [], connections: 0,
    async start() {
      server = createServer((socket) => {
        receiver.connections += 1;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
        readline.createInterface({ input: socket }).on('line', (line) => {
          if (!line.trim()) return;
          try {
            const value = JSON.parse(line);
            if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
            receiver.received.push(value);
          } catch {
            receiver.bad.push(line);
          }
        });
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(receiver.port, '127.0.0.1', () => resolve());
      });
      receiver.port = (server.address() as { port: number }).port;
      receiver.url = `tcp://127.0.0.1:${receiver.port}`;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    async stop() {
      const s = server;
      server = undefined;
      receiver.dropConnections();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await receiver.start();
  return receiver;
}
