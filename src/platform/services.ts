/**
 * What each module hands to the modules that depend on it. Targets hand nothing.
 */
import type { SqlStore } from '../engines/sql/port.ts';
import type { TaskQueue } from '../engines/queue/port.ts';
import type { EventLog } from '../engines/events/port.ts';
import type { DocumentStore } from '../engines/docs/port.ts';
import type { LogIndex } from '../engines/logs/port.ts';
import type { MissionCatalog } from '../components/missions/catalog.ts';

export interface ServiceMap {
  sql: SqlStore;
  queue: TaskQueue;
  events: EventLog;
  docs: DocumentStore;
  logs: LogIndex;
  missions: MissionCatalog;
  ingest: void;
  processor: void;
  enricher: void;
  analyzer: void;
  compute: void;
  dashboard: void;
  console: void;
  simulator: void;
  all: void;
}
