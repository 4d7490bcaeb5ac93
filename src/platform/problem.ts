/**
 * RFC 9457 problem details. Every error answer of the API is one of these, with an
 * `errors` array naming each bad field where the client sent something wrong.
 */

export interface FieldError {
  /** Where in the request: a JSON pointer into the body (`/readings/3/value`), or `querystring/<name>`, `params/<name>`. */
  pointer: string;
  detail: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Thrown by handlers; the HTTP error handler turns it into problem+json. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly errors?: FieldError[];
  readonly retryAfterSeconds?: number;

  constructor(status: number, detail: string, options: { errors?: FieldError[]; retryAfterSeconds?: number } = {}) {
    super(detail);
    this.status = status;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  body(instance?: string): ProblemBody {
    return problemBody(this.status, this.message, { instance, errors: this.errors });
  }
}

export function problemBody(status: number, detail: string, extra: { instance?: string; errors?: FieldError[] } = {}): ProblemBody {
  return {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(extra.instance ? { instance: extra.instance } : {}),
    ...(extra.errors?.length ? { errors: extra.errors } : {}),
  };
}

export const badRequest = (detail: string, errors: FieldError[]) => new HttpProblem(400, detail, { errors });
export const notFound = (detail: string) => new HttpProblem(404, detail);

/** A JSON Schema validator's error, as Ajv and TypeBox both report them. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * One FieldError per bad field: missing and unexpected properties get their own
 * pointer, and the alternatives of a union are folded into one detail.
 */
export function schemaFieldErrors(errors: readonly SchemaError[], prefix = ''): FieldError[] {
  const byPointer = new Map<string, string[]>();
  const add = (pointer: string, detail: string) => {
    const key = `${prefix}${pointer}` || '/';
    const list = byPointer.get(key) ?? [];
    if (!list.includes(detail)) list.push(detail);
    byPointer.set(key, list);
  };
  for (const e of errors) {
    const p = e.params;
    if (e.keyword === 'required') {
      const missing = (p.requiredProperties as string[] | undefined) ?? [String(p.missingProperty)];
      for (const name of missing) add(`${e.instancePath}/${name}`, 'is required');
    } else if (e.keyword === 'additionalProperties') {
      const extra = (p.additionalProperties as string[] | string | undefined) ?? p.additionalProperty;
      for (const name of [extra].flat()) add(`${e.instancePath}/${String(name)}`, 'is not an allowed field');
    } else if (e.keyword !== 'anyOf' && e.keyword !== 'boolean') {
      add(e.instancePath, e.message ?? 'is invalid');
    }
  }
  return [...byPointer].map(([pointer, details]) => ({ pointer, detail: details.join(' or ') }));
}
