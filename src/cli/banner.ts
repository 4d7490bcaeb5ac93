/**
 * What `orbit start` shows a person at a terminal once it serves: where to point a
 * browser. Logs follow it; pipes and files get JSON lines only, and no banner.
 */
import type { Config } from '../platform/config.ts';

export function banner(config: Pick<Config, 'targets' | 'engines' | 'dataDir' | 'simulator'>, url: string, version: string): string {
  const serves = (target: string) => config.targets.includes('all') || config.targets.includes(target);
  const embedded = Object.values(config.engines).every((v) => v === undefined);
  const lines = [
    `Orbit ${version}: ${config.targets.join(', ')} on ${embedded ? `embedded engines (data in ${config.dataDir})` : 'the configured engines'}${config.simulator ? ', simulated fleet flying' : ''}`,
    '',
    ...(serves('dashboard') ? [`  Dashboard  ${url}/dashboard/`] : []),
    ...(serves('console') ? [`  Console    ${url}/console`] : []),
    `  API        ${url}/docs  (OpenAPI ${url}/openapi.json)`,
    `  Metrics    ${url}/metrics`,
    '',
    'Ctrl+C stops it; work already accepted is finished first.',
  ];
  return `\n${lines.join('\n')}\n\n`;
}
