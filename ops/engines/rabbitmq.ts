/**
 * RabbitMQ from Debian's `rabbitmq-server`, run by hand (not as the system service) as the
 * package's `rabbitmq` user, with its own epmd, node name, config, cookie and data under
 * `.engines/rabbitmq/`, every port on 127.0.0.1:
 *   55672 AMQP, 55673 Erlang distribution, 55369 epmd, 55674 management HTTP API.
 * The management plugin is enabled because AMQP cannot tell how many messages are
 * delivered but unacked, which the queue adapter's depth() reports.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import amqp from 'amqplib';
import { aptInstall, portOpen, run, spawnDetached, waitFor, type Engine, type EngineContext, type StartedEngine } from './engine.ts';

const HOST = '127.0.0.1';
const AMQP_PORT = 55672;
const DIST_PORT = 55673;
const EPMD_PORT = 55369;
const MANAGEMENT_PORT = 55674;
const NODE_NAME = 'orbit@localhost';
const USER = 'orbit';
// A loopback-only development broker: a fixed password keeps `.engines/env` stable across restarts.
const PASSWORD = 'orbit-local-7d3c9a';
const SERVER_USER = 'rabbitmq';
const SERVER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';

// The queue adapter reads unacked counts from the management API named by `management`.
const RABBITMQ_URL = `amqp://${USER}:${PASSWORD}@${HOST}:${AMQP_PORT}/?management=${MANAGEMENT_PORT}`;

const dirs = (ctx: EngineContext) => {
  const base = path.join(ctx.root, 'rabbitmq');
  return { base, data: path.join(base, 'mnesia'), logs: path.join(base, 'log'), log: path.join(base, 'log', 'server.out') };
};

function config(ctx: EngineContext): string {
  const { logs } = dirs(ctx);
  return [
    `listeners.tcp.default = ${HOST}:${AMQP_PORT}`,
    `management.tcp.ip = ${HOST}`,
    `management.tcp.port = ${MANAGEMENT_PORT}`,
    // Applied only when the database is created: the first start makes the user, later ones keep it.
    `default_user = ${USER}`,
    `default_pass = ${PASSWORD}`,
    'default_user_tags.management = true',
    'default_permissions.configure = .*',
    'default_permissions.read = .*',
    'default_permissions.write = .*',
    // Queue figures reach the management API once per interval; the default 5 s makes depth() lag.
    'collect_statistics_interval = 500',
    // Other engines share this machine's memory; flow control starts well before it runs short.
    'vm_memory_high_watermark.absolute = 1536MB',
    'disk_free_limit.absolute = 256MB',
    'log.console = false',
    `log.file = ${path.join(logs, 'rabbit.log')}`,
    'log.file.level = info',
    '',
  ].join('\n');
}

// Quorum queues report their message counts on each tick (5 s by default); depth() wants them fresher.
const ADVANCED_CONFIG = '[{rabbit, [{quorum_tick_interval, 500}]}].\n';

function serverEnv(ctx: EngineContext): NodeJS.ProcessEnv {
  const { base, data, logs } = dirs(ctx);
  return {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    // Erlang keeps the cookie in $HOME: this node's cookie stays with its data.
    HOME: base,
    RABBITMQ_NODENAME: NODE_NAME,
    RABBITMQ_NODE_IP_ADDRESS: HOST,
    RABBITMQ_NODE_PORT: String(AMQP_PORT),
    RABBITMQ_DIST_PORT: String(DIST_PORT),
    ERL_EPMD_PORT: String(EPMD_PORT),
    ERL_EPMD_ADDRESS: HOST,
    RABBITMQ_CONFIG_FILE: path.join(base, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(base, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: path.join(base, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(base, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: data,
    RABBITMQ_MNESIA_DIR: path.join(data, NODE_NAME),
    RABBITMQ_LOG_BASE: logs,
    RABBITMQ_PID_FILE: path.join(base, 'rabbitmq.pid'),
    // Idle schedulers must not spin: they would take CPU from the other engines on two cores.
    // The distribution listener would bind every interface without inet_dist_use_interface.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '+sbwt none +sbwtdcpu none +sbwtdio none -kernel inet_dist_use_interface {127,0,0,1}',
  };
}

async function writeConfig(ctx: EngineContext): Promise<void> {
  const { base, data, logs } = dirs(ctx);
  for (const dir of [base, data, logs]) await mkdir(dir, { recursive: true });
  await writeFile(path.join(base, 'rabbitmq.conf'), config(ctx));
  await writeFile(path.join(base, 'advanced.config'), ADVANCED_CONFIG);
  // An empty env file keeps /etc/rabbitmq/rabbitmq-env.conf from overriding the variables above.
  await writeFile(path.join(base, 'rabbitmq-env.conf'), '');
  await writeFile(path.join(base, 'enabled_plugins'), '[rabbitmq_management].\n');
  await run('chown', ['-R', `${SERVER_USER}:${SERVER_USER}`, base]);
}

/** Connects as the Orbit user: the broker serves clients, and reports its version. */
async function serverVersion(): Promise<string> {
  const connection = await amqp.connect(RABBITMQ_URL, { timeout: 3000 });
  const version = String(connection.connection.serverProperties.version ?? 'unknown');
  await connection.close().catch(() => undefined);
  return version;
}

