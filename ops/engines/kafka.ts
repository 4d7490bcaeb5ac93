/**
 * Apache Kafka in KRaft mode: one process that is both broker and controller, run from
 * the jars Maven Central serves, on 127.0.0.1:59092 (clients) and :59093 (controller).
 *
 * 3.9 is the newest line that still speaks every protocol version kafkajs uses, so both
 * Node clients can be measured against the same broker (Kafka 4 removed old versions).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Admin } from '@platformatic/kafka';
import { aptInstall, commandExists, portOpen, run, spawnDetached, waitFor, type Engine, type EngineContext } from './engine.ts';

const KAFKA_VERSION = '3.9.2';
const SCALA = '2.13';
const HOST = '127.0.0.1';
const PORT = 59092;
const CONTROLLER_PORT = 59093;
const BROKERS = `${HOST}:${PORT}`;
const HEAP = ['-Xms512m', '-Xmx1g'];

const libDir = (ctx: EngineContext) => path.join(ctx.cache, 'kafka', KAFKA_VERSION, 'lib');
/** Written last by install, so a half-copied lib directory is never taken as complete. */
const installedMarker = (ctx: EngineContext) => path.join(ctx.cache, 'kafka', KAFKA_VERSION, 'installed');
const home = (ctx: EngineContext) => path.join(ctx.root, 'kafka');
const dataDir = (ctx: EngineContext) => path.join(home(ctx), 'data');
const logsDir = (ctx: EngineContext) => path.join(home(ctx), 'logs');
const stdoutLog = (ctx: EngineContext) => path.join(logsDir(ctx), 'kafka.out');

function java(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function pom(): string {
  const dependency = (groupId: string, artifactId: string, version: string) =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>orbit.engines</groupId>
  <artifactId>kafka-server</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${dependency('org.apache.kafka', `kafka_${SCALA}`, KAFKA_VERSION)}
    <!-- Kafka 3.9 logs through log4j 1: its own distribution ships reload4j behind slf4j. -->
${dependency('org.slf4j', 'slf4j-reload4j', '1.7.36')}
${dependency('ch.qos.reload4j', 'reload4j', '1.2.25')}
  </dependencies>
</project>
`;
}

function serverProperties(ctx: EngineContext): string {
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${HOST}:${CONTROLLER_PORT}`,
    listeners: `PLAINTEXT://${HOST}:${PORT},CONTROLLER://${HOST}:${CONTROLLER_PORT}`,
    'advertised.listeners': `PLAINTEXT://${BROKERS}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir(ctx),
    // One broker: every internal topic has a single replica.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'min.insync.replicas': 1,
    // The event log creates its topics itself, with the partition count Orbit is configured for.
    'auto.create.topics.enable': false,
    'num.partitions': 8,
    // A dev broker: groups form at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': 0,
    'group.min.session.timeout.ms': 1000,
    // Orbit publishes a spacecraft's processed readings as one event: a record batch may be several MB.
    'message.max.bytes': 16 * 1024 * 1024,
    'log.retention.hours': 168,
    'log.segment.bytes': 256 * 1024 * 1024,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'delete.topic.enable': true,
  };
  return `${Object.entries(settings).map(([key, value]) => `${key}=${value}`).join('\n')}\n`;
}

function log4jProperties(): string {
  return `log4j.rootLogger=INFO, file, console
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=\${kafka.logs.dir}/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=5
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.Threshold=WARN
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=[%d] %p %m (%c)%n
# The version line goes to kafka.out too: start() reads the server's own report of its version there.
log4j.appender.startup=org.apache.log4j.ConsoleAppender
log4j.appender.startup.layout=org.apache.log4j.PatternLayout
log4j.appender.startup.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=INFO, startup
log4j.additivity.org.apache.kafka.common.utils.AppInfoParser=false
log4j.logger.kafka.server.KafkaRaftServer=INFO, startup
`;
}

/** Kafka's cluster id: 16 random bytes, base64url without padding. It may start with '-', so it is passed as `--cluster-id=…`, never as a separate argument. */
function clusterId(): string {
  return randomBytes(16).toString('base64url');
}

/** Whether the broker answers a metadata request and lists itself, i.e. it is registered and unfenced. */
async function brokerAnswers(): Promise<boolean> {
  const admin = new Admin({ clientId: 'orbit-engines-probe', bootstrapBrokers: [BROKERS], retries: 0, timeout: 2000, connectTimeout: 1000 });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return metadata.brokers.size > 0;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

async function versionReported(logFile: string, from: number): Promise<string | undefined> {
  const text = (await readFile(logFile)).subarray(from).toString('utf8');
  return /Kafka version: (\S+)/.exec(text)?.[1];
}

const kafka: Engine = {
  name: 'kafka',
  env: { ORBIT_EVENTS_BROKERS: BROKERS },

  async install(ctx) {
    const needed = [...((await commandExists(java())) ? [] : ['openjdk-17-jre-headless']), ...((await commandExists('mvn')) ? [] : ['maven'])];
    if (needed.length) await aptInstall(ctx, needed);
    if (existsSync(installedMarker(ctx))) return;
    const dir = path.dirname(libDir(ctx));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'pom.xml'), pom());
    ctx.log(`kafka: fetching Kafka ${KAFKA_VERSION} and its dependencies from Maven Central`);
    await run('mvn', ['-B', '-q', '-f', path.join(dir, 'pom.xml'), 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies', `-DoutputDirectory=${libDir(ctx)}`, '-DincludeScope=runtime'], { cwd: dir });
    await writeFile(installedMarker(ctx), `${new Date().toISOString()}\n`);
  },

  async start(ctx) {
    await mkdir(dataDir(ctx), { recursive: true });
    await mkdir(logsDir(ctx), { recursive: true });
    const config = path.join(home(ctx), 'server.properties');
    const log4j = path.join(home(ctx), 'log4j.properties');
    await writeFile(config, serverProperties(ctx));
    await writeFile(log4j, log4jProperties());
    const classpath = path.join(libDir(ctx), '*');
    const jvm = [`-Dlog4j.configuration=file:${log4j}`, `-Dkafka.logs.dir=${logsDir(ctx)}`, '-Djava.awt.headless=true'];

    if (!existsSync(path.join(dataDir(ctx), 'meta.properties'))) {
      ctx.log('kafka: formatting storage');
      await run(java(), ['-Xmx256m', ...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId()}`, '-c', config, '--ignore-formatted']);
    }

    const logFile = stdoutLog(ctx);
    const offset = await stat(logFile).then((s) => s.size, () => 0);
    const pid = await spawnDetached(
      java(),
      [...HEAP, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent', '-XX:+ExitOnOutOfMemoryError', ...jvm, '-cp', classpath, 'kafka.Kafka', config],
      { logFile, cwd: home(ctx) },
    );
    await waitFor('kafka', brokerAnswers, { timeoutMs: 120_000, logFile, pid });
    const version = (await versionReported(logFile, offset)) ?? 'unknown';
    return { pids: [pid], version };
  },

  async serving() {
    return (await portOpen(PORT)) && brokerAnswers();
  },
};

export default kafka;
