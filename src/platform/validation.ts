/**
 * Request validation, one way for the API and the console's pages: a form's action (or a
 * page's query) is checked against the REST route's own schema, with the same options, and
 * fails with the same problem (400, an error per field) as the REST route would.
 */
import { Ajv, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Type, type Static, type TSchema } from 'typebox';
import { parseTimeParam } from '../core/time.ts';
import { badRequest, HttpProblem, schemaFieldErrors, type FieldError, type SchemaError } from './problem.ts';

function makeAjv(coerceTypes: AjvOptions['coerceTypes']) {
  const ajv = new Ajv({ allErrors: true, coerceTypes, useDefaults: true, removeAdditional: false, strict: false });
  addFormats.default(ajv);
  return ajv;
}

/** Bodies must not be coerced: a reading's value `false` must not become `0`. */
export const bodyAjv = makeAjv(false);
/** Query strings and path parameters arrive as text and need coercion to their types. */
export const textAjv = makeAjv('array');

const compiled = new WeakMap<object, ValidateFunction>();

function validator(ajv: Ajv, schema: TSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  return validate;
}

/** The body as the schema types it (defaults applied), or a 400 problem naming each bad field. */
export function checkBody<T extends TSchema>(schema: T, body: unknown): Static<T> {
  const validate = validator(bodyAjv, schema);
  if (!validate(body)) throw new HttpProblem(400, 'the request body is invalid', { errors: schemaFieldErrors(validate.errors as SchemaError[], '') });
  return body as Static<T>;
}

/**
 * A page's query checked against the schema of the REST route it stands beside, with the
 * same coercion and the same problem; the fields a form sent empty are left out.
 */
export function checkQuery<T extends TSchema>(schema: T, query: Record<string, unknown>): Static<T> {
  const validate = validator(textAjv, schema);
  const given = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== '' && v !== undefined));
  if (!validate(given)) throw new HttpProblem(400, 'the request querystring is invalid', { errors: schemaFieldErrors(validate.errors as SchemaError[], 'querystring') });
  return given as Static<T>;
}

/**
 * A time in a query string, as timeRange() reads it: ISO 8601 (a date-time or a date),
 * epoch milliseconds, or empty for none. The schema says so, so that a client (or a fuzzer)
 * knows which strings are times before it is told.
 */
export function TimeParam(description: string) {
  return Type.Union([
    Type.String({ format: 'date-time' }),
    Type.String({ format: 'date' }),
    Type.String({ pattern: '^[0-9]{1,15}(\\.[0-9]+)?$', description: 'Epoch milliseconds' }),
    Type.String({ maxLength: 0, description: 'None' }),
  ], { description });
}

/** `from` and `to` of a query as epoch ms; a 400 naming each that is not a time. */
export function timeRange(q: { from?: string; to?: string }, detail = 'invalid time range'): { from?: number; to?: number } {
  const from = parseTimeParam(q.from);
  const to = parseTimeParam(q.to);
  const errors: FieldError[] = [];
  if (Number.isNaN(from)) errors.push({ pointer: 'querystring/from', detail: 'is not an ISO 8601 time or epoch milliseconds' });
  if (Number.isNaN(to)) errors.push({ pointer: 'querystring/to', detail: 'is not an ISO 8601 time or epoch milliseconds' });
  if (errors.length) throw badRequest(detail, errors);
  return { from, to };
}
