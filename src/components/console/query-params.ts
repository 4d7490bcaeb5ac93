/**
 * Query parameters the history and log searches share: a time range, and opaque cursors
 * that a forged or stale-format value cannot get past.
 */
import { parseTimeParam } from '../../core/time.ts';
import { badRequest, type FieldError } from '../../platform/problem.ts';

/** `from` and `to` as epoch ms; a 400 naming each that is not a time. */
export function timeRange(q: { from?: string; to?: string }): { from?: number; to?: number } {
  const from = parseTimeParam(q.from);
  const to = parseTimeParam(q.to);
  const errors: FieldError[] = [];
  if (Number.isNaN(from)) errors.push({ pointer: 'querystring/from', detail: 'is not an ISO 8601 time or epoch milliseconds' });
  if (Number.isNaN(to)) errors.push({ pointer: 'querystring/to', detail: 'is not an ISO 8601 time or epoch milliseconds' });
  if (errors.length) throw badRequest('invalid time range', errors);
  return { from, to };
}

export interface CursorCodec<T> {
  encode(position: T): string;
  /** The position a cursor holds; a 400 naming `cursor` when it is not one this API gave out. */
  decode(cursor: string | undefined): T | undefined;
}

/** Cursors as base64url JSON, accepted back only when `accept` recognises what they hold. */
export function cursorCodec<T>(accept: (position: unknown) => position is T): CursorCodec<T> {
  return {
    encode: (position) => Buffer.from(JSON.stringify(position)).toString('base64url'),
    decode: (cursor) => {
      if (cursor === undefined) return undefined;
      let position: unknown;
      try {
        position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        // refused below
      }
      if (accept(position)) return position;
      throw badRequest('invalid cursor', [{ pointer: 'querystring/cursor', detail: 'is not a cursor this API gave out; pass the `next` of the previous page' }]);
    },
  };
}
