/**
 * A webhook receiver on 127.0.0.1, as a user would write one: it verifies each request's
 * signature with the secret of its path, keeps what it got, and answers as told.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OrbitChild } from './orbit.ts';

export interface Received {
  path: string;
  deliveryId: string;
  timestamp: string;
  signed: boolean;
  body: any;
  raw: string;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly secrets = new Map<string, string>();
  /** Status to answer, per path and per request (by count of requests so far on the path); 200 when unset. */
  answer: (path: string, count: number) => number = () => 200;
  #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const expected = Buffer.from(`sha256=${createHmac('sha256', this.secrets.get(path) ?? '').update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['orbit-signature'] ?? ''));
      const count = this.received.filter((r) => r.path === path).length;
      this.received.push({
        path, deliveryId: String(req.headers['orbit-delivery']), timestamp: String(req.headers['orbit-timestamp']),
        signed: given.length === expected.length && timingSafeEqual(given, expected), body: JSON.parse(raw.toString('utf8')), raw: raw.toString('utf8'),
      });
      res.writeHead(this.answer(path, count)).end();
    });
  });

  url = '';
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }
}

/** Creates a notification route to `path` of the receiver, which learns the route's secret from the answer. */
export async function routeTo(orbit: Pick<OrbitChild, 'api'>, receiver: WebhookReceiver, path: string, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await orbit.api('/v1/notification-routes', { method: 'POST', json: { name: path, url: `${receiver.url}${path}`, ...body } });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`route not created: ${res.status} ${text}`);
  const route = JSON.parse(text);
  if (typeof route.secret !== 'string') throw new Error('the created route does not show its secret');
  receiver.secrets.set(path, route.secret);
  return route;
}
