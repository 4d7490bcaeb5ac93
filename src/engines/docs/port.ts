/**
 * Document store port: a narrow subset of MongoDB's collection API.
 */

import { service } from '../../core/service.ts';

export type Scalar = string | number | boolean | null;

export interface Range {
  $eq?: Scalar;
  $gt?: Scalar;
  $gte?: Scalar;
  $lt?: Scalar;
  $lte?: Scalar;
  $in?: Scalar[];
}

/** Top-level fields (dotted paths allowed) matched by equality or a range. All must hold. */
export type Filter = Record<string, Scalar | Range>;

export interface FindOptions {
  /** One or more fields, 1 ascending, -1 descending, applied in order. Documents equal on every sort key come back in an unspecified order. */
  sort?: Record<string, 1 | -1>;
  limit?: number;
}

export interface Doc {
  _id: string;
  [field: string]: unknown;
}

export interface Collection<T extends Doc = Doc> {
  createIndex(fields: Record<string, 1 | -1>, options?: { unique?: boolean }): Promise<void>;
  /**
   * Inserts or replaces each document by _id, all durably, before resolving. If a unique index
   * refuses any document, rejects with a DuplicateKeyError (code 11000) and none of the batch stays
   * stored (engines without transactions compensate).
   */
  upsertMany(docs: T[]): Promise<void>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  count(filter: Filter): Promise<number>;
  deleteMany(filter: Filter): Promise<number>;
}

export interface DocumentStore {
  collection<T extends Doc = Doc>(name: string): Collection<T>;
  isReady(): boolean;
  close(): Promise<void>;
}

/** Raised when an upsert or createIndex would break a unique index. Code as in MongoDB. */
export class DuplicateKeyError extends Error {
  readonly code = 11000;
  readonly index: string;
  constructor(collection: string, index: string, id: string) {
    super(`duplicate key in collection "${collection}" on unique index ${index} (document _id "${id}")`);
    this.name = 'DuplicateKeyError';
    this.index = index;
  }
}

/** The name modules depend on. */
export const DOCS = service<DocumentStore>('docs');
