/**
 * Records of a queue's logs. The message log holds publish, ack and retry records,
 * the dead-letter log dead records.
 */
import type { PayloadPart } from '../storage/frame.ts';
import { FRAME_HEADER_BYTES } from '../storage/frame.ts';

export const PUBLISH = 1;
export const ACK = 2;
export const RETRY = 3;
export const DEAD = 4;

export interface PublishMeta {
  id: string;
  h: Record<string, string>;
  at: number;
  /** Attempt and due time, present on copies of a message that had been retried. */
  a?: number;
  nb?: number;
  /** On a copy: the sequence number of the record it replaces. */
  from?: number;
}
export interface AckMeta {
  s: number;
}
export interface RetryMeta {
  s: number;
  a: number;
  nb: number;
}
export interface DeadMeta {
  id: string;
  h: Record<string, string>;
  at: number;
  a: number;
  reason: string;
  deadAt: number;
  src: number;
}

export interface Encoded {
  parts: PayloadPart[];
  bytes: number;
}

/** Layout: u8 type | u32 LE meta length | meta JSON | body JSON (publish and dead records only). */
export function encodeRecord(type: number, meta: object, body?: PayloadPart): Encoded {
  const metaJson = JSON.stringify(meta);
  const head = Buffer.allocUnsafe(5);
  head[0] = type;
  const metaBytes = Buffer.byteLength(metaJson);
  head.writeUInt32LE(metaBytes, 1);
  if (body === undefined) return { parts: [head, metaJson], bytes: FRAME_HEADER_BYTES + 5 + metaBytes };
  const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  return { parts: [head, metaJson, body], bytes: FRAME_HEADER_BYTES + 5 + metaBytes + bodyBytes };
}

export function decodeRecord<M>(payload: Buffer): { type: number; meta: M; body: Buffer } {
  const metaEnd = 5 + payload.readUInt32LE(1);
  return {
    type: payload[0],
    meta: JSON.parse(payload.toString('utf8', 5, metaEnd)) as M,
    body: payload.subarray(metaEnd),
  };
}

export function ackRecord(seq: number): PayloadPart[] {
  return encodeRecord(ACK, { s: seq } satisfies AckMeta).parts;
}

export function retryRecord(seq: number, attempt: number, notBefore: number): PayloadPart[] {
  return encodeRecord(RETRY, { s: seq, a: attempt, nb: notBefore } satisfies RetryMeta).parts;
}
