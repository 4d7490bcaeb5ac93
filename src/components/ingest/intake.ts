/**
 * Takes parsed readings in: checks and calibrates them against the mission database,
 * registers the channels a mission auto-registers, and puts the whole batch on the task
 * queue as one message that carries what the processor needs (each channel's type and
 * revision, the calibrated values). Either every reading is accepted or none is, and
 * every bad field is named.
 */
import { randomUUID } from 'node:crypto';
import { INGEST_BATCH_TYPE, QUEUES, type IngestBatch } from '../../core/messages.ts';
import type { TaskQueue } from '../../engines/queue/port.ts';
import { cloudEventHeaders } from '../../platform/envelope.ts';
import { badRequest, type FieldError } from '../../platform/problem.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import type { Located } from './parse.ts';
import { checkGroup, type CheckedGroup, type LocatedReading } from './validate.ts';

export interface Accepted {
  batchId: string;
  accepted: number;
}

export class Intake {
  readonly #catalog: MissionCatalog;
  readonly #queue: TaskQueue;
  readonly #maxFutureMs: number;

  /** `maxFutureMs`: how far past this server's clock a reading may be timestamped. */
  constructor(catalog: MissionCatalog, queue: TaskQueue, options: { maxFutureMs: number }) {
    this.#catalog = catalog;
    this.#queue = queue;
    this.#maxFutureMs = options.maxFutureMs;
  }

  /**
   * Channels a batch would auto-register past ORBIT_MAX_CHANNELS_PER_SPACECRAFT: each is
   * named at its first reading, and the batch is refused whole.
   */
  #channelRoomProblems(spacecraft: string, held: number, group: CheckedGroup, readings: readonly LocatedReading[], errors: FieldError[]): void {
    const max = this.#catalog.caps.maxChannelsPerSpacecraft;
    if (held + group.newChannels.length <= max) return;
    for (const { name } of group.newChannels) {
      const first = readings.find((r) => r.channel === name)!;
      errors.push({ pointer: `${first.pointer}/channel`, detail: `would auto-register channel "${name}", but spacecraft "${spacecraft}" has ${held} channels and ${group.newChannels.length} new ones would pass the most ORBIT_MAX_CHANNELS_PER_SPACECRAFT allows (${max})` });
    }
  }

  /**
   * `errors` holds what parsing found already; any error in the end answers 400
   * (`onRejected` learns how many readings were turned away). Resolves once the batch
   * is durable on the queue.
   */
  async accept(located: Located, errors: FieldError[], options: { traceparent?: string; onRejected?(readings: number): void; onEnqueued?(seconds: number): void } = {}): Promise<Accepted> {
    const total = [...located.values()].reduce((n, g) => n + g.readings.length, 0);
    const reject = () => {
      options.onRejected?.(total);
      return badRequest(`${errors.length} problem(s) in the batch; nothing was stored`, errors);
    };
    const groups: CheckedGroup[] = [];
    const latest = Date.now() + this.#maxFutureMs;
    for (const [spacecraft, { pointer, readings }] of located) {
      const view = await this.#catalog.spacecraftWith(spacecraft, new Set(readings.map((r) => r.channel)));
      const group = checkGroup(spacecraft, view, readings, pointer, errors, latest);
      if (group && view) this.#channelRoomProblems(spacecraft, view.channels.size, group, readings, errors);
      if (group) groups.push(group);
    }
    if (errors.length) throw reject();
    for (const [i, g] of groups.entries()) {
      if (!g.newChannels.length) continue;
      const { spacecraft } = g.item;
      // The store checks the cap again under the spacecraft's lock, against batches registering meanwhile.
      await this.#catalog.registerChannels(spacecraft, g.newChannels);
      // Another batch may have registered the same channel with another type meanwhile;
      // checked again, the group holds the readings of the new channels too.
      const { pointer, readings } = located.get(spacecraft)!;
      const again = checkGroup(spacecraft, await this.#catalog.spacecraft(spacecraft), readings, pointer, errors, latest);
      // Never half a batch: readings of a channel that is still unknown would be left out.
      if (again?.newChannels.length) throw new Error(`channels registered for spacecraft "${spacecraft}" are not in the mission database`);
      if (again) groups[i] = again;
    }
    if (errors.length) throw reject();

    const batch: IngestBatch = { batchId: randomUUID(), receivedAt: Date.now(), items: groups.map((g) => g.item) };
    const started = performance.now();
    await this.#queue.publish(QUEUES.ingest, batch, {
      id: batch.batchId,
      headers: cloudEventHeaders(INGEST_BATCH_TYPE, '/orbit/ingest', { id: batch.batchId, traceparent: options.traceparent }),
    });
    options.onEnqueued?.((performance.now() - started) / 1000);
    return { batchId: batch.batchId, accepted: total };
  }
}
