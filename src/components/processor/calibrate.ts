/**
 * One spacecraft's readings of an ingest batch, calibrated to engineering values: the
 * rows to store and the event to publish. Pure, so every rule of it is unit-tested.
 */
import { calibrate } from '../../core/calibration.ts';
import type { IngestBatch, ProcessedBatch, ProcessedReading } from '../../core/messages.ts';
import type { SpacecraftView } from '../../stores/missions/catalog.ts';
import type { StoredReading } from '../../stores/telemetry/store.ts';

export type IngestItem = IngestBatch['items'][number];

export interface Calibrated {
  rows: StoredReading[];
  event: ProcessedBatch;
}

/** Throws on a spacecraft or channel the mission database does not know: such a batch is retried, then dead-lettered. */
export function calibrateItem(batch: Pick<IngestBatch, 'batchId' | 'receivedAt'>, item: IngestItem, view: SpacecraftView | undefined, processedAt: number): Calibrated {
  if (!view) throw new Error(`unknown spacecraft "${item.spacecraft}"`);
  const rows: StoredReading[] = [];
  const readings: ProcessedReading[] = item.readings.map((r) => {
    const channel = view.channels.get(r.channel);
    if (!channel) throw new Error(`unknown channel "${r.channel}" of spacecraft "${item.spacecraft}"`);
    const value = typeof r.value === 'number' ? calibrate(r.value, channel.calibration) : r.value;
    rows.push({ spacecraft: item.spacecraft, channel: r.channel, time: r.time, raw: r.value, value, type: channel.type, batchId: batch.batchId });
    return { channel: r.channel, time: r.time, raw: r.value, value };
  });
  return { rows, event: { batchId: batch.batchId, spacecraft: item.spacecraft, receivedAt: batch.receivedAt, processedAt, readings } };
}
