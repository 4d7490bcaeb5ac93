/**
 * The cursor of GET /v1/jobs/{id}/result: opaque to clients (base64url of the index of the
 * next row), so its form can change without breaking them. A result never changes once
 * written, so a row index is a stable place to resume.
 */
import { badRequest } from '../../platform/problem.ts';

/** Parts read per query of a page: a page of 10,000 rows spans a handful of parts. */
export const MAX_PAGE_PARTS = 8;

export const encodeCursor = (row: number) => Buffer.from(`r${row}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const match = /^r(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match) throw badRequest('invalid cursor', [{ pointer: 'querystring/cursor', detail: 'is not a cursor this API gave out; pass the `next` of the previous page' }]);
  return Number(match[1]);
}
