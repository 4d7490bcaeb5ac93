/**
 * Prometheus (from Debian) scrapes a running Orbit, all in one and as separate services on
 * the real engines, with the committed rules loaded; every PromQL expression of the
 * committed dashboards and rules then finds series, so none names a metric, a label or a
 * label value that Orbit does not export.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { committedDashboards, panelQueries } from '../support/dashboards.ts';
import { startDeployment, type Deployment } from '../support/deployment.ts';
import { seedMission, startOrbit, tempDir, type OrbitChild } from '../support/orbit.ts';
import { DEPLOY, startPrometheus, type PrometheusServer } from '../support/prometheus.ts';
import { until } from '../support/wait.ts';

/** A loaded 2-core machine runs ten Orbit processes, the engines and Prometheus here. */
const DEADLINE_MS = 180_000;

let orbit: OrbitChild;
let deployment: Deployment;
let prometheus: PrometheusServer;
const dirs: { remove(): Promise<void> }[] = [];
/** The `service` label of every process scraped, e.g. all, processor. */
const services: string[] = [];

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}

async function rules(file: string): Promise<Rule[]> {
  return (parse(await readFile(path.join(DEPLOY, 'rules', file), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
}

/** Raises (and so records a transition of) one limit alert through an Orbit API. */
async function raiseAlert(api: OrbitChild['api'], spacecraft: string): Promise<void> {
  await seedMission({ api }, spacecraft, { temp: { type: 'number', limits: { redHigh: 100, yellowHigh: 80 } } });
  const readings = [50, 150].map((value, i) => ({ channel: 'temp', time: Date.now() - 2000 + i * 1000, value }));
  const res = await api('/v1/telemetry', { method: 'POST', json: { spacecraft, readings } });
  assert.equal(res.status, 202, await res.text());
}

before(async () => {
  const data = await tempDir();
  dirs.push(data);
  orbit = await startOrbit({ dataDir: data.dir, env: { ORBIT_SIMULATOR: 'on' }, timeoutMs: 120_000 });
  services.push('all');
  deployment = await startDeployment({ targets: { console: 1, ingest: 1, processor: 1, enricher: 1, analyzer: 1, compute: 1, notifier: 1, dashboard: 1 } });
  services.push(...deployment.processes.keys());

  // One job per target, as deploy/prometheus/prometheus-services.yml has them, scraped every second.
  const committed = parse(await readFile(path.join(DEPLOY, 'prometheus.yml'), 'utf8')) as { rule_files: string[]; global: Record<string, unknown> };
  const host = (url: string) => new URL(url).host;
  const config = {
    global: { ...committed.global, scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: committed.rule_files.map((f) => path.join(DEPLOY, f)),
    scrape_configs: [
      { job_name: 'orbit-all', static_configs: [{ targets: [host(orbit.url)], labels: { target: 'all' } }] },
      ...[...deployment.processes].map(([target, list]) => ({ job_name: `orbit-${target}`, static_configs: [{ targets: list.map((p) => host(p.url)), labels: { target } }] })),
    ],
  };
  const home = await tempDir('orbit-prometheus-');
  dirs.push(home);
  await writeFile(path.join(home.dir, 'prometheus.yml'), stringify(config));
  prometheus = await startPrometheus({ config: path.join(home.dir, 'prometheus.yml'), dir: home.dir });

  // Alerts all in one and on the separate services, so that the alert series exist.
  await raiseAlert(orbit.api, 'prom-all');
  await raiseAlert(deployment.api, 'prom-dist');
}, { timeout: 600_000 });

after(async () => {
  await prometheus?.stop();
  await orbit?.stop();
  await deployment?.stop();
  await Promise.allSettled(dirs.map((d) => d.remove()));
}, { timeout: 120_000 });

/** `$__rate_interval` and friends as Grafana would fill them in for a 1 s scrape interval. */
function substitute(expr: string, service: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$service', service);
}

/** Resolves once `check` passes; on the deadline fails with its last message. */
const poll = (check: () => Promise<void>) => until(check, DEADLINE_MS);

test('Prometheus scrapes every Orbit process', { timeout: DEADLINE_MS + 30_000 }, async () => {
  const processes = 1 + [...deployment.processes.values()].flat().length;
  await poll(async () => {
    const up = await prometheus.query('up{job=~"orbit.*"} == 1');
    assert.equal(up.length, processes, `up: ${JSON.stringify(up.map((s) => s.metric.job))}`);
  });
  const values = await (await fetch(`${prometheus.url}/api/v1/label/service/values?${new URLSearchParams({ 'match[]': 'orbit_build_info' })}`)).json() as { data: string[] };
  assert.deepEqual(values.data.sort(), [...services].sort(), 'the $service variable (label_values(orbit_build_info, service)) lists every process');
});

test('every PromQL query of the dashboards returns series, for all services and for each one', { timeout: DEADLINE_MS * 2 }, async () => {
  const queries = [...(await committedDashboards()).values()].flatMap(panelQueries).filter((q) => q.datasource === 'prometheus');
  assert.ok(queries.length >= 20);
  await poll(async () => {
    const empty: string[] = [];
    for (const q of queries) {
      // `$service` as "All" selects `.*`; a query that filters by it must also find each service alone.
      for (const service of q.expr.includes('$service') ? ['.*', ...services] : ['.*']) {
        const expr = substitute(q.expr, service);
        if ((await prometheus.query(expr)).length === 0) empty.push(`${q.dashboard} / ${q.panel}: ${expr}`);
      }
    }
    assert.deepEqual(empty, [], `queries without series:\n${empty.join('\n')}`);
  });
});

test('every recording rule records series (each hop of orbit:readings:rate1m among them)', { timeout: DEADLINE_MS + 30_000 }, async () => {
  const recording = (await rules('orbit-recording.yml')).filter((r) => r.record);
  await poll(async () => {
    const empty: string[] = [];
    for (const rule of recording) {
      const matchers = Object.entries(rule.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join(',');
      const selector = `${rule.record}{${matchers}}`;
      if ((await prometheus.query(selector)).length === 0) empty.push(selector);
    }
    assert.deepEqual(empty, [], `recording rules without series:\n${empty.join('\n')}`);
  });
});

/**
 * An alert's whole expression is rightly empty while nothing is wrong, so it cannot show
 * that the alert would ever fire. What can be checked honestly on a healthy Orbit is that
 * the expression evaluates, and that every series selector in it finds series: then the
 * alert watches metrics and labels Orbit really exports. A selector may pick a label value
 * that only appears when something is wrong (5xx answers): for those, listed below, the
 * metric must exist with that label, and only the value is absent. Whether each alert fires
 * on its input is what the promtool unit tests (deploy/prometheus/tests) show.
 */
const ONLY_WHEN_WRONG = new Set(['orbit_http_server_requests_total{status_code=~"5.."}']);

test('every alert expression evaluates, and each series selector in it finds series (none fires on a healthy Orbit)', { timeout: DEADLINE_MS + 30_000 }, async () => {
  const alerts = (await rules('orbit-alerts.yml')).filter((r) => r.alert);
  const selectors = new Set(alerts.flatMap((a) => [...a.expr.matchAll(/\b(orbit_[a-z0-9_]+|up)\b(\{[^}]*\})?/g)].map((m) => `${m[1]}${m[2] ?? ''}`)));
  assert.ok(selectors.size >= 8, [...selectors].join(' '));
  for (const alert of alerts) await prometheus.query(alert.expr); // throws on an error
  await poll(async () => {
    const missing: string[] = [];
    for (const selector of selectors) {
      if ((await prometheus.series(selector)).length > 0) continue;
      if (!ONLY_WHEN_WRONG.has(selector)) {
        missing.push(selector);
        continue;
      }
      const [name, matchers] = [selector.slice(0, selector.indexOf('{')), selector.slice(selector.indexOf('{'))];
      const labels = [...matchers.matchAll(/([a-z_]+)\s*=~?/g)].map((m) => m[1]!);
      const series = await prometheus.series(name);
      if (!series.some((s) => labels.every((l) => l in s))) missing.push(`${name} with label(s) ${labels.join(', ')}`);
    }
    assert.deepEqual(missing, [], `alert selectors without series:\n${missing.join('\n')}`);
  });
  const firing = await prometheus.query('ALERTS{alertstate="firing"}');
  assert.deepEqual(firing.map((s) => s.metric), [], 'no alert fires on a healthy Orbit');
});
