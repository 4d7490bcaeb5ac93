/**
 * The Kubernetes manifests (deploy/kubernetes): each overlay, and the distributed one with
 * the simulator component, renders with kustomize and every object is valid for the
 * Kubernetes API (ops/k8s-validate, built from the Go module proxy on first use). Then the
 * policy the deployment promises, on the rendered objects: hardened, probed, bounded
 * containers on a pinned image, Prometheus annotations, autoscalers and budgets where they
 * belong, and network policies that open exactly the paths the module graph uses.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KUBERNETES_DIR, OVERLAYS, renderAndValidate, type K8sObject, type Rendered } from '../../ops/k8s-validate/validate.ts';
import { modules } from '../../src/app/registry.ts';
import { resolveOrder } from '../../src/platform/modules.ts';
import { EnvSchema } from '../../src/platform/config.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TARGETS = ['ingest', 'processor', 'enricher', 'analyzer', 'compute', 'notifier', 'dashboard', 'console'];
const ENGINES = { sql: 'postgresql', queue: 'rabbitmq', events: 'kafka', docs: 'mongodb', logs: 'elasticsearch' } as const;

/** Rendered objects are JSON, read by path. */
type Json = any;

const of = (r: Rendered, kind: string): Json[] => r.objects.filter((o) => o.kind === kind);
const component = (o: K8sObject | Json): string => o.spec.template.metadata.labels['app.kubernetes.io/component'];

let single: Rendered;
let distributed: Rendered;
let withSimulator: Rendered;

/** A copy of deploy/kubernetes whose distributed overlay lists the simulator component, as its docs say to. */
async function treeWithSimulator(): Promise<{ dir: string; remove(): Promise<void> }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'orbit-k8s-'));
  await cp(KUBERNETES_DIR, tmp, { recursive: true });
  await appendFile(path.join(tmp, 'overlays/distributed/kustomization.yaml'), 'components:\n  - ../../components/simulator\n');
  return { dir: path.join(tmp, 'overlays/distributed'), remove: () => rm(tmp, { recursive: true, force: true }) };
}

before(async () => {
  const tree = await treeWithSimulator();
  try {
    [single, distributed, withSimulator] = await renderAndValidate([...OVERLAYS, tree.dir], (m) => console.error(m));
  } finally {
    await tree.remove();
  }
});

test('every rendered object of each overlay is valid for the Kubernetes API', () => {
  for (const r of [single, distributed, withSimulator]) {
    assert.ok(r.objects.length > 0, `${r.dir} renders nothing`);
    assert.deepEqual(r.errors, [], `${r.dir}: invalid objects`);
    for (const o of r.objects) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'orbit', `${o.kind}/${o.metadata.name}`);
  }
});

