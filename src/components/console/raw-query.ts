/** A query string as Fastify parses it without a schema: a repeated name gives a list. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** Every non-empty value given for a name. */
export const allOf = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((s) => s !== '');

/** The first non-empty value given for a name. */
export const firstOf = (v: string | string[] | undefined): string | undefined => allOf(v)[0];
