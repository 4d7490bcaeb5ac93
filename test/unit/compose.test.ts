/**
 * The compose files, read as compose reads them (no image pulled, nothing started): the
 * whole stack names every engine and backend at a pinned version; Orbit runs as every
 * target, two processors and two analyzers, from one image, as uid 10001 on a read-only
 * root; dependencies wait for healthy engines; the ingress routes every route of
 * `orbit targets` and is the file `npm run compose:ingress` renders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { targets } from '../../src/app/registry.ts';
import { routeTable } from '../../src/app/routes.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { INGRESS_CONF, ingressConf } from '../../ops/compose/ingress.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, 'deploy/compose');

interface Service {
  image?: string;
  command?: string[];
  user?: string;
  read_only?: boolean;
  tmpfs?: string[];
  network_mode?: string;
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] | string; interval?: string };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number; resources?: { limits?: { memory?: string; cpus?: string } } };
  volumes?: string[];
  stop_grace_period?: string;
  pull_policy?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const load = (file: string): Compose => parse(readFileSync(path.join(DIR, file), 'utf8'), { merge: true }) as Compose;
const stack = load('compose.yaml');
const host = load('compose.host.yaml');

const TARGETS = targets.map((t) => t.name).filter((name) => name !== 'all');
const isOrbit = (s: Service): boolean => s.command?.[0] === 'start';
const targetsOf = (s: Service): string[] => s.command![s.command!.indexOf('--target') + 1]!.split(',');
const orbitServices = (c: Compose) => Object.entries(c.services).filter(([, s]) => isOrbit(s));
/** How many containers of a target a file runs. */
const count = (c: Compose, target: string) =>
  orbitServices(c).filter(([, s]) => targetsOf(s).includes(target)).reduce((n, [, s]) => n + (s.deploy?.replicas ?? 1), 0);

/** A tag that names a release: digits and dots (and a suffix), never `latest`. */
const PINNED = /:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$/;
const CONTAINERFILE = path.join(ROOT, 'deploy/image/Containerfile');

test('the stack names every engine and backend of the issue, each at a pinned release', () => {
  const expected: Record<string, RegExp> = {
    rabbitmq: /^rabbitmq:3\.13\.\d+-management$/,
    kafka: /^apache\/kafka:3\.9\.\d+$/,
    postgres: /^postgres:15\.\d+$/,
    mongo: /^mongo:7\.0\.\d+$/,
    elasticsearch: /^docker\.elastic\.co\/elasticsearch\/elasticsearch:8\.19\.\d+$/,
    jaeger: /^jaegertracing\/jaeger:2\.\d+\.\d+$/,
    prometheus: /^prom\/prometheus:v[23]\.\d+\.\d+$/,
    grafana: /^grafana\/grafana:\d+\.\d+\.\d+$/,
    loki: /^grafana\/loki:3\.\d+\.\d+$/,
    ingress: /^nginx:\d+\.\d+\.\d+-alpine$/,
  };
  for (const [name, image] of Object.entries(expected)) {
    assert.match(stack.services[name]?.image ?? '(missing)', image, name);
  }
  for (const [name, s] of Object.entries(stack.services)) {
    if (isOrbit(s)) continue;
    assert.match(s.image!, PINNED, `${name}: pinned`);
    // podman-compose 1.0.3 glues the words of an exec-form test together; a shell command survives.
    if (s.healthcheck) assert.equal([s.healthcheck.test].flat()[0], 'CMD-SHELL', `${name}: the healthcheck is a shell command`);
  }
  assert.equal(stack.services.elasticsearch!.environment!['discovery.type'], 'single-node');
  assert.match(stack.services.kafka!.environment!.KAFKA_PROCESS_ROLES!, /broker,controller/, 'Kafka in KRaft mode');
});

test('Orbit: every target, two processors and two analyzers, one image, uid 10001, read-only root, a healthcheck on /healthz', () => {
  for (const [file, c] of [['compose.yaml', stack], ['compose.host.yaml', host]] as const) {
    for (const target of TARGETS) assert.ok(count(c, target) >= 1, `${file}: ${target} runs`);
    assert.equal(count(c, 'processor'), 2, `${file}: two processors`);
    assert.equal(count(c, 'analyzer'), 2, `${file}: two analyzers`);
    const images = new Set(orbitServices(c).map(([, s]) => s.image));
    assert.deepEqual([...images], ['${ORBIT_IMAGE:-localhost/orbit:0.1.0}'], `${file}: one image, the one npm run image tags`);
    for (const [name, s] of orbitServices(c)) {
      assert.equal(s.user, '10001:10001', `${file} ${name}: uid`);
      assert.equal(s.read_only, true, `${file} ${name}: read-only root`);
      assert.ok(s.tmpfs?.includes('/tmp'), `${file} ${name}: /tmp is a tmpfs`);
      assert.equal(s.pull_policy, 'never', `${file} ${name}: the image is built here, never pulled`);
      assert.match(s.stop_grace_period ?? '', /^\d+s$/, `${file} ${name}: time to drain`);
      assert.ok(s.deploy?.resources?.limits?.memory, `${file} ${name}: memory limit`);
      assert.ok(s.healthcheck?.interval, `${file} ${name}: healthcheck`);
      // The test is either given here or the image's own (podman-compose runs a given one through /bin/sh, which the image lacks).
      const given = s.healthcheck!.test;
      if (given) assert.match([given].flat().join(' '), /\/healthz/, `${file} ${name}`);
    }
  }
  const containerfile = readFileSync(CONTAINERFILE, 'utf8');
  assert.match(containerfile, /^HEALTHCHECK [^\n]*\\\n[^\n]*\/healthz/m, 'the image checks /healthz');
  assert.match(containerfile, /^USER 10001/m);
});

