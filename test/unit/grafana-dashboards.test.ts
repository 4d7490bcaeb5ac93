/**
 * The Grafana dashboards are generated from code (ops/grafana) and committed: the committed
 * JSON is exactly what the code generates; every panel queries through a datasource variable
 * and names Orbit's metrics; and the provisioned datasources carry the uids the dashboards
 * and links name, and read the log index where Orbit writes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { DASHBOARDS_DIR, renderDashboards } from '../../ops/grafana/dashboards.ts';
import { DATASOURCE_UIDS } from '../../ops/grafana/panels.ts';
import { committedDashboards, panelQueries } from '../support/dashboards.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROVISIONING = path.join(ROOT, 'deploy/grafana/provisioning');

test('the committed dashboards are what ops/grafana generates', async () => {
  const rendered = renderDashboards();
  const committed = (await readdir(DASHBOARDS_DIR)).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(committed, [...rendered.keys()].sort(), 'deploy/grafana/dashboards holds exactly the generated files: run `npm run dashboards` and commit the result');
  for (const [file, text] of rendered) {
    const onDisk = await readFile(path.join(DASHBOARDS_DIR, file), 'utf8');
    assert.ok(onDisk === text, `deploy/grafana/dashboards/${file} differs from what ops/grafana generates: run \`npm run dashboards\` and commit the result`);
  }
});

test('the pipeline, services and alerts dashboards, with unique uids and titles', async () => {
  const dashboards = [...(await committedDashboards()).values()];
  assert.deepEqual(dashboards.map((d) => d.title).sort(), ['Orbit / Alerts', 'Orbit / Pipeline', 'Orbit / Services']);
  assert.equal(new Set(dashboards.map((d) => d.uid)).size, dashboards.length);
});

test('every panel queries through a datasource variable, and every Prometheus query names an Orbit metric or recording rule', async () => {
  const recording = new Set(
    (parse(await readFile(path.join(ROOT, 'deploy/prometheus/rules/orbit-recording.yml'), 'utf8')) as { groups: { rules: { record: string }[] }[] }).groups
      .flatMap((g) => g.rules.map((r) => r.record)),
  );
  let prometheus = 0;
  let loki = 0;
  for (const dashboard of (await committedDashboards()).values()) {
    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    assert.equal(variables.get('datasource')?.query, 'prometheus', `${dashboard.title}: a Prometheus datasource variable`);
    for (const q of panelQueries(dashboard)) {
      const where = `${q.dashboard} / ${q.panel}: ${q.expr}`;
      assert.ok(q.expr.trim(), `${q.dashboard} / ${q.panel} has a query`);
      if (q.datasource === 'prometheus') {
        prometheus += 1;
        const names = [...q.expr.matchAll(/\b(orbit_[a-z0-9_]+|orbit:[a-z0-9_:]+|up)\b(?=\s*[{[)\s]|$)/g)].map((m) => m[1]!);
        assert.ok(names.length > 0, `${where} names an Orbit metric`);
        for (const name of names.filter((n) => n.includes(':'))) assert.ok(recording.has(name), `${where}: ${name} is a recording rule`);
      } else {
        assert.equal(q.datasource, 'loki', where);
        assert.ok(variables.get('loki'), `${dashboard.title}: a Loki datasource variable`);
        loki += 1;
        assert.match(q.expr, /\{target=~"\$service", level=~"\$level"\}/, `${where} selects the stream labels the log forwarder sets`);
      }
    }
  }
  assert.ok(prometheus >= 20 && loki >= 1, `${prometheus} Prometheus and ${loki} Loki queries`);
  const panels = [...(await committedDashboards()).values()].flatMap((d) => d.panels).filter((p) => p.type !== 'row');
  for (const p of panels) {
    assert.match(p.datasource?.uid ?? '', /^\$\{(datasource|loki)\}$/, `${p.title} queries through a datasource variable`);
  }
});

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  jsonData?: Record<string, any>;
}

test('the provisioned datasources: fixed uids, compose host names, links between them, and the log index as Orbit writes it', async () => {
  const { datasources } = parse(await readFile(path.join(PROVISIONING, 'datasources/orbit.yml'), 'utf8')) as { datasources: Datasource[] };
  const byType = new Map(datasources.map((d) => [d.type, d]));
  assert.deepEqual([...byType.keys()].sort(), ['elasticsearch', 'jaeger', 'loki', 'prometheus']);
  for (const [type, uid] of Object.entries(DATASOURCE_UIDS)) assert.equal(byType.get(type)?.uid, uid, `${type} uid`);
  assert.equal(byType.get('prometheus')!.url, 'http://prometheus:9090');
  assert.equal(byType.get('loki')!.url, 'http://loki:3100');
  assert.equal(byType.get('jaeger')!.url, 'http://jaeger:16686');
  assert.equal(byType.get('elasticsearch')!.url, 'http://elasticsearch:9200');
  assert.equal(byType.get('loki')!.jsonData!.derivedFields[0].datasourceUid, DATASOURCE_UIDS.jaeger);
  assert.equal(byType.get('jaeger')!.jsonData!.tracesToLogsV2.datasourceUid, DATASOURCE_UIDS.loki);

  // The index template Orbit installs: entries behind the alias `orbit-logs`, time in `time`, message in `msg`.
  const writer = await readFile(path.join(ROOT, 'src/engines/logs/elasticsearch.ts'), 'utf8');
  const es = byType.get('elasticsearch')!.jsonData!;
  assert.match(writer, /const DEFAULT_PREFIX = 'orbit-logs'/);
  assert.match(await readFile(path.join(ROOT, 'src/app/engines.ts'), 'utf8'), /indexPrefix: `\$\{namespace \?\? 'orbit'\}-logs`/);
  assert.equal(es.index, 'orbit-logs');
  assert.match(writer, new RegExp(`\\b${es.timeField}: \\{ type: 'date'`), 'the time field is the mapped date');
  assert.match(writer, new RegExp(`\\b${es.logMessageField}: \\{ type: 'text' \\}`), 'the message field is mapped');
  assert.match(writer, new RegExp(`\\b${es.logLevelField}: \\{ type: 'keyword' \\}`), 'the level field is mapped');

  const { providers } = parse(await readFile(path.join(PROVISIONING, 'dashboards/orbit.yml'), 'utf8')) as { providers: { type: string; options: { path: string } }[] };
  assert.equal(providers[0]!.type, 'file');
  assert.ok(providers[0]!.options.path);
});
