/**
 * Request validation, one way for the API and the console's forms: a form's action checks
 * the body it builds against the route's own schema, with the same options, and fails with
 * the same problem (400, an error per field) as the REST route would.
 */
import { Ajv, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static, TSchema } from 'typebox';
import { HttpProblem, schemaFieldErrors, type SchemaError } from './problem.ts';

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

/** The body as the schema types it (defaults applied), or a 400 problem naming each bad field. */
export function checkBody<T extends TSchema>(schema: T, body: unknown): Static<T> {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = bodyAjv.compile(schema)));
  if (!validate(body)) throw new HttpProblem(400, 'the request body is invalid', { errors: schemaFieldErrors(validate.errors as SchemaError[], '') });
  return body as Static<T>;
}