async function managementAnswers(): Promise<boolean> {
  const response = await fetch(`http://${HOST}:${MANAGEMENT_PORT}/api/whoami`, {
    headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
    signal: AbortSignal.timeout(3000),
  });
  return response.ok;
}

const EPMD_ARGS = ['-address', HOST, '-port', String(EPMD_PORT)];

/** The pid of an epmd started by an earlier start() with exactly these arguments, if one still runs. */
async function runningEpmd(): Promise<number | undefined> {
  const wanted = ['epmd', ...EPMD_ARGS].join('\0');
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replace(/\0$/, '') === wanted) return Number(entry);
  }
  return undefined;
}

/** Starts this node's own epmd, or adopts the one left running when only the server was stopped. */
async function startEpmd(ctx: EngineContext): Promise<number | undefined> {
  if (await portOpen(EPMD_PORT)) return runningEpmd();
  const pid = await spawnDetached('setpriv', ['--reuid', SERVER_USER, '--regid', SERVER_USER, '--init-groups', 'epmd', ...EPMD_ARGS], {
    logFile: path.join(dirs(ctx).logs, 'epmd.out'),
    env: serverEnv(ctx),
  });
  await waitFor('epmd', () => portOpen(EPMD_PORT), { timeoutMs: 10_000, pid });
  return pid;
}

const rabbitmq: Engine = {
  name: 'rabbitmq',
  env: { ORBIT_QUEUE_URL: RABBITMQ_URL },

  async install(ctx) {
    // The package brings Erlang, the management plugin and the `rabbitmq` system user.
    await aptInstall(ctx, ['rabbitmq-server']);
  },

  async start(ctx): Promise<StartedEngine> {
    await writeConfig(ctx);
    const { base, log } = dirs(ctx);
    const epmd = await startEpmd(ctx);
    // setpriv execs in place and keeps the environment. The script stays as the VM's parent and
    // turns SIGTERM into a graceful stop of the VM, waiting for it: it comes first in the pids.
    const script = await spawnDetached('setpriv', ['--reuid', SERVER_USER, '--regid', SERVER_USER, '--init-groups', SERVER_SCRIPT], { logFile: log, env: serverEnv(ctx), cwd: base });
    await waitFor('rabbitmq', async () => (await serverVersion().then(() => true, () => false)) && (await managementAnswers()), { timeoutMs: 120_000, logFile: log, pid: script });
    const vm = Number((await readFile(path.join(base, 'rabbitmq.pid'), 'utf8')).trim());
    return { pids: [script, vm, ...(epmd === undefined ? [] : [epmd])], version: await serverVersion() };
  },

  async serving() {
    return serverVersion().then(
      () => true,
      () => false,
    );
  },
};

export default rabbitmq;
