/**
 * Every Orbit dashboard, by the file it is committed as under deploy/grafana/dashboards.
 * `npm run dashboards` writes them; a unit test fails when the committed files differ.
 */
import path from 'node:path';
import { alertsDashboard } from './alerts.ts';
import { pipelineDashboard } from './pipeline.ts';
import { servicesDashboard } from './services.ts';

export const DASHBOARDS_DIR = path.resolve(import.meta.dirname, '../../deploy/grafana/dashboards');

/** File name -> the JSON text to commit. */
export function renderDashboards(): Map<string, string> {
  const all = { 'orbit-pipeline.json': pipelineDashboard(), 'orbit-services.json': servicesDashboard(), 'orbit-alerts.json': alertsDashboard() };
  return new Map(Object.entries(all).map(([file, builder]) => [file, `${JSON.stringify(builder.build(), null, 2)}\n`]));
}
