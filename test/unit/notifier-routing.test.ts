import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliveryBody } from '../../src/components/notifier/payload.ts';
import { isShelved, routeMatches, routesFor, transitionKey } from '../../src/components/notifier/routing.ts';
import { signature, verifySignature } from '../../src/components/notifier/signature.ts';
import { postWebhook } from '../../src/components/notifier/webhook.ts';
import type { AlertEvent } from '../../src/core/messages.ts';
import type { NotificationRoute } from '../../src/core/notifications.ts';
import type { Alert } from '../../src/core/schemas.ts';

const AT = Date.parse('2026-12-01T10:00:00Z');

function alert(overrides: Partial<Alert> & Record<string, unknown> = {}): Alert {
  return {
    id: 'a-1', spacecraft: 'sc-1', channel: 'temp', rule: 'limit', severity: 'critical', state: 'open', value: 99, threshold: 50,
    message: 'temp = 99 is above its red limit 50', openedAt: new Date(AT).toISOString(), updatedAt: new Date(AT).toISOString(), ...overrides,
  } as Alert;
}

function event(a: Alert = alert(), transition: Partial<AlertEvent['transition']> = {}): AlertEvent {
  // Cast: events of later releases carry more fields about the transition (who, why), which routing ignores.
  return { alert: a, transition: { from: null, to: a.state, severity: a.severity, at: AT, ...transition } as AlertEvent['transition'] };
}

function route(overrides: Partial<NotificationRoute> = {}): NotificationRoute {
  return { id: 'r-1', name: 'ops', url: 'http://127.0.0.1:1/hook', enabled: true, createdAt: new Date(AT).toISOString(), ...overrides };
}

