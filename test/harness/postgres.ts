/**
 * A real, throwaway PostgreSQL 15 server for tests (Debian's binaries in /usr/lib/postgresql/15/bin).
 *
 * PostgreSQL refuses to run as root and sessions/CI run as root, so initdb and pg_ctl run as the machine's
 * `postgres` user (runuser) on a fresh temp directory it owns. The server listens on 127.0.0.1 and a free port
 * only, its unix socket lives in that temp directory, TCP logins need a password (scram-sha-256). Nothing is
 * written inside the repository; stopPostgres() (and, as a best effort, process exit) stops it and removes the dir.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

export const PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';

export interface PgCredentials {
  user: string;
  password: string;
}

export type PgRole = 'superuser' | 'operator' | 'appUser';

export interface PgHarness {
  host: '127.0.0.1';
  port: number;
  /** The bootstrap superuser (`postgres`). */
  superuser: PgCredentials;
  /** `incident_operator`: NOSUPERUSER, member of pg_monitor and pg_signal_backend, like production. */
  operator: PgCredentials;
  /** `app_user`: an ordinary application role, owner of the `app` database. */
  appUser: PgCredentials;
  database: string;
  dataDir: string;
  /**
   * PEM of the server's self-signed certificate (CN and SAN 127.0.0.1; it is its own CA), or null when openssl is
   * missing and the server runs without TLS. Connections may use TLS or not (pg_hba `host` lines accept both).
   */
  tlsCert: string | null;
  superuserUrl(): string;
  /** pg ClientConfig for one of the roles (database `app` unless given). */
  clientConfig(role: PgRole, database?: string): pg.ClientConfig;
  /**
   * Connect a tracked client as `role`. Tracked clients get an 'error' listener (so a terminated backend does not
   * crash the test process) and are closed by closeSessions().
   */
  connect(role: PgRole, database?: string): Promise<pg.Client>;
  /**
   * Connect as `role`, optionally open a transaction, and start `sql` without waiting for it; resolves once the
   * server shows the statement as active. The returned `settled` never rejects.
   */
  startQuery(role: PgRole, sql: string, opts?: { transaction?: boolean; database?: string }): Promise<BackgroundQuery>;
  /** Run one statement as the superuser on a short-lived connection. */
  adminQuery(sql: string, params?: unknown[], database?: string): Promise<Record<string, unknown>[]>;
  /** Terminate every other client backend on the server and close all tracked clients. Call in afterEach. */
  closeSessions(): Promise<void>;
  /** Stop the server (fast shutdown), keeping the data directory. */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
}

export interface BackgroundQuery {
  client: pg.Client;
  pid: number;
  /** backend_start as ISO-8601 UTC with microseconds. */
  backendStart: string;
  /** Settles when the statement ends: ok, or the SQLSTATE it failed with (57P01 when terminated). */
  settled: Promise<{ ok: boolean; code?: string }>;
}

/** Poll `check` until it returns a value other than undefined/false, or fail after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface ServerState {
  tempDir: string;
  dataDir: string;
  port: number;
  running: boolean;
}

let pending: Promise<PgHarness> | null = null;
let current: { harness: PgHarness; state: ServerState; clients: Set<pg.Client> } | null = null;
let exitHookInstalled = false;

const secret = (): string => randomBytes(18).toString('base64url');

async function runAsPostgres(binary: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('runuser', ['-u', OS_USER, '--', join(PG_BIN_DIR, binary), ...args], {
      timeout: 60_000,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${binary} ${args[0] ?? ''} failed: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

/** Self-signed certificate for 127.0.0.1, owned by postgres (the server insists on a 0600 key). */
async function makeServerCertificate(dir: string, uid: number, gid: number): Promise<string | null> {
  const key = join(dir, 'server.key');
  const crt = join(dir, 'server.crt');
  try {
    await execFileAsync('openssl', [
      'req', '-new', '-x509', '-days', '2', '-nodes', '-newkey', 'rsa:2048', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', crt,
    ], { timeout: 30_000 });
  } catch {
    return null;
  }
  await chmod(key, 0o600);
  await chown(key, uid, gid);
  await chown(crt, uid, gid);
  return readFile(crt, 'utf8');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function pgCtl(state: ServerState, action: 'start' | 'stop'): Promise<void> {
  if (action === 'start') {
    await runAsPostgres('pg_ctl', ['start', '-D', state.dataDir, '-l', join(state.tempDir, 'server.log'), '-w', '-t', '30']);
    state.running = true;
  } else {
    await runAsPostgres('pg_ctl', ['stop', '-D', state.dataDir, '-m', 'fast', '-w', '-t', '30']);
    state.running = false;
  }
}

async function serverLogTail(state: ServerState): Promise<string> {
  try {
    return (await readFile(join(state.tempDir, 'server.log'), 'utf8')).split('\n').slice(-20).join('\n');
  } catch {
    return '(no server log)';
  }
}

/** Synchronous best-effort cleanup for process exit (async work is not possible there). */
function stopOnExit(): void {
  if (current === null) return;
  const { state } = current;
  if (state.running) {
    spawnSync('runuser', ['-u', OS_USER, '--', join(PG_BIN_DIR, 'pg_ctl'), 'stop', '-D', state.dataDir, '-m', 'immediate', '-w'], {
      stdio: 'ignore',
      timeout: 15_000,
    });
  }
  spawnSync('rm', ['-rf', state.tempDir], { stdio: 'ignore' });
  current = null;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', stopOnExit);
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopOnExit();
      process.kill(process.pid, signal);
    });
  }
}

