/**
 * PostgreSQL from Debian's packages, as a cluster of its own under `.engines/postgres/`,
 * on 127.0.0.1:55432, run as the `postgres` system user (the server refuses root).
 *
 * The server runs under a small shell supervisor that turns SIGTERM into SIGINT. For the
 * postmaster SIGTERM means "smart" shutdown, which waits for every client to disconnect:
 * Orbit's pools never do while they are busy, so `engines:down` would wait out its grace
 * period and then kill. SIGINT is the "fast" shutdown: sessions are ended, the cluster is
 * checkpointed and the next start needs no crash recovery.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { access, chown, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { aptInstall, isAlive, run, spawnDetached, waitFor, type Engine, type EngineContext, type StartedEngine } from './engine.ts';

const PORT = 55432;
const HOST = '127.0.0.1';
const OS_USER = 'postgres';
const ROLE = 'orbit';
const DATABASE = 'orbit';
// A development server on loopback only; the password just keeps the role from being open to every local user.
const PASSWORD = 'orbit-local-dev';
const URL = `postgres://${ROLE}:${PASSWORD}@${HOST}:${PORT}/${DATABASE}`;

const SUPERVISOR = [
  '"$@" &',
  'server=$!',
  'trap \'kill -INT "$server" 2>/dev/null\' TERM INT',
  // wait returns early whenever a trapped signal arrives; the supervisor lives as long as the server.
  'while kill -0 "$server" 2>/dev/null; do wait "$server"; done',
].join('\n');

interface Layout {
  base: string;
  data: string;
  socketDir: string;
  logFile: string;
}

function layout(ctx: EngineContext): Layout {
  const base = path.join(ctx.root, 'postgres');
  return { base, data: path.join(base, 'data'), socketDir: path.join(base, 'run'), logFile: path.join(base, 'postgres.log') };
}

/** The newest server installed under Debian's versioned layout, e.g. /usr/lib/postgresql/15/bin. */
async function serverBinDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [] as string[])).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (await access(path.join(bin, 'postgres')).then(() => true, () => false)) return bin;
  }
  throw new Error(`no PostgreSQL server under ${root}; install the Debian package 'postgresql'`);
}

async function osUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  const out = await run('id', [OS_USER]).catch(() => undefined);
  const uid = out?.match(/uid=(\d+)/)?.[1];
  const gid = out?.match(/gid=(\d+)/)?.[1];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

async function ensureOsUser(ctx: EngineContext): Promise<{ uid: number; gid: number }> {
  let ids = await osUserIds();
  if (!ids) {
    ctx.log(`postgres: creating system user ${OS_USER}`);
    await run('useradd', ['--system', '--user-group', '--home-dir', '/var/lib/postgresql', '--shell', '/bin/sh', OS_USER]);
    ids = await osUserIds();
  }
  if (!ids) throw new Error(`system user ${OS_USER} could not be created`);
  return ids;
}

/** Runs a command as the server's system user, with an environment of our choosing (no PG* variables leak in). */
function asServerUser(command: string, args: string[], cwd: string): Promise<string> {
  return run('setpriv', [`--reuid=${OS_USER}`, `--regid=${OS_USER}`, '--init-groups', '--', command, ...args], { cwd, env: serverEnv() });
}

