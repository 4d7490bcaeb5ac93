/**
 * What operators do to an alert through the API, and the checks the request schemas
 * cannot make (a shelf needs exactly one of `until` and `forSeconds`, in the future).
 */
import type { Shelve } from '../../core/schemas.ts';
import { toEpochMs } from '../../core/time.ts';
import type { FieldError } from '../../platform/problem.ts';

export type OperatorAction =
  | { kind: 'acknowledge'; by: string; comment?: string }
  | { kind: 'shelve'; by: string; until: number; comment?: string }
  | { kind: 'unshelve'; by: string; comment?: string }
  | { kind: 'comment'; by: string; comment: string }
  | { kind: 'assign'; by: string; to: string | null; comment?: string }
  | { kind: 'clear'; by: string; comment?: string };

/** Until when (epoch ms) a shelve request shelves, or what is wrong with it. */
export function shelfEnd(body: Shelve, now: number): number | FieldError[] {
  if ((body.until === undefined) === (body.forSeconds === undefined)) {
    return [{ pointer: body.until === undefined ? '' : '/forSeconds', detail: 'give exactly one of until and forSeconds' }];
  }
  if (body.forSeconds !== undefined) return now + Math.round(body.forSeconds * 1000);
  const until = toEpochMs(body.until!);
  return until > now ? until : [{ pointer: '/until', detail: `must be in the future (now is ${new Date(now).toISOString()})` }];
}
