/**
 * How event log records look on the wire in Kafka, and how Kafka client errors are named
 * for Orbit: keys and header values are UTF-8, values JSON, timestamps CreateTime.
 */
import type { MessageToProduce, RecordsBatch } from '@platformatic/kafka';
import { keyHash } from '../shared/partitioner.ts';
import { isNetworkCode } from '../shared/unavailable.ts';
import type { EventRecord, OutgoingEvent } from './port.ts';

/** Control batches (transaction markers) carry no records for the application. */
const CONTROL_BATCH = 0b10_0000;

/**
 * The shared partitioner as the producer asks for it: the key's hash, taken mod partitions
 * by the client (whose own default would use `>>> 0`, and land keys elsewhere).
 */
export function javaCompatiblePartition(_message: unknown, key: Buffer | undefined): number {
  if (!key) throw new TypeError('event key must be a string');
  return keyHash(key);
}

export function encodeEvent<T>(topic: string, event: OutgoingEvent<T>, now: number): MessageToProduce {
  if (typeof event.key !== 'string') throw new TypeError('event key must be a string');
  const headers = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(event.headers ?? {})) headers.set(Buffer.from(name), Buffer.from(String(value)));
  const json = JSON.stringify(event.value);
  return {
    topic,
    key: Buffer.from(event.key, 'utf8'),
    value: json === undefined ? undefined : Buffer.from(json, 'utf8'),
    headers,
    timestamp: BigInt(Math.trunc(event.timestamp ?? now)),
  };
}

/** Records of `batches` at or after `from`, in offset order, appended to `out` until it holds `limit`. */
export function decodeBatches<T>(topic: string, partition: number, batches: readonly RecordsBatch[] | null | undefined, from: bigint, out: EventRecord<T>[] = [], limit = Infinity): EventRecord<T>[] {
  for (const batch of batches ?? []) {
    if (batch.attributes & CONTROL_BATCH) continue;
    for (const record of batch.records) {
      if (out.length >= limit) return out;
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < from) continue;
      const headers: Record<string, string> = {};
      for (const [name, value] of record.headers) if (name) headers[name.toString('utf8')] = value?.toString('utf8') ?? '';
      out.push({
        topic,
        partition,
        offset: Number(offset),
        key: record.key?.toString('utf8') ?? '',
        value: parseValue(record.value) as T,
        headers,
        timestamp: Number(batch.firstTimestamp + record.timestampDelta),
      });
    }
  }
  return out;
}

/** JSON as published by the event log; a record written by another producer that is not JSON is handed over as its text. */
function parseValue(value: Buffer | null): unknown {
  if (value === null) return null;
  const text = value.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The offset after the last record of `batches` (control records included), or undefined when there are none. */
export function nextOffsetAfter(batches: readonly RecordsBatch[] | null | undefined): bigint | undefined {
  const last = batches?.at(-1);
  return last ? last.firstOffset + BigInt(last.lastOffsetDelta) + 1n : undefined;
}

/* ------------------------------------------------------------------ errors */

interface ClientError {
  message?: string;
  code?: string;
  apiId?: string;
  canRetry?: boolean;
  errors?: unknown[];
  cause?: unknown;
}

/** Every error in a client error's chain (MultipleErrors nests them). */
function chain(error: unknown, depth = 0): ClientError[] {
  if (!error || typeof error !== 'object' || depth > 6) return [];
  const e = error as ClientError;
  return [e, ...(e.errors ?? []).flatMap((inner) => chain(inner, depth + 1)), ...chain(e.cause, depth + 1)];
}

/** The Kafka protocol error names (e.g. ILLEGAL_GENERATION) anywhere in the chain. */
export function protocolErrors(error: unknown): Set<string> {
  return new Set(chain(error).flatMap((e) => (e.apiId ? [e.apiId] : [])));
}

export function hasProtocolError(error: unknown, ...names: string[]): boolean {
  const found = protocolErrors(error);
  return names.some((name) => found.has(name));
}

/** The cluster does not know the topic (the client turns the protocol error into a plain one for metadata). */
export function isUnknownTopic(error: unknown): boolean {
  return hasProtocolError(error, 'UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_ID') || chain(error).some((e) => e.code === 'PLT_KFK_USER' && /^Unknown topic /.test(e.message ?? ''));
}

/** Connection refused, reset or timed out: the broker could not be reached. */
export function isConnectionError(error: unknown): boolean {
  return chain(error).some((e) => e.code === 'PLT_KFK_NETWORK' || e.code === 'PLT_KFK_TIMEOUT' || isNetworkCode(e.code));
}

/** Errors after which the same request may succeed later: the broker is away, restarting or moving a leader. */
export function isTransient(error: unknown): boolean {
  return (
    isConnectionError(error) ||
    hasProtocolError(
      error,
      'COORDINATOR_NOT_AVAILABLE',
      'COORDINATOR_LOAD_IN_PROGRESS',
      'NOT_COORDINATOR',
      'LEADER_NOT_AVAILABLE',
      'NOT_LEADER_OR_FOLLOWER',
      'REQUEST_TIMED_OUT',
      'NOT_ENOUGH_REPLICAS',
      'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
      'KAFKA_STORAGE_ERROR',
      'FENCED_LEADER_EPOCH',
      'UNKNOWN_LEADER_EPOCH',
      'NETWORK_EXCEPTION',
    )
  );
}

/** A short description of a client error: its message and the protocol errors it carries. */
export function describeError(error: unknown): string {
  const names = [...protocolErrors(error)];
  const message = error instanceof Error ? error.message : String(error);
  return names.length ? `${message} [${names.join(', ')}]` : message;
}

/** The broker list as it may appear in messages: anything that looks like credentials is dropped. */
export function safeBrokers(brokers: readonly string[]): string {
  return brokers.map((b) => b.replace(/^.*@/, '')).join(',');
}
