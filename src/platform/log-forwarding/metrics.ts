/**
 * The forwarders' Prometheus metrics: what each backend was sent, what was dropped and
 * why, and what is waiting. The series of every configured backend exist from the start.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DropReason, ForwarderEvents } from './forwarder.ts';

export type Backend = 'loki' | 'logstash';

const REASONS: DropReason[] = ['overflow', 'rejected', 'shutdown'];

export interface ForwardMetrics {
  /** The events of one backend's forwarder, counted under its label. */
  events(backend: Backend): Pick<ForwarderEvents, 'sent' | 'dropped'>;
}

export function forwardMetrics(registry: Registry, backends: { backend: Backend; buffered: () => number }[]): ForwardMetrics {
  const sent = new Counter({ name: 'orbit_log_forward_sent_total', help: 'Log entries a log backend accepted', labelNames: ['backend'], registers: [registry] });
  const dropped = new Counter({
    name: 'orbit_log_forward_dropped_total', help: 'Log entries not forwarded: overflow (buffer full), rejected (refused by the backend), shutdown (still buffered at stop)',
    labelNames: ['backend', 'reason'], registers: [registry],
  });
  new Gauge({
    name: 'orbit_log_forward_buffered_entries', help: 'Log entries waiting to be forwarded', labelNames: ['backend'], registers: [registry],
    collect() {
      for (const b of backends) this.set({ backend: b.backend }, b.buffered());
    },
  });
  for (const { backend } of backends) {
    sent.inc({ backend }, 0);
    for (const reason of REASONS) dropped.inc({ backend, reason }, 0);
  }
  return {
    events: (backend) => ({
      sent: (n) => sent.inc({ backend }, n),
      dropped: (reason, n) => dropped.inc({ backend, reason }, n),
    }),
  };
}
