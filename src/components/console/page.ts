/**
 * The operator console, rendered on the server: missions, spacecraft and open alerts.
 */
import type { Alert, Mission, Spacecraft } from '../../core/schemas.ts';

const escape = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface ConsoleView {
  missions: Mission[];
  spacecraft: Spacecraft[];
  alerts: Alert[];
  now: Date;
}

export function renderConsole(view: ConsoleView): string {
  const rows = <T>(items: T[], empty: string, cells: (item: T) => unknown[]) =>
    items.length
      ? items.map((item) => `<tr>${cells(item).map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('\n')
      : `<tr><td colspan="9" class="empty">${escape(empty)}</td></tr>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10">
<title>Orbit console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #0b1020; color: #dde3f0; }
  header { padding: 12px 24px; background: #131a33; display: flex; gap: 24px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header a { color: #8fb3ff; }
  main { padding: 16px 24px; display: grid; gap: 24px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #253056; }
  th { color: #9aa7c7; font-weight: 600; }
  .critical { color: #ff6b6b; font-weight: 600; }
  .warning { color: #ffd166; font-weight: 600; }
  .empty { color: #6c7899; }
  footer { padding: 8px 24px; color: #6c7899; }
</style>
</head>
<body>
<header><h1>Orbit console</h1><a href="/dashboard">Live dashboard</a><a href="/docs">API</a></header>
<main>
<section>
<h2>Open alerts (${view.alerts.length})</h2>
<table><thead><tr><th>Severity</th><th>Spacecraft</th><th>Channel</th><th>Rule</th><th>State</th><th>Value</th><th>Threshold</th><th>Opened</th><th>Message</th></tr></thead>
<tbody>
${view.alerts.length
    ? view.alerts.map((a) => `<tr><td class="${escape(a.severity)}">${escape(a.severity)}</td><td>${escape(a.spacecraft)}</td><td>${escape(a.channel)}</td><td>${escape(a.rule)}</td><td>${escape(a.state)}</td><td>${escape(a.value)}</td><td>${escape(a.threshold)}</td><td>${escape(a.openedAt)}</td><td>${escape(a.message)}</td></tr>`).join('\n')
    : '<tr><td colspan="9" class="empty">No open alerts</td></tr>'}
</tbody></table>
</section>
<section>
<h2>Missions</h2>
<table><thead><tr><th>Id</th><th>Name</th><th>Description</th><th>Created</th></tr></thead>
<tbody>${rows(view.missions, 'No missions yet', (m) => [m.id, m.name, m.description, m.createdAt])}</tbody></table>
</section>
<section>
<h2>Spacecraft</h2>
<table><thead><tr><th>Id</th><th>Mission</th><th>Name</th><th>TLE</th></tr></thead>
<tbody>${rows(view.spacecraft, 'No spacecraft yet', (s) => [s.id, s.missionId, s.name, s.tle ? 'yes' : 'no'])}</tbody></table>
</section>
</main>
<footer>Rendered ${escape(view.now.toISOString())}; refreshes every 10 s.</footer>
</body>
</html>`;
}
