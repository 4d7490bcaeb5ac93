import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { pino } from 'pino';
import { Type } from 'typebox';
import { createHttpServer, PROBLEM_JSON, type HttpServer } from '../../src/platform/http.ts';

describe('every error the HTTP server answers is problem+json', () => {
  let http: HttpServer;

  before(async () => {
    http = await createHttpServer({ logger: pino({ level: 'silent' }), maxBodyBytes: 4096, version: 'test' });
    http.post('/v1/things', { config: { access: 'public' }, schema: { body: Type.Object({ name: Type.String() }) } }, (request) => request.body);
    http.get('/v1/things', { config: { access: 'public' } }, () => []);
    http.get('/v1/things/:id', { config: { access: 'public' } }, (request) => ({ id: (request.params as { id: string }).id }));
    http.delete('/v1/things/:id', { config: { access: 'public' } }, () => ({}));
    http.get('/files/*', { config: { access: 'public' } }, (_request, reply) => reply.callNotFound());
    await http.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => http.close());

  const problem = async (response: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number) => {
    assert.equal(response.statusCode, status);
    assert.ok(String(response.headers['content-type']).startsWith(PROBLEM_JSON), String(response.headers['content-type']));
    const body = response.json() as { status: number; detail: string };
    assert.equal(body.status, status);
    return body;
  };

  test('a body-taking route without a Content-Type answers 415, body or no body', async () => {
    assert.match((await problem(await http.inject({ method: 'POST', url: '/v1/things' }), 415)).detail, /no Content-Type/);
    const untyped = await http.inject({ method: 'POST', url: '/v1/things', payload: Buffer.from('{"name":"a"}'), headers: { 'content-type': undefined } });
    assert.match((await problem(untyped, 415)).detail, /content type/i);
    assert.equal((await http.inject({ method: 'POST', url: '/v1/things', payload: { name: 'a' } })).statusCode, 200);
  });

  test('a method the path does not serve answers 405 with Allow; an unknown path 404', async () => {
    const collection = await http.inject({ method: 'PUT', url: '/v1/things' });
    await problem(collection, 405);
    assert.equal(collection.headers.allow, 'GET, HEAD, POST');
    const item = await http.inject({ method: 'POST', url: '/v1/things/42?x=1' });
    await problem(item, 405);
    assert.equal(item.headers.allow, 'DELETE, GET, HEAD');
    await problem(await http.inject({ method: 'GET', url: '/v1/nothing' }), 404);
    await problem(await http.inject({ method: 'GET', url: '/files/missing.js' }), 404);
    await problem(await http.inject({ method: 'PUT', url: '/files/missing.js' }), 405);
  });

  test('a path parameter past its length answers 414; a malformed URL 400', async () => {
    await problem(await http.inject({ method: 'GET', url: `/v1/things/${'x'.repeat(200)}` }), 414);
    await problem(await http.inject({ method: 'GET', url: '/v1/things/%zz' }), 400);
  });

  test('what Node refuses before routing (headers too large, not HTTP) is answered as a problem too', async () => {
    const { port } = http.server.address() as { port: number };
    const raw = (request: string) => new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(request));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
    const large = await raw(`GET /v1/things HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`);
    assert.match(large, /^HTTP\/1\.1 431 /);
    assert.match(large, /content-type: application\/problem\+json/i);
    assert.equal(JSON.parse(large.slice(large.indexOf('\r\n\r\n') + 4)).status, 431);
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.equal(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)).status, 400);
  });
});
