/**
 * Lock pile-ups of every shape on the real PostgreSQL of test/harness/postgres.ts, and the roles that must never
 * be terminated:
 *  - a blocker holding ACCESS EXCLUSIVE inside a transaction while issuing only short statements;
 *  - an idle-in-transaction blocker;
 *  - a chain A blocks B blocks C (A holds ACCESS SHARE, B queues for ACCESS EXCLUSIVE, C queues behind B);
 *  - any blocker as any login (superuser, a member of a superuser role after SET ROLE, ...).
 * Roles (created once): `pileup_setrole` (LOGIN, member of the NOLOGIN SUPERUSER role `pileup_su`; sessions
 * SET ROLE to it), `pileup_repl_member` (LOGIN, member of `pileup_mid`, itself member of the NOLOGIN REPLICATION
 * role `pileup_repl`: transitive), `pileup_plain` (LOGIN, an ordinary role). Database `pileup_other` (owner
 * app_user) is another database of the same server. Every table is owned by app_user and open to PUBLIC.
 * Sessions are closed by the harness's closeSessions() (it terminates every client backend).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { waitFor, type PgHarness, type PgRole } from './postgres.js';

export type Login = PgRole | 'setRoleSuperuser' | 'replicationMember' | 'plain';

export interface PileupSession {
  client: pg.Client;
  pid: number;
  backendStart: string;
  login: Login;
  /** The session's work: a victim's statement, or a blocker's loop. Never rejects: ok, or the SQLSTATE (57P01 = terminated). */
  settled: Promise<{ ok: boolean; code?: string }>;
}

