/**
 * The one HTTP server of a process. Components register their routes as Fastify
 * plugins; request and response schemas (TypeBox) validate and produce /openapi.json.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyPluginCallback, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import { once } from 'node:events';
import { STATUS_CODES, createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { HttpProblem, problemBody, schemaFieldErrors, type SchemaError } from './problem.ts';
import { bodyAjv, textAjv } from './validation.ts';
import { declareAccess, SECURITY_SCHEMES, type AccessControl } from './access.ts';

export type HttpServer = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface HttpOptions {
  logger: Logger;
  maxBodyBytes: number;
  version: string;
  /**
   * Answers requests while modules are still starting (waiting for an engine, say), so
   * probes get an answer before the routes exist. The server then listens early
   * (`listenEarly`) and switches to the routes once `ready()` has registered them all.
   */
  whileStarting?: RequestListener;
  /** Whether an error means an engine is unreachable: answered 503 with Retry-After rather than 500. */
  isUnavailable?(error: unknown): boolean;
  /** Traces requests (platform/tracing.ts): registered before anything else, so it sees every route. */
  tracing?: FastifyPluginCallback;
  /** Access control's hooks (platform/access.ts); without, every route is open (the routes must still declare their access). */
  access?: AccessControl;
}

export const PROBLEM_JSON = 'application/problem+json';
const DOCS_PREFIX = '/docs';

/** Longest path parameter the router takes: the longest id or channel name (128); a longer one answers 414. */
const MAX_PARAM_LENGTH = 128;

function validators() {
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema);
}

