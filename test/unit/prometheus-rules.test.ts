/**
 * The committed Prometheus configs and rules: promtool checks them and runs their unit
 * tests (deploy/prometheus/tests), every alert has a severity, a summary, a description and
 * a runbook, and the Kubernetes relabelling keeps and labels exactly the pods it should.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { DEPLOY, kubernetesAsFileSd, promtool, startPrometheus } from '../support/prometheus.ts';
import { withTempDir } from '../support/temp-store.ts';
import { until } from '../support/wait.ts';

const ruleFiles = async () => (await readdir(path.join(DEPLOY, 'rules'))).filter((f) => f.endsWith('.yml')).map((f) => path.join('rules', f));

/** The Kubernetes config as Debian's Prometheus can load it, its rule files found from anywhere. */
async function kubernetesConfig(dir: string, targetsFile: string): Promise<string> {
  const config = parse(kubernetesAsFileSd(await readFile(path.join(DEPLOY, 'prometheus-kubernetes.yml'), 'utf8'), targetsFile)) as { rule_files: string[] };
  config.rule_files = config.rule_files.map((f) => path.join(DEPLOY, f));
  const file = path.join(dir, 'prometheus.yml');
  await writeFile(file, stringify(config));
  return file;
}

test('promtool accepts the configs for one machine and for the separate services', async () => {
  for (const config of ['prometheus.yml', 'prometheus-services.yml']) {
    const out = await promtool(['check', 'config', config]);
    assert.match(out, /SUCCESS: .* is valid prometheus config file syntax/, out);
    assert.doesNotMatch(out, /FAILED|WARNING/, out);
  }
});

test('promtool accepts the Kubernetes config (with its pod discovery replaced, see kubernetesAsFileSd)', async () => {
  await withTempDir('orbit-prom-k8s-', async (dir) => {
    const out = await promtool(['check', 'config', await kubernetesConfig(dir, path.join(dir, 'pods.json'))]);
    assert.match(out, /is valid prometheus config file syntax/, out);
    assert.doesNotMatch(out, /FAILED/, out);
  });
});

test('promtool check rules accepts every rule file', async () => {
  const out = await promtool(['check', 'rules', ...(await ruleFiles())]);
  assert.doesNotMatch(out, /FAILED|WARNING/, out);
  assert.equal(out.match(/SUCCESS/g)?.length, (await ruleFiles()).length, out);
});

test('promtool test rules: every alert fires when it should and stays quiet when it should', async () => {
  const tests = (await readdir(path.join(DEPLOY, 'tests'))).filter((f) => f.endsWith('.yml')).map((f) => path.join('tests', f));
  assert.ok(tests.length >= 2, 'alert and recording rule tests');
  const out = await promtool(['test', 'rules', ...tests]);
  assert.doesNotMatch(out, /FAILED/, out);
});

interface Rule {
  alert?: string;
  record?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

test('each alert has a severity, a summary and a description, is unit-tested firing, and has a runbook', async () => {
  const { groups } = parse(await readFile(path.join(DEPLOY, 'rules/orbit-alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] };
  const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);
  const names = new Set(alerts.map((a) => a.alert!));
  assert.deepEqual([...names].sort(), ['OrbitAlertOutboxStuck', 'OrbitConsumerLagGrowing', 'OrbitDeadLetters', 'OrbitHighErrorRatio', 'OrbitPipelineStalled', 'OrbitTargetDown', 'OrbitTargetNotReady']);
  const tests = await readFile(path.join(DEPLOY, 'tests/orbit-alerts.test.yml'), 'utf8');
  const docs = await readFile(path.resolve(DEPLOY, '../../docs/observability.md'), 'utf8');
  for (const alert of alerts) {
    assert.match(alert.labels?.severity ?? '', /^(critical|warning)$/, `${alert.alert}: severity`);
    assert.ok(alert.annotations?.summary && alert.annotations.description, `${alert.alert}: summary and description`);
    assert.match(alert.annotations.description, /runbook/, `${alert.alert}: the description points at the runbook`);
  }
  for (const name of names) {
    assert.match(tests, new RegExp(`alertname: ${name}\\n\\s+exp_alerts:`), `${name} is tested firing`);
    assert.match(docs, new RegExp(`^#### ${name}$`, 'm'), `${name} has a runbook in docs/observability.md`);
  }
});

test('the Kubernetes relabelling scrapes annotated Orbit pods at their annotated port and path, labelled with their component', async () => {
  await withTempDir('orbit-prom-k8s-', async (dir) => {
    const pods = path.join(dir, 'pods.json');
    await writeFile(pods, '[]');
    const prometheus = await startPrometheus({ config: await kubernetesConfig(dir, pods), dir });
    try {
      const port = new URL(prometheus.url).port;
      // What Kubernetes discovery would report for four pods; the kept one points at this
      // Prometheus's own /metrics, so that its scrape can be seen to succeed.
      const pod = (name: string, labels: Record<string, string>) => ({
        targets: ['127.0.0.1:1'],
        labels: {
          __meta_kubernetes_namespace: 'orbit',
          __meta_kubernetes_pod_name: name,
          __meta_kubernetes_pod_phase: 'Running',
          __meta_kubernetes_pod_label_app_kubernetes_io_name: 'orbit',
          __meta_kubernetes_pod_label_app_kubernetes_io_component: 'processor',
          __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
          __meta_kubernetes_pod_annotation_prometheus_io_port: port,
          __meta_kubernetes_pod_annotation_prometheus_io_path: '/metrics',
          ...labels,
        },
      });
      await writeFile(pods, JSON.stringify([
        pod('processor-7d9f-abcde', {}),
        pod('analyzer-not-annotated', { __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'false' }),
        pod('someone-else', { __meta_kubernetes_pod_label_app_kubernetes_io_name: 'postgres' }),
        pod('processor-pending', { __meta_kubernetes_pod_phase: 'Pending' }),
      ]));
      type Target = { labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string };
      await until(async () => {
        const res = await fetch(`${prometheus.url}/api/v1/targets`);
        const { data } = (await res.json()) as { data: { activeTargets: Target[]; droppedTargets: unknown[] } };
        assert.equal(data.activeTargets.length, 1, JSON.stringify(data.activeTargets));
        const [target] = data.activeTargets;
        assert.deepEqual(target!.labels, { instance: `127.0.0.1:${port}`, job: 'orbit-processor', target: 'processor', namespace: 'orbit', pod: 'processor-7d9f-abcde' });
        assert.equal(target!.scrapeUrl, `http://127.0.0.1:${port}/metrics`);
        assert.equal(data.droppedTargets.length, 3);
        assert.equal(target!.health, 'up', target!.lastError);
      }, 60_000);
    } finally {
      await prometheus.stop();
    }
  });
});
