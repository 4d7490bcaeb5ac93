/**
 * What fuzzing the API found in the HTTP platform, kept fixed: text holding U+0000 is a 400
 * naming the field (PostgreSQL cannot store it, and it answered 500); a method no route
 * serves is 405 even when Fastify wants a body of it (QUERY) or its path parameter is too
 * long; ids as long as the schemas allow (128) are addressable; and the document lists the
 * error answers every route can give, with parameters that have a default optional.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Type } from 'typebox';
import { createHttpServer, ProblemSchema, type HttpServer } from '../../src/platform/http.ts';

describe('HTTP platform: what fuzzing found', () => {
  let http: HttpServer;
  const seen: unknown[] = [];

  before(async () => {
    http = await createHttpServer({ logger: pino({ level: 'silent' }), maxBodyBytes: 4096, version: 'test' });
    http.post('/v1/things', { config: { access: 'public' }, schema: { body: Type.Object({ name: Type.String(), tags: Type.Optional(Type.Array(Type.String())), kind: Type.String({ default: 'plain' }) }), response: { 201: Type.Object({ name: Type.String() }) } } }, async (request, reply) => {
      seen.push(request.body);
      reply.status(201);
      return request.body;
    });
    http.get('/v1/things', { config: { access: 'public' }, schema: { querystring: Type.Object({ q: Type.Optional(Type.String()), limit: Type.Integer({ default: 10 }) }), response: { 200: Type.Array(Type.String()), 404: ProblemSchema } } }, () => []);
    http.get('/v1/things/:id', { config: { access: 'public' }, schema: { params: Type.Object({ id: Type.String({ maxLength: 128 }) }) } }, (request) => ({ id: (request.params as { id: string }).id }));
    await http.ready();
  });
  after(() => http.close());

  test('text with U+0000 in a body or a query is 400 naming the field, and never reaches the handler', async () => {
    const body = await http.inject({ method: 'POST', url: '/v1/things', payload: { name: 'ok', tags: ['fine', 'bad\u0000tag'] } });
    assert.equal(body.statusCode, 400);
    assert.deepEqual(body.json().errors, [{ pointer: '/tags/1', detail: 'contains the NUL character (U+0000)' }]);
    const query = await http.inject({ method: 'GET', url: '/v1/things?q=a%00b' });
    assert.equal(query.statusCode, 400);
    assert.deepEqual(query.json().errors, [{ pointer: 'querystring/q', detail: 'contains the NUL character (U+0000)' }]);
    assert.deepEqual(seen, []);
  });

  test('QUERY, and any method with an over-long parameter, on a path that does not serve it is 405 with Allow', async () => {
    const query = await http.inject({ method: 'QUERY' as 'GET', url: '/v1/things' });
    assert.equal(query.statusCode, 405);
    assert.equal(query.headers.allow, 'GET, HEAD, POST');
    const long = await http.inject({ method: 'PUT', url: `/v1/things/${'x'.repeat(200)}` });
    assert.equal(long.statusCode, 405);
    assert.equal((await http.inject({ method: 'GET', url: `/v1/things/${'x'.repeat(129)}` })).statusCode, 414);
    assert.equal((await http.inject({ method: 'GET', url: `/v1/things/${'x'.repeat(128)}` })).json().id, 'x'.repeat(128));
  });

  test('the document lists 400, 413, 414, 415 and 503 problems where a route can give them, and defaults make fields optional', () => {
    const document = http.swagger() as unknown as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; required: boolean; schema: { maxLength?: number } }[]; requestBody?: { content: Record<string, { schema: { required?: string[] } }> }; responses: Record<string, unknown> }>> };
    const post = document.paths['/v1/things']!.post!;
    assert.deepEqual(Object.keys(post.responses).sort(), ['201', '400', '413', '415', '503']);
    assert.deepEqual(post.requestBody!.content['application/json']!.schema.required, ['name']);
    const list = document.paths['/v1/things']!.get!;
    assert.deepEqual(Object.keys(list.responses).sort(), ['200', '400', '404', '503']);
    assert.equal(list.parameters!.find((p) => p.name === 'limit')!.required, false);
    const item = document.paths['/v1/things/{id}']!.get!;
    assert.ok('414' in item.responses);
    assert.equal(item.parameters!.find((p) => p.in === 'path')!.schema.maxLength, 128);
  });
});