test('compose.yaml: services wait for healthy engines; every named volume is declared; one shared environment', () => {
  const engines = ['rabbitmq', 'kafka', 'postgres', 'mongo', 'elasticsearch'];
  for (const [name, s] of orbitServices(stack)) {
    for (const engine of engines) assert.equal(s.depends_on?.[engine]?.condition, 'service_healthy', `${name} waits for ${engine}`);
    for (const variable of ['ORBIT_QUEUE_URL', 'ORBIT_EVENTS_BROKERS', 'ORBIT_SQL_URL', 'ORBIT_DOCS_URL', 'ORBIT_SEARCH_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'ORBIT_LOKI_URL']) {
      assert.equal(s.environment?.[variable], stack.services.console!.environment![variable], `${name}: ${variable}`);
    }
  }
  for (const [name, s] of Object.entries(stack.services)) {
    for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
      assert.ok(stack.services[dependency], `${name} depends on ${dependency}, a service`);
      if (condition === 'service_healthy') assert.ok(stack.services[dependency]!.healthcheck, `${name} waits for ${dependency} to be healthy: it has a healthcheck`);
    }
    for (const volume of s.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (source.startsWith('.')) assert.ok(existsSync(path.resolve(DIR, source)), `${name}: ${source} exists`);
      else assert.ok(stack.volumes && source in stack.volumes, `${name}: volume ${source} is declared`);
    }
  }
  assert.equal(stack.services.simulator!.environment!.ORBIT_INGEST_URL, 'http://ingress:8080');
});

test('compose.host.yaml: every container in the host network on loopback, a port each, engines from the environment', () => {
  const ports = new Set<string>();
  for (const [name, s] of orbitServices(host)) {
    assert.equal(s.network_mode, 'host', name);
    assert.equal(s.environment!.ORBIT_HOST, '127.0.0.1', `${name}: loopback only`);
    assert.ok(!ports.has(s.environment!.ORBIT_PORT!), `${name}: a port of its own`);
    ports.add(s.environment!.ORBIT_PORT!);
    for (const variable of ['ORBIT_QUEUE_URL', 'ORBIT_EVENTS_BROKERS', 'ORBIT_SQL_URL', 'ORBIT_DOCS_URL', 'ORBIT_SEARCH_URL']) {
      assert.match(s.environment![variable]!, new RegExp(`^\\$\\{${variable}:\\?`), `${name}: ${variable} from the environment, required`);
    }
    assert.match(s.environment!.ORBIT_ENGINE_NAMESPACE!, /^\$\{ORBIT_ENGINE_NAMESPACE:-/);
  }
});

test('the ingress is what `npm run compose:ingress` renders and routes every route of `orbit targets`', async () => {
  const conf = readFileSync(INGRESS_CONF, 'utf8');
  assert.equal(conf, await ingressConf(), 'deploy/compose/ingress/nginx.conf is stale: run `npm run compose:ingress`');
  // The map, read as nginx reads it: the first regular expression that matches "METHOD /path" wins.
  const map = conf.slice(conf.indexOf('map "$request_method $uri"'));
  const entries = [...map.slice(0, map.indexOf('\n  }')).matchAll(/^\s+"~(\S+ \S+)"\s+(\w+);/gm)].map(([, regex, service]) => ({ regex: new RegExp(regex!), service: service! }));
  const serviceFor = (method: string, url: string) => entries.find((e) => e.regex.test(`${method} ${url}`))?.service ?? 'console';
  const table = await routeTable(targets, loadConfig({}));
  assert.ok(table.length > 50);
  for (const route of table) {
    const sample = route.path.replace(/\{[^}]+\}/g, 'x-1').replace(/\*$/, 'assets/app.js');
    assert.equal(serviceFor(route.method, sample), route.target, `${route.method} ${route.path}`);
    if (route.method === 'GET') assert.equal(serviceFor('HEAD', sample), route.target, `HEAD ${route.path}`);
    assert.ok(stack.services[route.target], `${route.target} is a service of compose.yaml`);
  }
  assert.equal(serviceFor('GET', '/no/such/path'), 'console', 'anything else goes to the console');
  for (const [, upstream] of conf.matchAll(/^\s+server (\w+):8080;/gm)) assert.ok(stack.services[upstream!], `upstream ${upstream} is a service`);
  assert.ok(stack.services.ingress!.volumes!.includes('./ingress/nginx.conf:/etc/nginx/nginx.conf:ro'));
});

test('Prometheus in the stack scrapes every Orbit service by its name, with the rules of deploy/prometheus', () => {
  const config = parse(readFileSync(path.join(DIR, 'prometheus.yml'), 'utf8')) as { rule_files: string[]; scrape_configs: { dns_sd_configs: { names: string[]; port: number }[] }[] };
  const scraped = config.scrape_configs.flatMap((j) => j.dns_sd_configs.flatMap((d) => d.names));
  for (const [name] of orbitServices(stack)) assert.ok(scraped.includes(name), `${name} is scraped`);
  for (const rules of config.rule_files) assert.ok(existsSync(path.join(ROOT, 'deploy/prometheus', rules)), rules);
  assert.ok(stack.services.prometheus!.volumes!.includes('../prometheus/rules:/etc/prometheus/rules:ro'));
});
