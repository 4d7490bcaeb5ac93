/** What every document store refuses before it writes or reads anything, with the same words. */
import type { Doc } from './port.ts';

export function checkDocument(doc: unknown): Doc {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new TypeError('a document must be an object');
  const d = doc as Doc;
  if (typeof d._id !== 'string' || d._id === '') throw new TypeError('a document needs a non-empty string _id');
  for (const k of Object.keys(d)) {
    if (k.startsWith('$')) throw new TypeError(`document "${d._id}": field names may not start with "$" (${k})`);
  }
  return d;
}

/** 0 (or none) means no limit. */
export function checkLimit(limit: number | undefined): number {
  const n = limit ?? 0;
  if (!Number.isInteger(n) || n < 0) throw new TypeError('limit must be a non-negative integer');
  return n;
}
