/** Filters: validated and compiled once per query into conditions tested per document. */
import type { Doc, Filter, Scalar } from './port.ts';
import { compareValues, getter, typeRank } from './values.ts';
import type { Getter } from './values.ts';

const RANGE_OPS = new Set(['$eq', '$gt', '$gte', '$lt', '$lte', '$in']);

export interface Condition {
  field: string;
  get: Getter;
  /** Accepted values (plain equality, $eq, $in); undefined when unconstrained. */
  values?: Scalar[];
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

export function compileFilter(filter: Filter): Condition[] {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) throw new TypeError('filter must be an object');
  const conditions: Condition[] = [];
  for (const [field, spec] of Object.entries(filter)) {
    if (field.startsWith('$')) throw new TypeError(`unsupported filter operator ${field}`);
    const c: Condition = { field, get: getter(field) };
    if (isScalar(spec)) {
      c.values = [spec];
    } else if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
      const ops = Object.entries(spec);
      if (ops.length === 0) throw new TypeError(`empty condition on ${field}`);
      for (const [op, operand] of ops) {
        if (!RANGE_OPS.has(op)) throw new TypeError(`unsupported operator ${op} on ${field}`);
        if (op === '$in') {
          if (!Array.isArray(operand) || !operand.every(isScalar)) throw new TypeError(`$in on ${field} needs an array of scalars`);
          c.values = c.values ? c.values.filter((v) => operand.some((o) => compareValues(v, o) === 0)) : [...operand];
          continue;
        }
        if (!isScalar(operand)) throw new TypeError(`${op} on ${field} needs a scalar`);
        if (op === '$eq') c.values = c.values ? c.values.filter((v) => compareValues(v, operand) === 0) : [operand];
        else if (op === '$gt') c.gt = operand;
        else if (op === '$gte') c.gte = operand;
        else if (op === '$lt') c.lt = operand;
        else c.lte = operand;
      }
    } else {
      throw new TypeError(`unsupported condition on ${field}`);
    }
    conditions.push(c);
  }
  return conditions;
}

/** Range operators only match values of the operand's type, as MongoDB's type bracketing does. */
function holds(c: Condition, v: unknown): boolean {
  if (c.values && !c.values.some((q) => compareValues(v, q) === 0)) return false;
  const r = typeRank(v);
  if (c.gt !== undefined && (r !== typeRank(c.gt) || compareValues(v, c.gt) <= 0)) return false;
  if (c.gte !== undefined && (r !== typeRank(c.gte) || compareValues(v, c.gte) < 0)) return false;
  if (c.lt !== undefined && (r !== typeRank(c.lt) || compareValues(v, c.lt) >= 0)) return false;
  if (c.lte !== undefined && (r !== typeRank(c.lte) || compareValues(v, c.lte) > 0)) return false;
  return true;
}

export function matches(conditions: readonly Condition[], doc: Doc): boolean {
  for (const c of conditions) if (!holds(c, c.get(doc))) return false;
  return true;
}

export function hasRange(c: Condition): boolean {
  return c.gt !== undefined || c.gte !== undefined || c.lt !== undefined || c.lte !== undefined;
}
