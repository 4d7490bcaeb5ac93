/**
 * Values as the document store sees them: a total order across types (MongoDB's), map
 * keys that agree with that order's equality, and dotted-path field access.
 */

export type Getter = (doc: unknown) => unknown;

/** Cross-type order follows MongoDB's: null/missing < numbers < strings < objects < arrays < booleans. */
export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 0;
  switch (typeof v) {
    case 'number':
      return 1;
    case 'string':
      return 2;
    case 'boolean':
      return 5;
    case 'object':
      return Array.isArray(v) ? 4 : 3;
    default:
      return 6;
  }
}

export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return (a as number) - (b as number);
    case 2:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 5:
      return Number(a) - Number(b);
    default: {
      const ja = JSON.stringify(a);
      const jb = JSON.stringify(b);
      return ja < jb ? -1 : ja > jb ? 1 : 0;
    }
  }
}

/** A string equal for exactly the values that compareValues calls equal; used as a Map key. */
export function valueKey(v: unknown): string {
  switch (typeRank(v)) {
    case 0:
      return 'z';
    case 1:
      return `n${v as number}`;
    case 2:
      return `s${v as string}`;
    case 5:
      return v ? 'T' : 'F';
    default:
      return `j${JSON.stringify(v)}`;
  }
}

/** Unambiguous concatenation of value keys (they may contain any character). */
export function joinKeys(keys: readonly string[]): string {
  let out = '';
  for (const k of keys) out += `${k.length}:${k}`;
  return out;
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const getterCache = new Map<string, Getter>();

/** Dotted paths descend into objects and, with numeric segments, into arrays. Only own properties count. */
export function getter(field: string): Getter {
  let g = getterCache.get(field);
  if (g) return g;
  const parts = field.split('.');
  if (parts.length === 1) {
    g = (doc) => (doc !== null && typeof doc === 'object' && Object.hasOwn(doc, field) ? (doc as Record<string, unknown>)[field] : undefined);
  } else {
    g = (doc) => {
      let cur: unknown = doc;
      for (const part of parts) {
        if (cur === null || typeof cur !== 'object') return undefined;
        if (Array.isArray(cur)) {
          if (!/^\d+$/.test(part)) return undefined;
          cur = cur[Number(part)];
        } else {
          if (!Object.hasOwn(cur, part)) return undefined;
          cur = (cur as Record<string, unknown>)[part];
        }
      }
      return cur;
    };
  }
  // Filters can come from API callers; do not let arbitrary field names pile up.
  if (getterCache.size >= 10_000) getterCache.clear();
  getterCache.set(field, g);
  return g;
}
