/**
 * From a posted form to the API's JSON body. Fields are named after their path in the body
 * (`limits.redHigh`); empty fields are left out, and text that should be a number but is
 * not stays text, so the route's schema names that field in its error.
 */
export type FormValues = Record<string, string | string[] | undefined>;

/** A field's text ('' when absent; the first value when repeated). */
export function text(form: FormValues, name: string): string {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** '' -> undefined, '12.5' -> 12.5, 'twelve' -> 'twelve'. */
export function numberOrText(value: string): number | string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

export const optionalText = (value: string): string | undefined => (value.trim() === '' ? undefined : value);

/** Sets each dotted path that has a value; objects on the way exist only when something under them is set. */
export function nestedBody(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [path, value] of entries) {
    if (value === undefined) continue;
    const keys = path.split('.');
    let at = body;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys.at(-1)!] = value;
  }
  return body;
}