test('the validator refuses unknown fields, wrong types and references to nothing', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'orbit-k8s-bad-'));
  try {
    await cp(KUBERNETES_DIR, tmp, { recursive: true });
    const edit = async (file: string, from: string, to: string) => {
      const text = await readFile(path.join(tmp, file), 'utf8');
      assert.ok(text.includes(from), `${file} holds ${from}`);
      await writeFile(path.join(tmp, file), text.replace(from, to));
    };
    await edit('base/workload/deployment.yaml', 'readinessProbe:', 'readinesProbe:');
    await edit('overlays/distributed/autoscalers.yaml', 'minReplicas: 2', 'minReplicas: two');
    await edit('overlays/distributed/disruption-budgets.yaml', 'app.kubernetes.io/component: console', 'app.kubernetes.io/component: consol');
    const [bad] = await renderAndValidate([path.join(tmp, 'overlays/distributed')]);
    const errors = bad!.errors.join('\n');
    assert.match(errors, /Deployment\/orbit-ingest: .*unknown field "spec\.template\.spec\.containers\[0\]\.readinesProbe"/);
    assert.match(errors, /HorizontalPodAutoscaler\/orbit-processor: .*minReplicas/);
    assert.match(errors, /PodDisruptionBudget\/orbit-console: selector .* selects no pod template/);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

describe('every Orbit container', () => {
  const deployments = () => [...of(single, 'Deployment'), ...of(withSimulator, 'Deployment')];

  test('runs non-root on a read-only root filesystem, no capabilities, RuntimeDefault seccomp', () => {
    for (const d of deployments()) {
      const pod = d.spec.template.spec;
      assert.equal(pod.automountServiceAccountToken, false, d.metadata.name);
      for (const c of pod.containers) {
        const sc = c.securityContext;
        const where = `${d.metadata.name}/${c.name}`;
        assert.equal(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, true, where);
        assert.equal(sc.runAsUser, 10001, where);
        assert.equal(sc.readOnlyRootFilesystem, true, where);
        assert.equal(sc.allowPrivilegeEscalation, false, where);
        assert.deepEqual(sc.capabilities?.drop, ['ALL'], where);
        assert.equal(sc.capabilities?.add, undefined, where);
        assert.equal((sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type, 'RuntimeDefault', where);
        // Writable: the data directory and /tmp, and nothing else.
        assert.deepEqual(c.volumeMounts.map((m: Json) => m.mountPath).sort(), ['/data', '/tmp'], where);
      }
    }
  });

  test('starts and stays alive on /healthz, takes traffic on /readyz, on its HTTP port', () => {
    for (const d of deployments()) {
      for (const c of d.spec.template.spec.containers) {
        const where = `${d.metadata.name}/${c.name}`;
        assert.deepEqual(c.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }], where);
        assert.deepEqual(c.startupProbe.httpGet, { path: '/healthz', port: 'http' }, where);
        assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'http' }, where);
        assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'http' }, where);
        // A slow start (engines away) is the startup probe's, not a restart loop.
        assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 60, where);
      }
    }
  });

  test('has CPU and memory requests and limits, on the pinned image, never latest', () => {
    for (const d of deployments()) {
      for (const c of d.spec.template.spec.containers) {
        const where = `${d.metadata.name}/${c.name}`;
        for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) assert.ok(c.resources?.[kind]?.[r], `${where}: ${kind}.${r}`);
        assert.equal(c.image, `localhost/orbit:${VERSION}`, where);
        assert.doesNotMatch(c.image, /:latest$/);
        assert.equal(c.imagePullPolicy, undefined, `${where}: left to the tag`);
      }
    }
  });

  test('runs its target, drains within its grace period, and is scraped by Prometheus', () => {
    for (const d of deployments()) {
      const t = d.spec.template;
      assert.equal(t.metadata.labels['app.kubernetes.io/name'], 'orbit');
      assert.deepEqual(t.spec.containers[0].args, ['start', '--target', component(d)]);
      assert.deepEqual(t.metadata.annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
      // SIGTERM drains in under 9 s.
      assert.ok(t.spec.terminationGracePeriodSeconds >= 15 && t.spec.terminationGracePeriodSeconds <= 30);
    }
  });
});

test('single: one pod of target all with its data on a claim, replaced by Recreate, no autoscaler', () => {
  const [d, ...more] = of(single, 'Deployment');
  assert.equal(more.length, 0);
  assert.equal(component(d), 'all');
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
  const data = d.spec.template.spec.volumes.find((v: Json) => v.name === 'data');
  const [claim] = of(single, 'PersistentVolumeClaim');
  assert.deepEqual(data, { name: 'data', persistentVolumeClaim: { claimName: claim.metadata.name } });
  assert.deepEqual(claim.spec.accessModes, ['ReadWriteOnce']);
  assert.equal(of(single, 'HorizontalPodAutoscaler').length, 0);
  assert.equal(of(single, 'Service')[0].spec.selector['app.kubernetes.io/component'], 'all');
});

