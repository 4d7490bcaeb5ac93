/**
 * CloudEvents attributes carried as message headers (the Kafka and AMQP protocol
 * bindings' binary mode), so the body stays the bare data and any consumer can
 * tell what a message is, where it came from and which trace it belongs to.
 */
import { randomUUID } from 'node:crypto';

export function cloudEventHeaders(type: string, source: string, options: { id?: string; traceparent?: string } = {}): Record<string, string> {
  return {
    ce_specversion: '1.0',
    ce_id: options.id ?? randomUUID(),
    ce_source: source,
    ce_type: type,
    ce_time: new Date().toISOString(),
    content_type: 'application/json',
    ...(options.traceparent && { traceparent: options.traceparent }),
  };
}
