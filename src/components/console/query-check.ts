/**
 * A page's query string checked against the schema of the REST route it stands beside,
 * with the same coercion and the same problem (400, an error per field) as that route:
 * the page then shows the error beside its field rather than answering problem+json.
 */
import type { Static, TSchema } from 'typebox';
import type { ValidateFunction } from 'ajv';
import { HttpProblem, schemaFieldErrors, type SchemaError } from '../../platform/problem.ts';
import { textAjv } from '../../platform/validation.ts';

const compiled = new WeakMap<object, ValidateFunction>();

/** The query as the schema types it (defaults applied), leaving out the fields a form sent empty. */
export function checkQuery<T extends TSchema>(schema: T, query: Record<string, unknown>): Static<T> {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = textAjv.compile(schema)));
  const given = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== '' && v !== undefined));
  if (!validate(given)) throw new HttpProblem(400, 'the request querystring is invalid', { errors: schemaFieldErrors(validate.errors as SchemaError[], 'querystring') });
  return given as Static<T>;
}

/** A query string as Fastify parses it without a schema: a repeated name gives a list. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** Every non-empty value given for a name. */
export const allOf = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((s) => s !== '');

/** The first non-empty value given for a name. */
export const firstOf = (v: string | string[] | undefined): string | undefined => allOf(v)[0];