const PASSWORD = `pileup-${randomBytes(9).toString('hex')}`;
export const OTHER_DATABASE = 'pileup_other';
const LOGINS: Record<Exclude<Login, PgRole>, string> = { setRoleSuperuser: 'pileup_setrole', replicationMember: 'pileup_repl_member', plain: 'pileup_plain' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let prepared: Promise<void> | null = null;
let preparedFor: PgHarness | null = null;

export class PileUps {
  private readonly clients = new Set<pg.Client>();
  private stopping = false;

  constructor(readonly h: PgHarness) {}

  /** Roles and the other database, once per server. */
  async prepare(): Promise<void> {
    if (prepared === null || preparedFor !== this.h) {
      preparedFor = this.h;
      prepared = (async () => {
        const exists = await this.h.adminQuery(`SELECT 1 FROM pg_roles WHERE rolname = 'pileup_su'`, [], 'postgres');
        if (exists.length === 0) {
          for (const sql of [
            `CREATE ROLE pileup_su NOLOGIN SUPERUSER`,
            `CREATE ROLE pileup_setrole LOGIN NOSUPERUSER PASSWORD '${PASSWORD}'`,
            `GRANT pileup_su TO pileup_setrole`,
            `CREATE ROLE pileup_repl NOLOGIN REPLICATION`,
            `CREATE ROLE pileup_mid NOLOGIN`,
            `GRANT pileup_repl TO pileup_mid`,
            `CREATE ROLE pileup_repl_member LOGIN PASSWORD '${PASSWORD}'`,
            `GRANT pileup_mid TO pileup_repl_member`,
            `CREATE ROLE pileup_plain LOGIN PASSWORD '${PASSWORD}'`,
            `CREATE DATABASE ${OTHER_DATABASE} OWNER ${this.h.appUser.user}`,
            `GRANT CONNECT ON DATABASE ${OTHER_DATABASE} TO ${this.h.operator.user}`,
          ]) await this.h.adminQuery(sql, [], 'postgres');
        } else {
          for (const role of Object.values(LOGINS)) await this.h.adminQuery(`ALTER ROLE ${role} PASSWORD '${PASSWORD}'`, [], 'postgres');
        }
      })();
    }
    await prepared;
  }

  /** A fresh table owned by app_user, readable and lockable by everyone. */
  async table(prefix = 'pile', database?: string): Promise<string> {
    const name = `${prefix}_${randomBytes(4).toString('hex')}`;
    const c = await this.connect('appUser', database);
    try {
      await c.query(`CREATE TABLE ${name} (id int)`);
      await c.query(`INSERT INTO ${name} SELECT generate_series(1, 10)`);
      await c.query(`GRANT ALL ON ${name} TO PUBLIC`);
    } finally {
      this.clients.delete(c);
      await c.end().catch(() => undefined);
    }
    return name;
  }

  async connect(login: Login, database?: string, applicationName?: string): Promise<pg.Client> {
    const base = this.h.clientConfig(login === 'superuser' || login === 'operator' || login === 'appUser' ? login : 'appUser', database);
    const config = login in LOGINS ? { ...base, user: LOGINS[login as keyof typeof LOGINS], password: PASSWORD } : base;
    const client = new pg.Client({ ...config, ...(applicationName ? { application_name: applicationName } : {}) });
    client.on('error', () => undefined); // terminated on purpose
    this.clients.add(client);
    await client.connect();
    if (login === 'setRoleSuperuser') await client.query('SET ROLE pileup_su');
    return client;
  }

  private async identify(client: pg.Client): Promise<{ pid: number; backendStart: string }> {
    const r = await client.query(`SELECT pid, to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS bs FROM pg_stat_activity WHERE pid = pg_backend_pid()`);
    return { pid: Number(r.rows[0].pid), backendStart: String(r.rows[0].bs) };
  }

  /** A session that keeps issuing `sql` every 50 ms until it is terminated or stop() is called. */
  private loop(client: pg.Client, sql: string): Promise<{ ok: boolean; code?: string }> {
    return (async () => {
      while (!this.stopping) {
        try {
          await client.query(sql);
        } catch (err) {
          return { ok: false, code: (err as { code?: string }).code };
        }
        await sleep(50);
      }
      return { ok: true };
    })();
  }

  /** BEGIN; LOCK TABLE ... IN ACCESS EXCLUSIVE MODE; then only short statements (SELECT 1 every 50 ms). */
  async shortStatementBlocker(table: string, login: Login = 'appUser', opts: { database?: string; application?: string } = {}): Promise<PileupSession> {
    const client = await this.connect(login, opts.database, opts.application);
    const id = await this.identify(client);
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return { client, login, ...id, settled: this.loop(client, 'SELECT 1') };
  }

  /** BEGIN; LOCK TABLE ... IN ACCESS EXCLUSIVE MODE; then nothing: idle in transaction. */
  async idleInTransactionBlocker(table: string, login: Login = 'appUser', opts: { database?: string } = {}): Promise<PileupSession> {
    const client = await this.connect(login, opts.database);
    const id = await this.identify(client);
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return { client, login, ...id, settled: new Promise(() => undefined) };
  }

  /** BEGIN; SELECT from the table (ACCESS SHARE), then short statements: blocks only a stronger lock request. */
  async shareHolder(table: string, login: Login = 'appUser'): Promise<PileupSession> {
    const client = await this.connect(login);
    const id = await this.identify(client);
    await client.query('BEGIN');
    await client.query(`SELECT count(*) FROM ${table}`);
    return { client, login, ...id, settled: this.loop(client, 'SELECT 1') };
  }

  /** Start `sql` and resolve once the server shows the session waiting for a lock (pg_blocking_pids not empty). */
  async waiter(sql: string, login: Login = 'appUser', opts: { database?: string } = {}): Promise<PileupSession> {
    const client = await this.connect(login, opts.database);
    const id = await this.identify(client);
    const settled = client.query(sql).then(() => ({ ok: true }), (err: { code?: string }) => ({ ok: false, code: err.code }));
    await waitFor(async () => (await this.h.adminQuery('SELECT cardinality(pg_blocking_pids($1)) AS n', [id.pid], 'postgres'))[0]?.['n'] !== 0, `pid ${id.pid} to wait for a lock`);
    return { client, login, ...id, settled };
  }

  /** `n` victims reading `table` (each waits for the blocker). */
  async victims(table: string, n: number, login: Login = 'appUser', opts: { database?: string } = {}): Promise<PileupSession[]> {
    const out: PileupSession[] = [];
    for (let i = 0; i < n; i++) out.push(await this.waiter(`SELECT count(*) FROM ${table}`, login, opts));
    return out;
  }

  /** A long statement blocking nobody (pg_sleep), as `login`. */
  async longRunner(login: Login = 'appUser', seconds = 60, opts: { database?: string } = {}): Promise<PileupSession> {
    const client = await this.connect(login, opts.database);
    const id = await this.identify(client);
    const settled = client.query(`SELECT pg_sleep(${seconds})`).then(() => ({ ok: true }), (err: { code?: string }) => ({ ok: false, code: err.code }));
    await waitFor(async () => (await this.h.adminQuery('SELECT state FROM pg_stat_activity WHERE pid = $1', [id.pid], 'postgres'))[0]?.['state'] === 'active', `pid ${id.pid} active`);
    return { client, login, ...id, settled };
  }

  async alive(s: { pid: number; backendStart: string }): Promise<boolean> {
    const rows = await this.h.adminQuery(
      `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') = $2`,
      [s.pid, s.backendStart], 'postgres');
    return rows.length === 1;
  }

  /** Client sessions of the server waiting for a lock right now. */
  async waitingCount(): Promise<number> {
    const rows = await this.h.adminQuery(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0`, [], 'postgres');
    return Number(rows[0]?.['n'] ?? 0);
  }

  /** End the loops and close every client this object opened (the harness's closeSessions() ends the backends). */
  async close(): Promise<void> {
    this.stopping = true;
    await this.h.closeSessions();
    await Promise.all([...this.clients].map((c) => c.end().catch(() => undefined)));
    this.clients.clear();
    this.stopping = false;
  }
}
