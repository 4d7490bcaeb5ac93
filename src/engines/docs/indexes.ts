/**
 * Secondary indexes and the choice of one for a query. An index groups documents by
 * the values of every field but the last (a leaf per combination) and keeps each leaf
 * sorted by the last field, then _id; indexes live in memory only.
 */
import type { Doc, Scalar } from './port.ts';
import type { Condition } from './filter.ts';
import { hasRange } from './filter.ts';
import type { SortSpec } from './sort.ts';
import { compareIds, compareValues, getter, joinKeys, typeRank, valueKey } from './values.ts';
import type { Getter } from './values.ts';

/** Documents sharing the values of every index field but the last, sorted by (last field, _id). */
export interface Leaf {
  prefix: string[];
  docs: Doc[];
}

function firstIndex(docs: readonly Doc[], from: number, to: number, pred: (d: Doc) => boolean): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(docs[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface Interval {
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
}

export class SecondaryIndex {
  readonly name: string;
  readonly spec: SortSpec;
  readonly fields: string[];
  readonly unique: boolean;
  private readonly prefixGetters: Getter[];
  private readonly lastGet: Getter;
  readonly leaves = new Map<string, Leaf>();

  constructor(spec: SortSpec, unique: boolean) {
    this.spec = { ...spec };
    this.fields = Object.keys(spec);
    this.name = indexName(spec);
    this.unique = unique;
    this.prefixGetters = this.fields.slice(0, -1).map(getter);
    this.lastGet = getter(this.fields[this.fields.length - 1]);
  }

  get prefixLength(): number {
    return this.prefixGetters.length;
  }

  private prefixOf(doc: Doc): string[] {
    return this.prefixGetters.map((g) => valueKey(g(doc)));
  }

  private compareToEntry(entry: Doc, value: unknown, id: string): number {
    return compareValues(this.lastGet(entry), value) || compareIds(entry._id, id);
  }

  /** The leaf for doc's prefix, created empty when there is none yet. */
  private leafFor(doc: Doc): Leaf {
    const prefix = this.prefixOf(doc);
    const key = joinKeys(prefix);
    let leaf = this.leaves.get(key);
    if (!leaf) {
      leaf = { prefix, docs: [] };
      this.leaves.set(key, leaf);
    }
    return leaf;
  }

  insert(doc: Doc): void {
    const docs = this.leafFor(doc).docs;
    const value = this.lastGet(doc);
    // Readings mostly arrive in time order, so appending is the common case.
    if (docs.length === 0 || this.compareToEntry(docs[docs.length - 1], value, doc._id) < 0) {
      docs.push(doc);
      return;
    }
    const at = firstIndex(docs, 0, docs.length, (d) => this.compareToEntry(d, value, doc._id) > 0);
    docs.splice(at, 0, doc);
  }

  remove(doc: Doc): void {
    const key = joinKeys(this.prefixOf(doc));
    const leaf = this.leaves.get(key);
    if (!leaf) return;
    const value = this.lastGet(doc);
    const at = firstIndex(leaf.docs, 0, leaf.docs.length, (d) => this.compareToEntry(d, value, doc._id) >= 0);
    if (at < leaf.docs.length && leaf.docs[at]._id === doc._id) {
      leaf.docs.splice(at, 1);
      if (leaf.docs.length === 0) this.leaves.delete(key);
    }
  }

  clear(): void {
    this.leaves.clear();
  }

  /** Bulk build: group, then sort each leaf once. */
  build(docs: Iterable<Doc>): void {
    this.leaves.clear();
    for (const doc of docs) this.leafFor(doc).docs.push(doc);
    for (const leaf of this.leaves.values()) {
      leaf.docs.sort((a, b) => compareValues(this.lastGet(a), this.lastGet(b)) || compareIds(a._id, b._id));
    }
  }

  /** The _id of a document sharing another's full key, if any (leaves are sorted, so neighbours). */
  findDuplicate(): string | undefined {
    for (const leaf of this.leaves.values()) {
      for (let i = 1; i < leaf.docs.length; i++) {
        if (compareValues(this.lastGet(leaf.docs[i - 1]), this.lastGet(leaf.docs[i])) === 0) return leaf.docs[i]._id;
      }
    }
    return undefined;
  }

  fullKey(doc: Doc): string {
    return joinKeys([...this.prefixOf(doc), valueKey(this.lastGet(doc))]);
  }

  /** Documents whose every index field equals doc's. */
  sameKey(doc: Doc): Doc[] {
    const leaf = this.leaves.get(joinKeys(this.prefixOf(doc)));
    if (!leaf) return [];
    const v = (this.lastGet(doc) ?? null) as Scalar;
    return this.slice(leaf, { gte: v, lte: v });
  }

  /** Documents of a leaf whose last field lies in the interval, in index order. */
  slice(leaf: Leaf, iv: Interval): Doc[] {
    const [from, to] = this.bounds(leaf, iv);
    return leaf.docs.slice(from, to);
  }

  bounds(leaf: Leaf, iv: Interval): [number, number] {
    const docs = leaf.docs;
    const get = this.lastGet;
    const lowOperand = iv.gte !== undefined ? iv.gte : iv.gt;
    const highOperand = iv.lte !== undefined ? iv.lte : iv.lt;
    const lowRank = lowOperand === undefined ? -1 : typeRank(lowOperand);
    const highRank = highOperand === undefined ? -1 : typeRank(highOperand);
    let from = 0;
    if (lowOperand !== undefined || highOperand !== undefined) {
      from = firstIndex(docs, 0, docs.length, (d) => {
        const v = get(d);
        if (iv.gte !== undefined && compareValues(v, iv.gte) < 0) return false;
        if (iv.gt !== undefined && compareValues(v, iv.gt) <= 0) return false;
        if (lowOperand === undefined && typeRank(v) < highRank) return false;
        return true;
      });
    }
    let to = docs.length;
    if (lowOperand !== undefined || highOperand !== undefined) {
      to = firstIndex(docs, from, docs.length, (d) => {
        const v = get(d);
        if (iv.lte !== undefined && compareValues(v, iv.lte) > 0) return true;
        if (iv.lt !== undefined && compareValues(v, iv.lt) >= 0) return true;
        if (highOperand === undefined && typeRank(v) > lowRank) return true;
        return false;
      });
    }
    return [from, to];
  }
}

export function indexName(spec: SortSpec): string {
  return Object.entries(spec)
    .map(([f, d]) => `${f}_${d}`)
    .join('_');
}

export function validateIndexSpec(fields: unknown): SortSpec {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new TypeError('index fields must be an object');
  const entries = Object.entries(fields as Record<string, unknown>);
  if (entries.length === 0) throw new TypeError('an index needs at least one field');
  for (const [f, d] of entries) {
    if (d !== 1 && d !== -1) throw new TypeError(`index direction for ${f} must be 1 or -1`);
    if (f === '' || f.startsWith('$')) throw new TypeError(`invalid index field "${f}"`);
  }
  return fields as SortSpec;
}

// ---------------------------------------------------------------------------
// Query planning

export interface IndexPlan {
  index: SecondaryIndex;
  /** Leaves that can hold matches. */
  leaves: Leaf[];
  /** Disjoint intervals on the last index field, ascending. */
  intervals: Interval[];
}

/** Up to this many prefix combinations are looked up directly rather than by walking leaves. */
const MAX_PREFIX_COMBINATIONS = 256;

export function planIndex(indexes: Iterable<SecondaryIndex>, conditions: readonly Condition[]): IndexPlan | undefined {
  const byField = new Map<string, Condition>();
  for (const c of conditions) {
    // Two conditions on one field cannot happen with an object filter; keep the first regardless.
    if (!byField.has(c.field)) byField.set(c.field, c);
  }
  let best: { index: SecondaryIndex; score: number } | undefined;
  for (const index of indexes) {
    let k = 0;
    while (k < index.prefixLength && byField.get(index.fields[k])?.values) k++;
    const last = byField.get(index.fields[index.fields.length - 1]);
    const lastUsable = k === index.prefixLength && last !== undefined && (last.values !== undefined || hasRange(last));
    const score = k * 2 + (lastUsable ? 1 : 0);
    if (score > 0 && (!best || score > best.score)) best = { index, score };
  }
  if (!best) return undefined;
  const index = best.index;

  const prefixValues: (Set<string> | undefined)[] = [];
  let combinations = 1;
  for (let i = 0; i < index.prefixLength; i++) {
    const values = byField.get(index.fields[i])?.values;
    if (!values) {
      prefixValues.push(undefined);
      combinations = Infinity;
      continue;
    }
    const keys = new Set(values.map(valueKey));
    prefixValues.push(keys);
    combinations *= keys.size;
  }

  let leaves: Leaf[];
  if (combinations <= MAX_PREFIX_COMBINATIONS) {
    let prefixes: string[][] = [[]];
    for (const keys of prefixValues) prefixes = prefixes.flatMap((p) => [...(keys as Set<string>)].map((k) => [...p, k]));
    leaves = [];
    for (const p of prefixes) {
      const leaf = index.leaves.get(joinKeys(p));
      if (leaf) leaves.push(leaf);
    }
  } else {
    leaves = [...index.leaves.values()].filter((leaf) => leaf.prefix.every((k, i) => prefixValues[i]?.has(k) ?? true));
  }

  const last = byField.get(index.fields[index.fields.length - 1]);
  let intervals: Interval[] = [{}];
  if (last?.values) {
    const sorted = [...last.values].sort(compareValues).filter((v, i, a) => i === 0 || compareValues(a[i - 1], v) !== 0);
    intervals = sorted.map((v) => ({ gte: v, lte: v }));
  } else if (last && hasRange(last)) {
    intervals = [{ gt: last.gt, gte: last.gte, lt: last.lt, lte: last.lte }];
  }
  return { index, leaves, intervals };
}
