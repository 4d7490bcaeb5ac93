/**
 * What changed between two versions of a record, field by field, for the mission
 * database's change history and an import's dry run. Nested settings (limits, debounce,
 * detector) are compared setting by setting, so a history says `limits.redHigh: 40 -> 45`
 * rather than repeating the whole object; lists (polynomials, limit sets, TLEs) count as one value.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FieldChange } from './schemas.ts';

type Json = unknown;

const isRecord = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function leaves(value: Json, prefix: string, out: Map<string, Json>): Map<string, Json> {
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  else if (value !== undefined && value !== null) out.set(prefix, value);
  return out;
}

/** The settings that differ; a setting absent on one side is null there. `before` undefined: everything is new. */
export function fieldChanges(before: Record<string, Json> | undefined, after: Record<string, Json>): FieldChange[] {
  const old = leaves(before ?? {}, '', new Map());
  const now = leaves(after, '', new Map());
  const changes: FieldChange[] = [];
  for (const [field, value] of now) if (!isDeepStrictEqual(old.get(field), value)) changes.push({ field, old: old.get(field) ?? null, new: value });
  for (const [field, value] of old) if (!now.has(field)) changes.push({ field, old: value, new: null });
  return changes;
}

/**
 * The value with its object keys in the order the schema lists them (unknown keys last,
 * sorted): JSONB keeps keys in an order of its own, and an exported document must read
 * the same every time.
 */
export function inSchemaOrder(schema: unknown, value: Json): Json {
  const s = schema as { properties?: Record<string, unknown>; items?: unknown } | undefined;
  if (Array.isArray(value)) return isRecord(s?.items) ? value.map((v) => inSchemaOrder(s.items, v)) : value;
  if (!isRecord(value)) return value;
  const known = Object.keys(s?.properties ?? {}).filter((k) => value[k] !== undefined);
  const unknown = Object.keys(value).filter((k) => !known.includes(k) && value[k] !== undefined).sort();
  return Object.fromEntries([...known, ...unknown].map((k) => [k, inSchemaOrder(s?.properties?.[k], value[k])]));
}
