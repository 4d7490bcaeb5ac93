/** `npm run dashboards`: writes the Orbit dashboards to deploy/grafana/dashboards. */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DASHBOARDS_DIR, renderDashboards } from './dashboards.ts';

const rendered = renderDashboards();
await mkdir(DASHBOARDS_DIR, { recursive: true });
for (const file of await readdir(DASHBOARDS_DIR)) {
  if (file.endsWith('.json') && !rendered.has(file)) await rm(path.join(DASHBOARDS_DIR, file));
}
for (const [file, text] of rendered) await writeFile(path.join(DASHBOARDS_DIR, file), text);
console.error(`dashboards: wrote ${[...rendered.keys()].join(', ')} to ${path.relative(process.cwd(), DASHBOARDS_DIR)}`);
