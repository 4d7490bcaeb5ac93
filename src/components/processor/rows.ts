/**
 * One spacecraft's readings of an ingest batch, as ingest checked and calibrated them: the
 * rows to store and the event to publish. Pure, so every rule of it is unit-tested.
 */
import type { IngestBatch, IngestItem, ProcessedBatch, ProcessedReading } from '../../core/messages.ts';
import type { ChannelType } from '../../core/schemas.ts';
import type { StoredReading } from '../../stores/telemetry/store.ts';

export interface ProcessedItem {
  rows: StoredReading[];
  event: ProcessedBatch;
}

/** Throws on a reading whose channel the item does not name: such a message is retried, then dead-lettered. */
export function processItem(batch: Pick<IngestBatch, 'batchId' | 'receivedAt'>, item: IngestItem, processedAt: number): ProcessedItem {
  const types = new Map<string, ChannelType>();
  for (const c of item.channels) types.set(c.name, c.type);
  const rows: StoredReading[] = [];
  const readings: ProcessedReading[] = [];
  for (const r of item.readings) {
    const type = types.get(r.channel);
    if (!type) throw new Error(`reading of channel "${r.channel}" of spacecraft "${item.spacecraft}" without its channel in the message`);
    const raw = r.raw ?? r.value;
    rows.push({ spacecraft: item.spacecraft, channel: r.channel, time: r.time, raw, value: r.value, type, batchId: batch.batchId });
    readings.push({ channel: r.channel, time: r.time, raw, value: r.value });
  }
  return { rows, event: { batchId: batch.batchId, spacecraft: item.spacecraft, receivedAt: batch.receivedAt, processedAt, channels: item.channels, readings } };
}