export async function createHttpServer(options: HttpOptions): Promise<HttpServer> {
  let switchToRoutes: (() => void) | undefined;
  const serverFactory = options.whileStarting
    ? (routes: RequestListener) => {
        let handle = options.whileStarting!;
        switchToRoutes = () => {
          handle = routes;
        };
        return createServer((request, response) => handle(request, response));
      }
    : undefined;
  const routes = new AllowedMethods();
  const answerUnrouted = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routes.for(path);
    // A route of this method that found nothing (callNotFound) is a plain 404.
    if (allowed.length && !allowed.includes(request.method)) {
      return reply.status(405).header('allow', allowed.join(', ')).type(PROBLEM_JSON)
        .send(problemBody(405, `${request.method} is not served on ${path}; it answers ${allowed.join(', ')}`, { instance: request.url }));
    }
    return reply.status(404).type(PROBLEM_JSON).send(problemBody(404, `no route ${request.method} ${path}`, { instance: request.url }));
  };
  const app = Fastify({
    serverFactory,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Fastify's own early answers (a malformed URL, a path parameter over its length) and
    // Node's (unparseable request, headers too large) are problems like any other.
    frameworkErrors: (error, request, reply) => {
      // A method the path does not serve at all is 405, however long its parameters.
      const path = request.url.split('?')[0]!;
      const allowed = routes.for(path);
      if (allowed.length && !allowed.includes(request.method)) return void answerUnrouted(request as FastifyRequest, reply as FastifyReply);
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : (error as FastifyError).statusCode ?? 400;
      void (reply as FastifyReply).status(status).type(PROBLEM_JSON).send(problemBody(status, status === 414 ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters` : error.message, { instance: request.url }));
    },
    clientErrorHandler: answerClientError,
    loggerInstance: options.logger.child({ module: 'http' }) as FastifyBaseLogger,
    // Request metrics cover every request; per-request log lines would drown the logs at ingest rates.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (options.tracing) await app.register(options.tracing);
  app.setValidatorCompiler(validators());

  // Only JSON and NDJSON bodies are accepted; anything else answers 415.
  app.removeContentTypeParser('text/plain');
  // NDJSON arrives as text; the route that accepts it parses it line by line.
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: options.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    // A method no route serves fails on its way to the not-found handler (Fastify wants a
    // body of a QUERY, say): what it needs is the 405 (or 404) every other unserved method gets.
    if (request.is404) return answerUnrouted(request, reply);
    let problem: HttpProblem;
    if (error instanceof HttpProblem) problem = error;
    else if (error.validation) {
      const context = error.validationContext ?? 'body';
      problem = new HttpProblem(400, `the request ${context} is invalid`, { errors: schemaFieldErrors(error.validation as SchemaError[], context === 'body' ? '' : context) });
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') problem = new HttpProblem(413, `the body is larger than ${options.maxBodyBytes} bytes`);
    else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') problem = new HttpProblem(415, `unsupported content type ${request.headers['content-type'] ?? '(none)'}`);
    else if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      problem = new HttpProblem(400, `the body is not valid JSON: ${error.message}`, { errors: [{ pointer: '/', detail: error.message }] });
    } else if (error.statusCode && error.statusCode < 500) problem = new HttpProblem(error.statusCode, error.message);
    else if (options.isUnavailable?.(error)) {
      request.log.warn({ err: error, url: request.url }, 'engine unavailable');
      // An engine's error may say what a client can do about it (a statement timeout names the limit).
      const detail = (error as { httpDetail?: unknown }).httpDetail;
      problem = new HttpProblem(503, typeof detail === 'string' ? detail : 'a storage engine is unavailable; try again (repeating the request is safe)', { retryAfterSeconds: 1 });
    } else {
      request.log.error({ err: error, url: request.url }, 'request failed');
      problem = new HttpProblem(500, 'internal error');
    }
    if (problem.retryAfterSeconds !== undefined) reply.header('retry-after', String(problem.retryAfterSeconds));
    return reply.status(problem.status).type(PROBLEM_JSON).send(problem.body(request.url));
  });

  // A route with a body reads it as what its content type says; without one there is nothing to read it as.
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.schema?.body && request.headers['content-type'] === undefined) {
      throw new HttpProblem(415, 'the request has no Content-Type; send the body as application/json (or, where the route takes it, application/x-ndjson)');
    }
    // PostgreSQL text cannot hold U+0000: refused here, named, rather than failing in the store.
    const nul = nulAt({ querystring: request.query, params: request.params, '': request.body });
    if (nul !== undefined) throw new HttpProblem(400, 'text may not contain the NUL character (U+0000)', { errors: [{ pointer: nul, detail: 'contains the NUL character (U+0000)' }] });
  });

  // Before the OpenAPI plugin, which documents each route as this hook leaves it.
  app.addHook('onRoute', (route) => declareAccess(route, DOCS_PREFIX));
  if (options.access) {
    app.addHook('onRequest', options.access.onRequest);
    app.addHook('preHandler', options.access.preHandler);
    app.addHook('preSerialization', options.access.preSerialization);
    app.addHook('onSend', options.access.onSend);
    app.addHook('onResponse', options.access.onResponse);
  }

  app.addHook('onRoute', (route) => routes.add(route.method, route.url));
  app.setNotFoundHandler(answerUnrouted);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Orbit API', version: options.version, description: 'Spacecraft telemetry, alerts and orbital mechanics.' },
      tags: [
        { name: 'missions', description: 'Mission database' },
        { name: 'telemetry', description: 'Ingest and history' },
        { name: 'alerts', description: 'Alert lifecycle' },
        { name: 'jobs', description: 'Compute jobs' },
        { name: 'simulator', description: 'Simulated fleet and its injected anomalies' },
        { name: 'operations', description: 'Health, readiness, metrics' },
        { name: 'access', description: 'API keys, sessions and the audit log' },
      ],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transformObject: (document) => ('openapiObject' in document ? documentErrorAnswers(document.openapiObject) : document.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, () => app.swagger());
  const switchOver = switchToRoutes;
  if (switchOver) app.addHook('onReady', async () => switchOver());
  return app;
}

/** The methods each registered path answers, so that another method gets 405 and an `Allow` header rather than 404. */
class AllowedMethods {
  readonly #routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(method: string | string[], url: string): void {
    // Fastify's syntax: `:name` for a segment, `*` for the rest.
    const source = `^${url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`;
    let entry = this.#routes.find((r) => r.pattern.source === source);
    if (!entry) this.#routes.push((entry = { pattern: new RegExp(source), methods: new Set() }));
    for (const m of [method].flat()) entry.methods.add(m);
  }

  for(path: string): string[] {
    const methods = new Set(this.#routes.filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]));
    return [...methods].sort();
  }
}

/** Node's own refusals (unparseable request, headers too large, a request that took too long), answered as problems. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify(problemBody(status, status === 431 ? 'the request headers are too large' : status === 408 ? 'the request took too long to arrive' : 'the request is not valid HTTP'));
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: ${PROBLEM_JSON}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** Listens before the routes are ready; requests meanwhile go to `whileStarting`, then to the routes once `app.ready()` resolved. */
export async function listenEarly(app: HttpServer, port: number, host: string): Promise<void> {
  app.server.listen(port, host);
  await once(app.server, 'listening');
}

/** Stops a server that listened early: in-flight requests finish, idle connections close. */
export async function closeEarlyListener(app: HttpServer): Promise<void> {
  await app.close();
  if (!app.server.listening) return;
  const closed = new Promise<void>((resolve) => app.server.close(() => resolve()));
  app.server.closeIdleConnections();
  await closed;
}

type Operation = {
  parameters?: { in: string; required?: boolean; schema?: { default?: unknown; maxLength?: number } }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, unknown>;
};

/** A body property with a default is optional: the default fills it in. */
function defaultsOptional(schema: unknown, depth = 0): void {
  if (depth > 32 || !schema || typeof schema !== 'object') return;
  const s = schema as { properties?: Record<string, { default?: unknown }>; required?: string[] };
  if (s.properties && s.required) s.required = s.required.filter((name) => s.properties![name]?.default === undefined);
  for (const inner of Object.values(schema)) if (inner && typeof inner === 'object') defaultsOptional(inner, depth + 1);
}

/**
 * The document says what every route may answer besides its own statuses: 400 for a
 * request its schemas refuse, 413 and 415 for a body too large or of no type it reads, 414
 * for a path parameter too long, 503 while an engine is unavailable. And a query parameter
 * with a default is optional, whatever the schema's `required` says (the default fills it in).
 */
function documentErrorAnswers<T extends object>(document: T): T {
  const problem = (description: string) => ({ description, content: ProblemSchema.content });
  const paths = (document as { paths?: Record<string, Record<string, unknown> | undefined> }).paths ?? {};
  for (const [path, operations] of Object.entries(paths)) {
    for (const op of Object.values(operations ?? {}) as Operation[]) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      const add = (status: string, description: string) => void (op.responses![status] ??= problem(description));
      for (const p of op.parameters ?? []) {
        if (p.in === 'query' && p.required && p.schema?.default !== undefined) p.required = false;
        // The router refuses a longer one (414) before any schema sees it.
        if (p.in === 'path' && p.schema) p.schema.maxLength = Math.min(p.schema.maxLength ?? MAX_PARAM_LENGTH, MAX_PARAM_LENGTH);
      }
      for (const media of Object.values(op.requestBody?.content ?? {})) defaultsOptional(media.schema);
      if (op.parameters?.length || op.requestBody) add('400', 'The request is invalid; `errors` names each bad field');
      if (op.requestBody) {
        add('413', 'The body is larger than ORBIT_MAX_BODY_BYTES');
        add('415', 'The body is of a type this route does not read, or has no Content-Type');
      }
      if (path.includes('{')) add('414', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`);
      add('503', 'A storage engine is unavailable or a query ran past ORBIT_SQL_STATEMENT_TIMEOUT_MS; see Retry-After');
    }
  }
  return document;
}

/** Where the first string holding U+0000 is, as a pointer (`querystring/name`, `/readings/0/channel`); undefined when none does. */
function nulAt(parts: Record<string, unknown>): string | undefined {
  const walk = (value: unknown, at: string, depth: number): string | undefined => {
    if (typeof value === 'string') return value.includes('\u0000') ? at || '/' : undefined;
    if (depth > 32 || value === null || typeof value !== 'object') return undefined;
    for (const [key, inner] of Object.entries(value)) {
      const found = walk(inner, `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  for (const [prefix, value] of Object.entries(parts)) {
    const found = walk(value, prefix, 0);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Problem+json response, for route definitions: documented and serialized as application/problem+json. */
export const ProblemSchema = {
  description: 'RFC 9457 problem details; `errors` names each bad field',
  content: {
    [PROBLEM_JSON]: {
      schema: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, detail: { type: 'string' } } } },
        },
      },
    },
  },
} as const;
