/** Sort specifications as in MongoDB (field: 1 or -1); an index is described by one too. */
import type { Doc } from './port.ts';
import { compareIds, compareValues, getter } from './values.ts';

export type SortSpec = Record<string, 1 | -1>;

export function compileSort(sort: SortSpec | undefined): ((a: Doc, b: Doc) => number) | undefined {
  if (!sort) return undefined;
  const keys = Object.entries(sort).map(([field, dir]) => {
    if (dir !== 1 && dir !== -1) throw new TypeError(`sort direction for ${field} must be 1 or -1`);
    return { get: getter(field), dir };
  });
  if (keys.length === 0) return undefined;
  // Ties are broken by _id in the direction of the last key, which is also the
  // order an index scan yields, so both paths answer identically.
  const tieDir = keys[keys.length - 1].dir;
  return (a, b) => {
    for (const k of keys) {
      const c = compareValues(k.get(a), k.get(b));
      if (c !== 0) return c * k.dir;
    }
    return compareIds(a._id, b._id) * tieDir;
  };
}
