/**
 * The opaque cursors the history and log searches share, which a forged or stale-format
 * value cannot get past.
 */
import { badRequest } from '../../platform/problem.ts';

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