async function bootstrap(): Promise<PgHarness> {
  if (!existsSync(join(PG_BIN_DIR, 'initdb')) || !existsSync(join(PG_BIN_DIR, 'pg_ctl'))) {
    throw new Error(`PostgreSQL 15 binaries not found in ${PG_BIN_DIR}: run \`apt-get install postgresql-15\``);
  }
  const uid = Number((await execFileAsync('id', ['-u', OS_USER])).stdout.trim());
  const gid = Number((await execFileAsync('id', ['-g', OS_USER])).stdout.trim());

  const tempDir = await mkdtemp(join(tmpdir(), 'incident-operator-pg-'));
  await chown(tempDir, uid, gid);
  const dataDir = join(tempDir, 'data');
  const state: ServerState = { tempDir, dataDir, port: 0, running: false };
  const clients = new Set<pg.Client>();
  current = { harness: undefined as unknown as PgHarness, state, clients };
  installExitHook();

  const superuser: PgCredentials = { user: 'postgres', password: secret() };
  const operator: PgCredentials = { user: 'incident_operator', password: secret() };
  const appUser: PgCredentials = { user: 'app_user', password: secret() };
  const database = 'app';

  const pwFile = join(tempDir, 'pwfile');
  await writeFile(pwFile, `${superuser.password}\n`, { mode: 0o600 });
  await chown(pwFile, uid, gid);
  await runAsPostgres('initdb', [
    '-D', dataDir, '-U', superuser.user, `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256',
    '-E', 'UTF8', '--no-locale', '--no-sync',
  ]);
  await rm(pwFile, { force: true });

  const tlsCert = await makeServerCertificate(tempDir, uid, gid);

  await writeFile(
    join(dataDir, 'pg_hba.conf'),
    [
      '# incident-operator test harness',
      'local all all trust',
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );

  let lastError: unknown = null;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    state.port = await freePort();
    await writeFile(
      join(dataDir, 'postgresql.auto.conf'),
      [
        `listen_addresses = '127.0.0.1'`,
        `port = ${state.port}`,
        `unix_socket_directories = '${tempDir}'`,
        `password_encryption = 'scram-sha-256'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 40',
        `shared_buffers = '32MB'`,
        ...(tlsCert === null
          ? []
          : ['ssl = on', `ssl_cert_file = '${join(tempDir, 'server.crt')}'`, `ssl_key_file = '${join(tempDir, 'server.key')}'`]),
        '',
      ].join('\n'),
    );
    try {
      await pgCtl(state, 'start');
      lastError = null;
      break;
    } catch (err) {
      lastError = err; // most likely the port was taken between probing and binding: try another one
    }
  }
  if (lastError !== null) {
    throw new Error(`could not start PostgreSQL: ${(lastError as Error).message}\n${await serverLogTail(state)}`);
  }

  const configFor = (role: PgRole, db = database): pg.ClientConfig => {
    const creds = role === 'superuser' ? superuser : role === 'operator' ? operator : appUser;
    return { host: '127.0.0.1', port: state.port, user: creds.user, password: creds.password, database: db, ssl: false };
  };

  const admin = new pg.Client(configFor('superuser', 'postgres'));
  await admin.connect();
  try {
    // The operator's role, exactly as the README asks an admin to create it:
    //  - NOSUPERUSER: it must not be able to end superuser sessions or read data;
    //  - pg_monitor (includes pg_read_all_stats): without it, pg_stat_activity hides other roles' state, query,
    //    query_start, wait events, so diagnosis would see nothing;
    //  - pg_signal_backend: lets it pg_terminate_backend() sessions of other non-superuser roles (runbook step 5).
    await admin.query(`CREATE ROLE ${operator.user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '${operator.password}'`);
    await admin.query(`GRANT pg_monitor TO ${operator.user}`);
    await admin.query(`GRANT pg_signal_backend TO ${operator.user}`);
    await admin.query(`CREATE ROLE ${appUser.user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '${appUser.password}'`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${appUser.user}`);
    await admin.query(`GRANT CONNECT ON DATABASE ${database} TO ${operator.user}`);
  } finally {
    await admin.end();
  }

  const harness: PgHarness = {
    host: '127.0.0.1',
    get port() {
      return state.port;
    },
    superuser,
    operator,
    appUser,
    database,
    dataDir,
    tlsCert,
    superuserUrl: () =>
      `postgresql://${encodeURIComponent(superuser.user)}:${encodeURIComponent(superuser.password)}@127.0.0.1:${state.port}/${database}`,
    clientConfig: configFor,
    async connect(role, db) {
      const client = new pg.Client(configFor(role, db));
      client.on('error', () => {
        // the backend was terminated on purpose by a test; the pending query rejects and the test handles it
      });
      clients.add(client);
      await client.connect();
      return client;
    },
    async adminQuery(sql, params = [], db = database) {
      const c = new pg.Client(configFor('superuser', db));
      c.on('error', () => undefined);
      await c.connect();
      try {
        return (await c.query(sql, params)).rows as Record<string, unknown>[];
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    async startQuery(role, sql, opts = {}) {
      const client = await harness.connect(role, opts.database);
      const me = await client.query(
        `SELECT pid, to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS backend_start
           FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
      );
      const pid = Number(me.rows[0].pid);
      const backendStart = String(me.rows[0].backend_start);
      if (opts.transaction) await client.query('BEGIN');
      const settled = client.query(sql).then(
        () => ({ ok: true }),
        (err: { code?: string }) => ({ ok: false, code: err.code }),
      );
      await waitFor(
        async () => {
          const rows = await harness.adminQuery(`SELECT state FROM pg_stat_activity WHERE pid = $1`, [pid], 'postgres');
          return rows[0]?.['state'] === 'active';
        },
        `pid ${pid} to become active`,
      );
      return { client, pid, backendStart, settled };
    },
    async closeSessions() {
      if (state.running) {
        const killer = new pg.Client(configFor('superuser', 'postgres'));
        try {
          await killer.connect();
          await killer.query(
            `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
          );
        } finally {
          await killer.end().catch(() => undefined);
        }
      }
      await Promise.all([...clients].map((c) => c.end().catch(() => undefined)));
      clients.clear();
    },
    async stop() {
      if (state.running) await pgCtl(state, 'stop');
    },
    async start() {
      if (!state.running) await pgCtl(state, 'start');
    },
  };
  current.harness = harness;
  return harness;
}

/** Start (once per process) and return the shared test server. */
export function ensurePostgres(): Promise<PgHarness> {
  if (pending === null) {
    pending = bootstrap().catch(async (err: unknown) => {
      pending = null;
      if (current !== null) {
        stopOnExit();
      }
      throw err;
    });
  }
  return pending;
}

/** Close tracked sessions, stop the server and remove its directory. Safe to call more than once. */
export async function stopPostgres(): Promise<void> {
  const started = pending;
  if (started === null) return;
  await started.catch(() => undefined);
  const running = current;
  pending = null;
  if (running === null) return;
  current = null;
  // stop first: a fast shutdown ends busy backends, whereas client.end() would wait for a running pg_sleep
  if (running.state.running) await pgCtl(running.state, 'stop').catch(() => undefined);
  await Promise.all([...running.clients].map((c) => c.end().catch(() => undefined)));
  running.clients.clear();
  await rm(running.state.tempDir, { recursive: true, force: true });
}
