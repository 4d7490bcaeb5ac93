/**
 * What travels between targets: task-queue messages and event-log records.
 * Times are epoch milliseconds on the wire.
 */
import type { Alert, AlertAction, AlertState, ChannelType, ReadingValue, Severity } from './schemas.ts';

export const QUEUES = { ingest: 'telemetry.ingest', jobs: 'compute.jobs', notifications: 'notifications.deliveries' } as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * How often a message of each queue is tried before it is dead-lettered, and the delay
 * before the first retry. The queue module declares every queue with these at start.
 */
export const QUEUE_OPTIONS: Readonly<Record<QueueName, { maxAttempts: number; retryDelayMs: number }>> = {
  [QUEUES.ingest]: { maxAttempts: 5, retryDelayMs: 500 },
  [QUEUES.jobs]: { maxAttempts: 3, retryDelayMs: 2000 },
  // 1 + 2 + 4 + ... + 64 s: a receiver that is away for about two minutes still gets it.
  [QUEUES.notifications]: { maxAttempts: 8, retryDelayMs: 1000 },
};

/** Topics of the event log; the events module creates each at start. */
export const TOPICS = { processed: 'telemetry.processed', alerts: 'alerts', computeResults: 'compute.results' } as const;

/** The durable consumer groups and what they read, for lag metrics. */
export const GROUPS = [
  { group: 'enricher', topic: TOPICS.processed },
  { group: 'analyzer', topic: TOPICS.processed },
  { group: 'notifier', topic: TOPICS.alerts },
] as const;

/** A reading as a client sent it. */
export interface RawReading {
  channel: string;
  time: number;
  value: ReadingValue;
}

/**
 * A channel as ingest checked readings against it. Its type spares the processor a
 * catalogue read; its revision tells the analyzer whether the definition it holds is the
 * one the readings were checked against.
 */
export interface ChannelRef {
  name: string;
  type: ChannelType;
  revision: number;
}

/** A reading checked and calibrated by ingest. */
export interface CalibratedReading {
  channel: string;
  time: number;
  /** Engineering value after calibration. */
  value: ReadingValue;
  /** The value as sent, only where calibration changed it. */
  raw?: ReadingValue;
}

/** One spacecraft's readings of an ingest batch, with every channel they name. */
export interface IngestItem {
  spacecraft: string;
  channels: ChannelRef[];
  readings: CalibratedReading[];
}

/** One accepted POST /v1/telemetry: stored whole or not at all. */
export interface IngestBatch {
  batchId: string;
  receivedAt: number;
  items: IngestItem[];
}

/**
 * The CloudEvents type of an IngestBatch on the task queue. v1 carried raw readings for
 * the processor to check and calibrate against the mission database; v2 carries what
 * ingest checked and calibrated.
 */
export const INGEST_BATCH_TYPE = 'orbit.telemetry.batch.v2';

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
  /**
   * The channels of the readings, as ingest checked them. Records written before channels
   * were carried (still on the log, and fed again by a replay) have none.
   */
  channels?: ChannelRef[];
  readings: ProcessedReading[];
}

/** An alert after a change, with the change that made it. */
export interface AlertEvent {
  alert: Alert;
  transition: { from: AlertState | null; to: AlertState; action: AlertAction; severity: Severity; at: number; by?: string; comment?: string };
  /** The batch whose reading caused the change, when a reading did. */
  batchId?: string;
  receivedAt?: number;
}

/** A notifications.deliveries message: the delivery's row holds the rest. */
export interface DeliveryMessage {
  deliveryId: string;
}
