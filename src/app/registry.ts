/**
 * Every module Orbit has: the engines behind the ports, the stores that own tables,
 * and the components. Targets are the ones a user can start by name.
 */
import { defineModule, type AnyModule } from '../platform/modules.ts';
import { storeModules } from '../stores/modules.ts';
import { analyzerModule, analyzerReplayModule } from '../components/analyzer/module.ts';
import { computeModule } from '../components/compute/module.ts';
import { consoleModule } from '../components/console/module.ts';
import { dashboardModule } from '../components/dashboard/module.ts';
import { enricherModule, enricherReplayModule } from '../components/enricher/module.ts';
import { ingestModule } from '../components/ingest/module.ts';
import { notifierModule } from '../components/notifier/module.ts';
import { processorModule } from '../components/processor/module.ts';
import { simulatorModule } from '../components/simulator/module.ts';
import { accessModule } from '../components/access/module.ts';
import { engineModules } from './engines.ts';

export { accessModule };

const components: AnyModule[] = [ingestModule, processorModule, enricherModule, analyzerModule, computeModule, notifierModule, dashboardModule, consoleModule, simulatorModule];

export const allModule = defineModule({
  name: 'all',
  deps: Object.fromEntries(components.map((c) => [c.name, c])),
  target: { description: 'Every component in one process (the default)' },
  async start() {
    return { value: undefined };
  },
});

export const modules: ReadonlyMap<string, AnyModule> = new Map(
  [...engineModules, ...storeModules, ...components, allModule, analyzerReplayModule, enricherReplayModule, accessModule].map((m) => [m.name, m]),
);

export const targets = [...modules.values()].filter((m) => m.target);
