/**
 * Every module Orbit has. Targets are the ones a user can start by name.
 */
import { defineModule, type Module } from '../platform/modules.ts';
import { docsModule, eventsModule, logsModule, queueModule, sqlModule } from '../engines/modules.ts';
import { missionsModule } from '../components/missions/module.ts';
import { ingestModule } from '../components/ingest/module.ts';
import { processorModule } from '../components/processor/module.ts';
import { enricherModule } from '../components/enricher/module.ts';
import { analyzerModule } from '../components/analyzer/module.ts';
import { computeModule } from '../components/compute/module.ts';
import { dashboardModule } from '../components/dashboard/module.ts';
import { consoleModule } from '../components/console/module.ts';
import { simulatorModule } from '../components/simulator/module.ts';

const components = [ingestModule, processorModule, enricherModule, analyzerModule, computeModule, dashboardModule, consoleModule, simulatorModule];

export const allModule = defineModule({
  name: 'all',
  deps: components.map((c) => c.name),
  target: { description: 'Every component in one process (the default)', routes: [] },
  async start() {
    return { value: undefined };
  },
});

export const modules: ReadonlyMap<string, Module> = new Map(
  ([sqlModule, queueModule, eventsModule, docsModule, logsModule, missionsModule, ...components, allModule] as Module[]).map((m) => [m.name, m]),
);

export const targets = [...modules.values()].filter((m) => m.target);
