/** "Orbit / Alerts": the spacecraft alerts Orbit's analyzers raise and resolve. */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { orbitDashboard, statPanel, timeSeries } from './panels.ts';

export function alertsDashboard() {
  return orbitDashboard('Orbit / Alerts', 'orbit-alerts', 'Telemetry alerts raised by the analyzers: how many are active, and their transitions by severity, rule and new state.')
    .withRow(new RowBuilder('Active'))
    .withPanel(statPanel('Active alerts', {
      unit: 'short', span: 8, warnAt: 1,
      description: 'Alerts not yet resolved, by severity, summed over the analyzers (each holds the alerts of its partitions).',
      queries: [{ expr: 'sum by (severity) (orbit_alerts_active)', legend: '{{severity}}' }],
    }))
    .withPanel(timeSeries('Active alerts over time', {
      unit: 'short', min: 0, span: 16,
      description: 'Alerts not yet resolved, by severity.',
      queries: [{ expr: 'sum by (severity) (orbit_alerts_active)', legend: '{{severity}}' }],
    }))
    .withRow(new RowBuilder('Transitions'))
    .withPanel(timeSeries('Transitions by severity and new state', {
      unit: 'short', min: 0, stack: true,
      description: 'Alert state changes (raised, acknowledged, shelved, back to normal, resolved) per interval, by severity.',
      queries: [{ expr: 'sum by (severity, to) (increase(orbit_alert_transitions_total[$__rate_interval]))', legend: '{{severity}} → {{to}}' }],
    }))
    .withPanel(timeSeries('Transitions by rule', {
      unit: 'short', min: 0, stack: true,
      description: 'Alert state changes per interval by the kind of rule that raised the alert: limit, stale or anomaly.',
      queries: [{ expr: 'sum by (rule) (increase(orbit_alert_transitions_total[$__rate_interval]))', legend: '{{rule}}' }],
    }));
}