function serverEnv(): NodeJS.ProcessEnv {
  return { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/var/lib/postgresql' };
}

async function prepareDirectories(ctx: EngineContext, l: Layout, ids: { uid: number; gid: number }): Promise<void> {
  await mkdir(l.socketDir, { recursive: true });
  await chown(l.base, ids.uid, ids.gid);
  await chown(l.socketDir, ids.uid, ids.gid);
  // Every directory above must let the server's user through; a checkout under a private home directory does not.
  await asServerUser('test', ['-w', l.base], l.base).catch(() => {
    throw new Error(`user ${OS_USER} cannot write to ${l.base}: every parent directory must be searchable by it (chmod o+x)`);
  });
  // The socket path has a hard limit of 107 bytes on Linux.
  if (path.join(l.socketDir, `.s.PGSQL.${PORT}`).length > 100) throw new Error(`the checkout path is too long for a unix socket under ${l.socketDir}`);
  ctx.log(`postgres: data in ${l.data}`);
}

async function initCluster(ctx: EngineContext, bin: string, l: Layout): Promise<void> {
  if (await access(path.join(l.data, 'PG_VERSION')).then(() => true, () => false)) return;
  // A half-made directory from an interrupted initdb would make initdb refuse.
  await rm(l.data, { recursive: true, force: true });
  ctx.log('postgres: initdb');
  // Collation C and ctype C.UTF-8, as PGlite has them, so that ORDER BY on text agrees between the engines.
  await asServerUser(
    path.join(bin, 'initdb'),
    ['-D', l.data, '-U', 'postgres', '-E', 'UTF8', '--lc-collate=C', '--lc-ctype=C.UTF-8', '--auth-local=peer', '--auth-host=scram-sha-256', '--no-instructions'],
    l.base,
  );
}

function serverArgs(l: Layout): string[] {
  const settings = {
    listen_addresses: HOST,
    port: String(PORT),
    unix_socket_directories: l.socketDir,
    // Several Orbit processes, each with a pool, plus tests and benches.
    max_connections: '200',
    shared_buffers: '256MB',
    // Fewer checkpoints under bulk telemetry writes; commits stay synchronous and durable.
    max_wal_size: '2GB',
    log_line_prefix: '%m [%p] ',
  };
  return ['-D', l.data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

async function acceptsConnections(bin: string, l: Layout): Promise<boolean> {
  // As the server's user, whom peer authentication lets in: an unknown user would leave a FATAL line in the log.
  return asServerUser(path.join(bin, 'pg_isready'), ['-q', '-h', l.socketDir, '-p', String(PORT), '-U', 'postgres', '-d', 'postgres', '-t', '2'], l.base).then(
    () => true,
    () => false,
  );
}

/** Starts the supervisor and the server; retries while a killed server's old processes still hold shared memory. */
async function launch(ctx: EngineContext, bin: string, l: Layout): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const args = ['--reuid', OS_USER, '--regid', OS_USER, '--init-groups', '--', '/bin/sh', '-c', SUPERVISOR, 'postgres-supervisor', path.join(bin, 'postgres'), ...serverArgs(l)];
    const logStart = (await readFile(l.logFile, 'utf8').catch(() => '')).length;
    const pid = await spawnDetached('setpriv', args, { logFile: l.logFile, cwd: l.base, env: serverEnv() });
    try {
      await waitFor('PostgreSQL', () => acceptsConnections(bin, l), { timeoutMs: 120_000, logFile: l.logFile, pid });
      return pid;
    } catch (error) {
      const log = (await readFile(l.logFile, 'utf8').catch(() => '')).slice(logStart);
      if (isAlive(pid) || !/pre-existing shared memory block|lock file .* already exists/.test(log) || Date.now() > deadline) {
        if (isAlive(pid)) process.kill(pid, 'SIGTERM');
        throw error;
      }
      ctx.log('postgres: processes of the previous server are still exiting; retrying');
      await sleep(1000);
    }
  }
}

async function postmasterPid(l: Layout, supervisor: number): Promise<number> {
  const pid = Number((await readFile(path.join(l.data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const parent = Number((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ')[1]);
  if (parent !== supervisor) throw new Error(`postmaster.pid names ${pid}, which is not the server just started (pid ${supervisor}); see ${l.logFile}`);
  return pid;
}

/** The role and database Orbit uses; idempotent, so every start repairs what an interrupted first start left out. */
async function bootstrap(bin: string, l: Layout): Promise<void> {
  const psql = (sql: string) => asServerUser(path.join(bin, 'psql'), ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', l.socketDir, '-p', String(PORT), '-d', 'postgres', '-c', sql], l.base);
  await psql(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE}; END IF; END $$`);
  // CREATEDB: tests and deployments give each run a database of its own.
  await psql(`ALTER ROLE ${ROLE} WITH LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
  if (!(await psql(`SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`)).trim()) await psql(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
}

async function serverVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}

const postgres: Engine = {
  name: 'postgres',
  env: { ORBIT_SQL_URL: URL },

  async install(ctx) {
    await aptInstall(ctx, ['postgresql']);
    await ensureOsUser(ctx);
    await serverBinDir();
  },

  async start(ctx): Promise<StartedEngine> {
    const bin = await serverBinDir();
    const l = layout(ctx);
    await prepareDirectories(ctx, l, await ensureOsUser(ctx));
    await initCluster(ctx, bin, l);
    const supervisor = await launch(ctx, bin, l);
    await bootstrap(bin, l);
    const version = await serverVersion();
    return { pids: [supervisor, await postmasterPid(l, supervisor)], version };
  },

  async serving() {
    const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 2000 });
    // A server that answers, even with an error of its own (a missing role, say), is serving.
    const answered = await client.connect().then(
      () => true,
      (error: unknown) => error instanceof pg.DatabaseError,
    );
    await client.end().catch(() => undefined);
    return answered;
  },
};

export default postgres;
