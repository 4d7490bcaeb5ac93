/**
 * The console's front page: what needs attention (alerts not yet handled), and the
 * missions and spacecraft on record. It refreshes its alert table every 10 s through htmx.
 */
import type { Alert, Mission, Spacecraft } from '../../../core/schemas.ts';
import { html, type Html } from '../../../platform/html/html.ts';
import { page } from '../../../platform/html/layout.ts';

export interface OverviewView {
  missions: Mission[];
  spacecraft: Spacecraft[];
  alerts: Alert[];
}

export function alertsTable(alerts: Alert[]): Html {
  return html`<table id="overview-alerts" hx-get="/console/overview/alerts" hx-trigger="every 10s" hx-swap="outerHTML">
<caption class="muted">Open, back to normal but not acknowledged, and acknowledged: ${alerts.length}</caption>
<thead><tr><th>Severity</th><th>Spacecraft</th><th>Channel</th><th>Rule</th><th>State</th><th class="num">Value</th><th class="num">Threshold</th><th>Opened</th><th>Message</th></tr></thead>
<tbody>
${alerts.length
    ? alerts.map((a) => html`<tr><td class="${a.severity}">${a.severity}</td><td>${a.spacecraft}</td><td>${a.channel}</td><td>${a.rule}</td><td>${a.state}</td><td class="num">${a.value}</td><td class="num">${a.threshold}</td><td>${a.openedAt}</td><td>${a.message}</td></tr>`)
    : html`<tr><td colspan="9" class="empty">No open alerts</td></tr>`}
</tbody></table>`;
}

export function overviewPage(view: OverviewView): Html {
  return page({
    title: 'Overview',
    section: 'overview',
    body: html`<h1>Overview</h1>
<section aria-labelledby="h-alerts"><h2 id="h-alerts">Alerts to handle</h2>${alertsTable(view.alerts)}</section>
<section aria-labelledby="h-missions"><h2 id="h-missions">Missions</h2>
<table><thead><tr><th>Id</th><th>Name</th><th>Description</th><th>Created</th></tr></thead>
<tbody>${view.missions.length
    ? view.missions.map((m) => html`<tr><td>${m.id}</td><td>${m.name}</td><td>${m.description}</td><td>${m.createdAt}</td></tr>`)
    : html`<tr><td colspan="4" class="empty">No missions yet</td></tr>`}</tbody></table></section>
<section aria-labelledby="h-spacecraft"><h2 id="h-spacecraft">Spacecraft</h2>
<table><thead><tr><th>Id</th><th>Mission</th><th>Name</th><th>TLE</th></tr></thead>
<tbody>${view.spacecraft.length
    ? view.spacecraft.map((s) => html`<tr><td>${s.id}</td><td>${s.missionId}</td><td>${s.name}</td><td>${s.tle ? 'yes' : 'no'}</td></tr>`)
    : html`<tr><td colspan="4" class="empty">No spacecraft yet</td></tr>`}</tbody></table></section>`,
  });
}
