/**
 * What travels between targets: task-queue messages and event-log records.
 * Times are epoch milliseconds on the wire.
 */
import type { Alert, AlertState, ReadingValue, Severity } from './schemas.ts';

export const QUEUES = { ingest: 'telemetry.ingest', jobs: 'compute.jobs' } as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * How often a message of each queue is tried before it is dead-lettered, and the delay
 * before the first retry. The queue module declares every queue with these at start.
 */
export const QUEUE_OPTIONS: Readonly<Record<QueueName, { maxAttempts: number; retryDelayMs: number }>> = {
  [QUEUES.ingest]: { maxAttempts: 5, retryDelayMs: 500 },
  [QUEUES.jobs]: { maxAttempts: 3, retryDelayMs: 2000 },
};

/** Topics of the event log; the events module creates each at start. */
export const TOPICS = { processed: 'telemetry.processed', alerts: 'alerts', computeResults: 'compute.results' } as const;

/** The durable consumer groups and what they read, for lag metrics. */
export const GROUPS = [
  { group: 'enricher', topic: TOPICS.processed },
  { group: 'analyzer', topic: TOPICS.processed },
] as const;

export interface RawReading {
  channel: string;
  time: number;
  value: ReadingValue;
}

/** One accepted POST /v1/telemetry: stored whole or not at all. */
export interface IngestBatch {
  batchId: string;
  receivedAt: number;
  items: { spacecraft: string; readings: RawReading[] }[];
}

export interface ProcessedReading {
  channel: string;
  time: number;
  /** Engineering value after calibration. */
  value: ReadingValue;
  raw: ReadingValue;
}

/** The readings of one spacecraft from one ingest batch, keyed by spacecraft on the log. */
export interface ProcessedBatch {
  batchId: string;
  spacecraft: string;
  receivedAt: number;
  processedAt: number;
  readings: ProcessedReading[];
}

/** An alert after a change, with the change that made it. */
export interface AlertEvent {
  alert: Alert;
  transition: { from: AlertState | null; to: AlertState; severity: Severity; at: number };
  /** The batch whose reading caused the change, when a reading did. */
  batchId?: string;
  receivedAt?: number;
}
