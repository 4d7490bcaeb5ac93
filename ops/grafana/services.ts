/** "Orbit / Services": each process's rate, errors and duration, runtime health, and its logs. */
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { levelVariable, logsPanel, lokiTimeSeries, lokiVariable, orbitDashboard, serviceVariable, statPanel, timeSeries } from './panels.ts';

const requests = (extra = '') => `orbit_http_server_requests_total{service=~"$service"${extra}}`;

export function servicesDashboard() {
  return orbitDashboard('Orbit / Services', 'orbit-services', 'Rate, errors and duration of each Orbit service (the `service` label: the targets a process runs), its runtime, its readiness, and its logs.')
    .withVariable(serviceVariable())
    .withVariable(lokiVariable())
    .withVariable(levelVariable())
    .withRow(new RowBuilder('Health'))
    .withPanel(statPanel('Processes up', {
      unit: 'short', span: 12,
      description: 'Processes Prometheus scrapes, per target; a process it cannot scrape counts 0 and raises OrbitTargetDown.',
      queries: [{ expr: 'sum by (target) (up{job=~"orbit.*", target=~"$service"})', legend: '{{target}}' }],
    }))
    .withPanel(statPanel('Modules not ready', {
      unit: 'short', span: 12, warnAt: 1,
      description: 'Modules waiting (for their engine, say); the process answers 503 on /readyz meanwhile. Five minutes of it raises OrbitTargetNotReady.',
      queries: [{ expr: 'count by (service) (orbit_module_ready{service=~"$service"} == 0) or sum by (service) (orbit_module_ready{service=~"$service"}) * 0', legend: '{{service}}' }],
    }))
    .withRow(new RowBuilder('Requests'))
    .withPanel(timeSeries('Request rate', {
      unit: 'reqps', min: 0, span: 8,
      description: 'HTTP requests answered per second.',
      queries: [{ expr: `sum by (service) (rate(${requests()}[$__rate_interval]))`, legend: '{{service}}' }],
    }))
    .withPanel(timeSeries('Error ratio', {
      unit: 'percentunit', min: 0, span: 8,
      description: 'Share of answers that were 5xx (0 when none were). Above 5% for five minutes raises OrbitHighErrorRatio.',
      queries: [{
        expr: `(sum by (service) (rate(${requests(', status_code=~"5.."')}[$__rate_interval])) or sum by (service) (rate(${requests()}[$__rate_interval])) * 0) / sum by (service) (rate(${requests()}[$__rate_interval]))`,
        legend: '{{service}}',
      }],
    }))
    .withPanel(timeSeries('Answers by status', {
      unit: 'reqps', min: 0, span: 8, stack: true,
      description: 'HTTP answers per second by status code.',
      queries: [{ expr: `sum by (status_code) (rate(${requests()}[$__rate_interval]))`, legend: '{{status_code}}' }],
    }))
    .withPanel(timeSeries('p99 duration by route', {
      unit: 's', min: 0, span: 24,
      description: 'The 99th percentile of the time to answer, per route template and method.',
      queries: [{
        expr: 'histogram_quantile(0.99, sum by (method, route, le) (rate(orbit_http_server_request_duration_seconds_bucket{service=~"$service"}[$__rate_interval])))',
        legend: '{{method}} {{route}}',
      }],
    }))
    .withRow(new RowBuilder('Runtime'))
    .withPanel(timeSeries('Event-loop lag p99', {
      unit: 's', min: 0, span: 8,
      description: 'How late Node.js runs callbacks: a busy or blocked event loop delays every request.',
      queries: [{ expr: 'max by (service) (orbit_nodejs_eventloop_lag_p99_seconds{service=~"$service"})', legend: '{{service}}' }],
    }))
    .withPanel(timeSeries('Resident memory', {
      unit: 'bytes', min: 0, span: 8,
      description: 'Resident set size of the processes of each service.',
      queries: [{ expr: 'sum by (service) (orbit_process_resident_memory_bytes{service=~"$service"})', legend: '{{service}}' }],
    }))
    .withPanel(timeSeries('CPU', {
      unit: 'percentunit', min: 0, span: 8,
      description: 'CPU time used per second (1 = one core).',
      queries: [{ expr: 'sum by (service) (rate(orbit_process_cpu_seconds_total{service=~"$service"}[$__rate_interval]))', legend: '{{service}}' }],
    }))
    .withRow(new RowBuilder('Logs'))
    .withPanel(lokiTimeSeries(
      'Log lines by level',
      'Log lines shipped to Loki per level, for the chosen services.',
      'sum by (level) (count_over_time({target=~"$service", level=~"$level"} [$__auto]))',
      '{{level}}',
    ))
    .withPanel(logsPanel(
      'Logs',
      'Log lines of the chosen services and levels, newest first. A line\'s trace_id links to its trace in Jaeger.',
      '{target=~"$service", level=~"$level"}',
    ));
}
