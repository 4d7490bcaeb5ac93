/** The queries in the committed Grafana dashboards, for the tests that check them. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DASHBOARDS_DIR } from '../../ops/grafana/dashboards.ts';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  /** `prometheus` or `loki`, from the panel's datasource. */
  datasource: string;
  expr: string;
}

interface Panel {
  type: string;
  title?: string;
  datasource?: { type: string; uid: string };
  targets?: { expr?: string }[];
  panels?: Panel[];
}

export interface Dashboard {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown; datasource?: { type: string; uid: string } }[] };
}

export async function committedDashboards(): Promise<Map<string, Dashboard>> {
  const files = (await readdir(DASHBOARDS_DIR)).filter((f) => f.endsWith('.json')).sort();
  return new Map(await Promise.all(files.map(async (f) => [f, JSON.parse(await readFile(path.join(DASHBOARDS_DIR, f), 'utf8')) as Dashboard] as const)));
}

export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
  return panels.flatMap((p) => (p.targets ?? []).map((t) => ({ dashboard: dashboard.title, panel: p.title ?? '', datasource: p.datasource?.type ?? '', expr: t.expr ?? '' })));
}