test('HMAC-SHA256 signature: RFC 4231 test case 2, as sha256=<hex>', () => {
  assert.equal(signature('what do ya want for nothing?', 'Jefe'), 'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  // The same bytes given as a buffer sign the same.
  assert.equal(signature(Buffer.from('what do ya want for nothing?'), 'Jefe'), signature('what do ya want for nothing?', 'Jefe'));
});

test('a signature verifies only for the exact body and secret', () => {
  const body = '{"deliveryId":"d-1"}';
  const header = signature(body, 'a-secret-of-sixteen');
  assert.ok(verifySignature(body, 'a-secret-of-sixteen', header));
  assert.ok(!verifySignature(`${body} `, 'a-secret-of-sixteen', header), 'a changed body');
  assert.ok(!verifySignature(body, 'another-secret-sixteen', header), 'another secret');
  assert.ok(!verifySignature(body, 'a-secret-of-sixteen', header.slice(0, -2)), 'a truncated header');
  assert.ok(!verifySignature(body, 'a-secret-of-sixteen', undefined), 'no header');
});

test('a route matches by mission, severity and rule; absent filters match everything, a disabled route nothing', () => {
  const e = event();
  assert.ok(routeMatches(route(), e, 'm-1'));
  assert.ok(routeMatches(route(), e, undefined), 'a spacecraft the catalogue does not know still reaches routes of every mission');
  assert.ok(routeMatches(route({ missionId: 'm-1' }), e, 'm-1'));
  assert.ok(!routeMatches(route({ missionId: 'm-2' }), e, 'm-1'));
  assert.ok(!routeMatches(route({ missionId: 'm-1' }), e, undefined));
  assert.ok(routeMatches(route({ severities: ['warning', 'critical'] }), e, 'm-1'));
  assert.ok(!routeMatches(route({ severities: ['warning'] }), e, 'm-1'));
  assert.ok(routeMatches(route({ rules: ['limit'] }), e, 'm-1'));
  assert.ok(!routeMatches(route({ rules: ['stale'] }), e, 'm-1'));
  assert.ok(!routeMatches(route({ enabled: false }), e, 'm-1'));
  // Severity is the transition's: a warning that escalates to critical reaches critical-only routes.
  assert.ok(routeMatches(route({ severities: ['critical'] }), event(alert({ severity: 'critical' }), { from: 'open', to: 'open', severity: 'critical' }), 'm-1'));
  assert.deepEqual(routesFor(e, 'm-1', [route({ id: 'a' }), route({ id: 'b', rules: ['stale'] }), route({ id: 'c', missionId: 'm-1' })]).map((r) => r.id), ['a', 'c']);
});

test('a shelved alert does not notify: shelved state, or a shelf that ends after the change', () => {
  const routes = [route()];
  assert.ok(isShelved(alert({ state: 'shelved' }), AT));
  assert.deepEqual(routesFor(event(alert({ state: 'shelved' }), { from: 'open', to: 'shelved' }), 'm-1', routes), []);
  // The shelf's end is compared with the change's time, not the clock, so a late reading decides the same.
  const shelfUntil = new Date(AT + 60_000).toISOString();
  assert.ok(isShelved(alert({ shelvedUntil: shelfUntil }), AT));
  assert.deepEqual(routesFor(event(alert({ shelvedUntil: shelfUntil })), 'm-1', routes), []);
  assert.ok(!isShelved(alert({ shelvedUntil: new Date(AT - 1).toISOString() }), AT), 'a shelf that ended before the change');
  assert.ok(!isShelved(alert({ shelvedUntil: 'not a time' }), AT));
  // Unshelved and still violated: notified again.
  assert.equal(routesFor(event(alert({ state: 'open' }), { from: 'shelved', to: 'open' }), 'm-1', routes).length, 1);
});

test('a transition key names time, states, severity and (when events carry it) the action', () => {
  const opened = event();
  assert.equal(transitionKey(opened), transitionKey(event()), 'the same change, read twice');
  const escalated = event(alert(), { from: 'open', to: 'open', severity: 'critical', at: AT + 1 });
  const resolved = event(alert({ state: 'resolved' }), { from: 'open', to: 'resolved' });
  const keys = new Set([opened, escalated, resolved].map(transitionKey));
  assert.equal(keys.size, 3);
  const withAction = { ...opened, transition: { ...opened.transition, action: 'comment' } } as AlertEvent;
  assert.notEqual(transitionKey(withAction), transitionKey(opened));
});

test('the body carries the delivery, the route, the mission and the change, times in ISO 8601', () => {
  const body = JSON.parse(deliveryBody('d-1', route(), 'm-1', { ...event(), batchId: 'b-1', receivedAt: AT + 5 }));
  assert.equal(body.deliveryId, 'd-1');
  assert.deepEqual(body.route, { id: 'r-1', name: 'ops' });
  assert.equal(body.missionId, 'm-1');
  assert.equal(body.alert.id, 'a-1');
  assert.deepEqual(body.transition, { from: null, to: 'open', severity: 'critical', at: '2026-12-01T10:00:00.000Z' });
  assert.equal(body.batchId, 'b-1');
  assert.equal(body.receivedAt, '2026-12-01T10:00:00.005Z');
  assert.equal('missionId' in JSON.parse(deliveryBody('d-1', route(), undefined, event())), false);
});

test('a webhook try: signed headers on success; a failing answer, a refused connection and a timeout become outcomes', async () => {
  const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let answer = (res: http.ServerResponse) => void res.writeHead(204).end();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
      seen.push({ headers: req.headers, body });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const request = { url, secret: 'a-secret-of-sixteen', deliveryId: 'd-1', body: '{"x":1}', timeoutMs: 300, now: AT };
  try {
    assert.deepEqual(await postWebhook(request), { ok: true, status: 204 });
    const [first] = seen;
    assert.equal(first!.body, '{"x":1}');
    assert.equal(first!.headers['content-type'], 'application/json');
    assert.equal(first!.headers['orbit-delivery'], 'd-1');
    assert.equal(first!.headers['orbit-timestamp'], '2026-12-01T10:00:00.000Z');
    assert.ok(verifySignature(first!.body, 'a-secret-of-sixteen', first!.headers['orbit-signature'] as string));

    answer = (res) => void res.writeHead(500).end('database   down\n'.repeat(40));
    const failed = await postWebhook(request);
    assert.equal(failed.ok, false);
    assert.equal(failed.status, 500);
    assert.match(failed.error!, /^receiver answered 500: database down/);
    assert.ok(failed.error!.length < 260, 'only an excerpt of the answer is kept');

    answer = (res) => void res.writeHead(302, { location: 'http://example.invalid/' }).end();
    assert.match((await postWebhook(request)).error!, /302 \(redirects are not followed\)/);

    answer = (res) => void setTimeout(() => res.writeHead(200).end(), 2000);
    assert.deepEqual(await postWebhook(request), { ok: false, error: 'no answer within 300 ms' });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  // The server is closed: its port now refuses.
  const refused = await postWebhook(request);
  assert.equal(refused.ok, false);
  assert.match(refused.error!, /ECONNREFUSED/);
});
