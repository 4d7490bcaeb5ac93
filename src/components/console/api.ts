/** What the console's routes read: the stores, the log index and the task queue's dead letters. */
import type { LogIndex } from '../../engines/logs/port.ts';
import type { TaskQueue } from '../../engines/queue/port.ts';
import type { AlertStore } from '../../stores/alerts/store.ts';
import type { MissionCatalog } from '../../stores/missions/catalog.ts';
import type { TelemetryStore } from '../../stores/telemetry/store.ts';

export interface ConsoleApi {
  catalog: MissionCatalog;
  telemetry: TelemetryStore;
  alerts: AlertStore;
  logs: LogIndex;
  queue: TaskQueue;
}