test('distributed: a Deployment and a Service per target, the engines in a Secret', () => {
  assert.deepEqual(of(distributed, 'Deployment').map(component).sort(), [...TARGETS].sort());
  assert.deepEqual(of(distributed, 'Service').map((s) => s.spec.selector['app.kubernetes.io/component']).sort(), [...TARGETS].sort());
  assert.deepEqual(of(withSimulator, 'Deployment').map(component).sort(), [...TARGETS, 'simulator'].sort());
  const secret = of(distributed, 'Secret').find((s) => s.metadata.name.startsWith('orbit-engines'));
  const access = of(distributed, 'Secret').find((s) => s.metadata.name.startsWith('orbit-access'));
  // Bound to 0.0.0.0, auth is on: every process gets the bootstrap admin key from its own Secret.
  assert.deepEqual(Object.keys(access.data), ['ORBIT_ADMIN_KEY']);
  const [config] = of(distributed, 'ConfigMap');
  const secretKeys = Object.keys(secret.data).sort();
  assert.deepEqual(secretKeys, ['ORBIT_DOCS_URL', 'ORBIT_LOKI_URL', 'ORBIT_QUEUE_URL', 'ORBIT_SEARCH_URL', 'ORBIT_SQL_URL']);
  // Every setting is one Orbit knows (or the OpenTelemetry SDK's, or glibc's).
  const known = new Set(Object.keys(EnvSchema.properties));
  for (const key of [...secretKeys, ...Object.keys(config.data)]) assert.ok(known.has(key) || /^(OTEL_|MALLOC_)/.test(key), key);
  assert.ok(config.data.ORBIT_EVENTS_BROKERS);
  for (const d of of(distributed, 'Deployment')) {
    assert.deepEqual(d.spec.template.spec.containers[0].envFrom, [{ configMapRef: { name: config.metadata.name } }, { secretRef: { name: secret.metadata.name } }]);
    assert.deepEqual(d.spec.template.spec.containers[0].env.find((e: Json) => e.name === 'ORBIT_ADMIN_KEY').valueFrom, { secretKeyRef: { name: access.metadata.name, key: 'ORBIT_ADMIN_KEY' } });
  }
});

test('distributed: processor and compute autoscale on CPU; every replicated target has a disruption budget', () => {
  const hpas = of(distributed, 'HorizontalPodAutoscaler');
  const deployments = new Map(of(distributed, 'Deployment').map((d) => [d.metadata.name, d]));
  assert.deepEqual(hpas.map((h) => component(deployments.get(h.spec.scaleTargetRef.name))).sort(), ['compute', 'processor']);
  for (const h of hpas) {
    assert.equal(h.apiVersion, 'autoscaling/v2');
    assert.deepEqual(h.spec.metrics.map((m: Json) => m.resource.name), ['cpu']);
    assert.ok(h.spec.minReplicas >= 2);
    // The autoscaler owns the count: a replicas field would reset it on every apply.
    assert.equal(deployments.get(h.spec.scaleTargetRef.name).spec.replicas, undefined);
  }
  const scaled = new Map(hpas.map((h) => [h.spec.scaleTargetRef.name, h.spec.minReplicas as number]));
  const budgeted = new Set(of(distributed, 'PodDisruptionBudget').map((p) => p.spec.selector.matchLabels['app.kubernetes.io/component']));
  const partitions = Number(of(distributed, 'ConfigMap')[0].data.ORBIT_EVENTS_PARTITIONS);
  for (const [name, d] of deployments) {
    const replicas = scaled.get(name) ?? d.spec.replicas;
    assert.equal(budgeted.has(component(d)), replicas > 1, `${name}: a budget exactly when it runs more than one pod`);
    // Consumer-group members beyond the partition count would idle.
    if (['analyzer', 'enricher'].includes(component(d))) assert.ok(replicas <= partitions);
  }
});

