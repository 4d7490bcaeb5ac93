/**
 * RFC 9457 problem details. Every error answer of the API is one of these, with an
 * `errors` array naming each bad field where the client sent something wrong.
 */

export interface FieldError {
  /** Where in the request: a JSON pointer into the body (`/readings/3/value`), or `query/<name>`, `path/<name>`. */
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
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
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
export const conflict = (detail: string) => new HttpProblem(409, detail);