describe('network policies', () => {
  const policies = () => of(withSimulator, 'NetworkPolicy');
  const selects = (np: Json, target: string): boolean => {
    const s = np.spec.podSelector;
    if (s.matchLabels?.['app.kubernetes.io/name'] !== 'orbit') return false;
    const c = s.matchLabels['app.kubernetes.io/component'];
    if (c !== undefined && c !== target) return false;
    return (s.matchExpressions ?? []).every((e: Json) => e.operator === 'In' && e.values.includes(target));
  };
  /** Engines a target reaches, by the pod label of their peers and the ports. */
  const egressTo = (target: string, engine: string): number[] =>
    policies().filter((np) => selects(np, target)).flatMap((np) => (np.spec.egress ?? [])
      .filter((rule: Json) => rule.to?.some((p: Json) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === engine))
      .flatMap((rule: Json) => rule.ports.map((p: Json) => p.port)));

  test('deny by default, in both overlays, and leave peers outside Orbit unlabelled by it', () => {
    for (const r of [single, withSimulator]) {
      const deny = of(r, 'NetworkPolicy').find((np) => np.spec.ingress === undefined && np.spec.egress === undefined);
      assert.ok(deny, `${r.dir}: a default-deny policy`);
      assert.deepEqual(deny.spec.policyTypes, ['Ingress', 'Egress']);
      assert.deepEqual(deny.spec.podSelector, { matchLabels: { 'app.kubernetes.io/name': 'orbit' } });
      for (const np of of(r, 'NetworkPolicy')) {
        for (const rule of [...(np.spec.ingress ?? []).map((x: Json) => x.from), ...(np.spec.egress ?? []).map((x: Json) => x.to)]) {
          for (const peer of rule ?? []) assert.equal(peer.podSelector?.matchLabels?.['app.kubernetes.io/component'], undefined, `${np.metadata.name}: a peer carries Orbit's labels`);
        }
      }
    }
  });

  test('each target reaches exactly the engines its modules open', () => {
    const ports = { postgresql: [5432], rabbitmq: [5672, 15672], kafka: [9092], mongodb: [27017], elasticsearch: [9200] };
    for (const target of [...TARGETS, 'simulator']) {
      // Bound to 0.0.0.0, auth is on, so every process also runs access control (keys in the relational store).
      const opened = new Set(resolveOrder(modules, [target, 'logs', 'access']).map((m) => m.name));
      for (const [port, engine] of Object.entries(ENGINES)) {
        assert.deepEqual(egressTo(target, engine).sort((a, b) => a - b), opened.has(port) ? ports[engine] : [], `${target} -> ${engine}`);
      }
    }
  });

  test('only the notifier leaves the cluster; everyone resolves names, is scraped and sends traces and logs', () => {
    for (const target of [...TARGETS, 'simulator']) {
      const mine = policies().filter((np) => selects(np, target));
      const internet = mine.flatMap((np) => (np.spec.egress ?? []).filter((rule: Json) => rule.to?.some((p: Json) => p.ipBlock?.cidr === '0.0.0.0/0')));
      assert.equal(internet.length, target === 'notifier' ? 1 : 0, target);
      const ingressFrom = (ns: string) => mine.some((np) => (np.spec.ingress ?? []).some((rule: Json) => rule.from.some((p: Json) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === ns)));
      const egressTo = (ns: string, port: number) => mine.some((np) => (np.spec.egress ?? []).some((rule: Json) => rule.ports.some((p: Json) => p.port === port) && rule.to.some((p: Json) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === ns)));
      assert.ok(ingressFrom('monitoring'), `${target}: Prometheus scrapes it`);
      assert.equal(ingressFrom('ingress-nginx'), target !== 'processor', `${target}: the ingress controller reaches it when it serves routes`);
      assert.ok(egressTo('kube-system', 53), `${target}: DNS`);
      assert.ok(egressTo('observability', 4318) && egressTo('observability', 3100), `${target}: OTLP and Loki`);
    }
  });
});

test('the requests and limits are those docs/deploy.md gives beside the measured figures', async () => {
  const doc = await readFile(path.join(ROOT, 'docs/deploy.md'), 'utf8');
  const rows = new Map(doc.split('\n').filter((l) => !l.startsWith('| target |') && /^\| (\w+)(?: \(single overlay\))? \|.*\|$/.test(l) && l.split('|').length === 9).map((l) => {
    const cells = l.split('|').slice(1, -1).map((c) => c.trim());
    return [cells[0]!.split(' ')[0]!, { requests: cells[5]!, limits: cells[6]! }];
  }));
  const deployments = [...of(single, 'Deployment'), ...of(distributed, 'Deployment')];
  for (const d of deployments) {
    const { requests, limits } = d.spec.template.spec.containers[0].resources;
    assert.deepEqual(rows.get(component(d)), { requests: `${requests.cpu}, ${requests.memory}`, limits: `${limits.cpu}, ${limits.memory}` }, component(d));
  }
  assert.equal(rows.size, deployments.length);
});
