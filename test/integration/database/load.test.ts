import { expect } from 'chai';
import type pg from 'pg';
import { randomBytes } from 'node:crypto';
import { diagnoseDatabaseLoad, diagnoseTransactions } from '../../../src/database/load.js';
import { redactIdentity } from '../../../src/database/session-columns.js';
import { PileUps } from '../../harness/pg-pileups.js';
import { ensurePostgres, stopPostgres, waitFor, type PgHarness } from '../../harness/postgres.js';

after(async () => {
  await stopPostgres();
});

const PATIENT_NAME = 'Jane Q Patient';
const SSN = '078-05-1120';
const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const TABLE = 'load_patients';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function expectNoLiterals(value: unknown): void {
  const text = JSON.stringify(value);
  // '05-1120', not '1120': four digits alone match durations and timestamps in a correctly redacted report.
  for (const canary of [PATIENT_NAME, SSN, 'Jane', '05-1120', 'John Roe']) expect(text).not.to.include(canary);
}

describe('diagnoseDatabaseLoad (real PostgreSQL)', () => {
  let h: PgHarness;
  let operator: pg.Client;

  before(async () => {
    h = await ensurePostgres();
    const app = await h.connect('appUser');
    await app.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await app.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, name text, ssn text)`);
    await app.query(`INSERT INTO ${TABLE} SELECT g, 'name ' || g, 'ssn ' || g FROM generate_series(1, 50) g`);
    await h.closeSessions();
  });

  beforeEach(async () => {
    operator = await h.connect('operator');
  });

  afterEach(async () => {
    await h.closeSessions();
  });

  it('lists a long-running statement with duration and a fingerprint without its literals', async () => {
    const sleeper = await h.startQuery('appUser', `SELECT pg_sleep(30), '${PATIENT_NAME}', '${SSN}'`, { transaction: true });
    const idle = await h.connect('appUser'); // an idle session is never listed
    await idle.query('SELECT 1');
    await sleep(1300);

    const report = await diagnoseDatabaseLoad(operator, { longQueryThresholdSeconds: 1 });

    expect(report.errors).to.deep.equal([]);
    expect(report.longRunningQueries.map((q) => q.pid)).to.deep.equal([sleeper.pid]);
    const q = report.longRunningQueries[0]!;
    expect(q).to.include({ user: 'app_user', database: 'app', state: 'active', waitEventType: 'Timeout', waitEvent: 'PgSleep' });
    expect(q.fingerprint).to.equal('SELECT pg_sleep(?), ?, ?');
    expect(q.durationSeconds).to.be.within(1, 30);
    expect(q.transactionAgeSeconds).to.be.at.least(q.durationSeconds);
    expect(q.backendStart).to.equal(sleeper.backendStart).and.match(ISO_MICROS);
    expect(report.oldestTransaction).to.include({ pid: sleeper.pid, user: 'app_user', state: 'active' });
    expect(report.oldestTransaction?.fingerprint).to.equal('SELECT pg_sleep(?), ?, ?');
    expectNoLiterals(report);
  });

  it('respects the threshold and maxQueries', async () => {
    const older = await h.startQuery('appUser', `SELECT pg_sleep(30), '${SSN}'`);
    await sleep(100);
    const newer = await h.startQuery('appUser', `SELECT pg_sleep(31), '${PATIENT_NAME}'`);
    await sleep(1200);
    const high = await diagnoseDatabaseLoad(operator, { longQueryThresholdSeconds: 60 });
    expect(high.longRunningQueries).to.deep.equal([]);
    const capped = await diagnoseDatabaseLoad(operator, { longQueryThresholdSeconds: 1, maxQueries: 1 });
    expect(capped.longRunningQueries).to.have.length(1);
    expect(capped.longRunningQueries.map((q) => q.pid)).to.deep.equal([older.pid]);
    const all = await diagnoseDatabaseLoad(operator, { longQueryThresholdSeconds: 1 });
    expect(all.longRunningQueries.map((q) => q.pid)).to.deep.equal([older.pid, newer.pid]);
    expect(all.longRunningQueries[0]!.durationSeconds).to.be.at.least(all.longRunningQueries[1]!.durationSeconds);
    expectNoLiterals(all);
  });

  it('detects a blocked/blocking pair on a row lock', async () => {
    const holder = await h.connect('appUser');
    await holder.query('BEGIN');
    await holder.query(`UPDATE ${TABLE} SET name = '${PATIENT_NAME}' WHERE id = 1`);
    const holderPid = Number((await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const waiter = await h.startQuery('appUser', `UPDATE ${TABLE} SET ssn = '${SSN}', name = 'John Roe' WHERE id = 1`);
    await waitFor(async () => {
      const rows = await h.adminQuery(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [waiter.pid]);
      return rows[0]?.['wait_event_type'] === 'Lock';
    }, 'the second UPDATE to wait on the lock');

    const report = await diagnoseDatabaseLoad(operator, { longQueryThresholdSeconds: 0 });

    expect(report.errors).to.deep.equal([]);
    expect(report.blocking).to.have.length(1);
    const pair = report.blocking[0]!;
    expect(pair.blocked).to.include({ pid: waiter.pid, user: 'app_user', state: 'active', waitEventType: 'Lock', waitEvent: 'transactionid' });
    expect(pair.blocked.fingerprint).to.equal(`UPDATE ${TABLE} SET ssn = ?, name = ? WHERE id = ?`);
    expect(pair.blocking).to.include({ pid: holderPid, user: 'app_user', state: 'idle in transaction', backendType: 'client backend' });
    // the holder's last statement was the pg_backend_pid() probe, inside the transaction that holds the lock
    expect(pair.blocking.fingerprint).to.equal('SELECT pg_backend_pid() AS pid');
    expect(pair.blocked.backendStart).to.equal(waiter.backendStart);
    expect(report.oldestTransaction?.pid).to.equal(holderPid);
    expectNoLiterals(report);
  });

  it('reports connections in use against max_connections, by state', async () => {
    await h.startQuery('appUser', 'SELECT pg_sleep(30)');
    const idle = await h.connect('appUser');
    await idle.query('SELECT 1');
    const txn = await h.connect('appUser');
    await txn.query('BEGIN');

    const report = await diagnoseDatabaseLoad(operator);
    const c = report.connections;
    expect(c).to.not.equal(null);
    expect(c!.maxConnections).to.equal(40); // harness setting
    expect(c!.superuserReservedConnections).to.equal(3);
    // operator (active, running this query) + sleeper (active) + idle + idle in transaction
    expect(c!.byState).to.deep.equal({ active: 2, idle: 1, 'idle in transaction': 1 });
    expect(c!.used).to.equal(4);
    expect(c!.utilization).to.be.closeTo(4 / 37, 0.001);
  });

  it('reviews index usage: tables ranked by sequential scans', async () => {
    const app = await h.connect('appUser');
    for (let i = 0; i < 4; i += 1) await app.query(`SELECT count(*) FROM ${TABLE} WHERE name LIKE 'x%'`);
    await app.query(`SELECT name FROM ${TABLE} WHERE id = 7`);
    await app.end(); // a backend flushes its statistics when it exits
    const report = await waitFor(async () => {
      const r = await diagnoseDatabaseLoad(operator, { maxTables: 5 });
      const t = r.tableScans.find((s) => s.table === TABLE);
      return t !== undefined && t.seqScan >= 4 && t.liveTuples === 50 ? r : undefined;
    }, 'table statistics to be flushed');
    const t = report.tableScans.find((s) => s.table === TABLE)!;
    expect(t.schema).to.equal('public');
    expect(t.seqTupRead).to.be.at.least(200);
    expect(t.idxScan).to.be.a('number').and.at.least(1);
    expect(report.tableScans.length).to.be.at.most(5);
  });

  it('fails soft: one failing section is recorded and the others still run', async () => {
    await h.startQuery('appUser', `SELECT pg_sleep(30), '${SSN}'`);
    await sleep(1100);
    const flaky = {
      query: (text: string, params?: unknown[]) =>
        text.includes('pg_blocking_pids')
          ? Promise.reject(Object.assign(new Error('permission denied for function pg_blocking_pids'), { code: '42501' }))
          : operator.query(text, params),
    } as unknown as pg.ClientBase;

    const report = await diagnoseDatabaseLoad(flaky, { longQueryThresholdSeconds: 1 });

    // the blocking section and the three transaction queries (they count blocked sessions) fail; the rest run
    expect(report.errors.map((e) => e.section)).to.deep.equal(['blocking', 'oldestTransaction', 'oldestTransaction', 'oldestTransaction']);
    expect(report.errors[0]).to.deep.equal({ section: 'blocking', code: '42501', message: 'permission denied for function pg_blocking_pids' });
    expect(report.oldestTransaction, 'the oldest-transaction query itself still ran').to.not.equal(null);
    expect(report.longRunningQueries).to.have.length(1);
    expect(report.connections).to.not.equal(null);
    // the failed section's transaction was rolled back: the client is usable and not left in a transaction
    // (outside an explicit transaction, a statement's implicit transaction starts with it: xact_start = query_start)
    const own = await operator.query(`SELECT xact_start = query_start AS fresh FROM pg_stat_activity WHERE pid = pg_backend_pid()`);
    expect(own.rows[0].fresh).to.equal(true);
  });

  it('a statement timeout fails the section instead of hanging', async () => {
    const slowClient = {
      query: (text: string, params?: unknown[]) =>
        text.includes('pg_stat_user_tables') ? operator.query(`SELECT pg_sleep(2)`) : operator.query(text, params),
    } as unknown as pg.ClientBase;
    // the pg_sleep above runs inside the section's transaction, so its statement_timeout applies to it
    const report = await diagnoseDatabaseLoad(slowClient, { statementTimeoutMs: 200 });
    expect(report.errors.map((e) => [e.section, e.code])).to.deep.equal([['tableScans', '57014']]);
    expect(report.connections).to.not.equal(null);
  });

  it('without pg_monitor other roles’ sessions are invisible (why the operator role needs it)', async () => {
    const superSleeper = await h.startQuery('superuser', `SELECT pg_sleep(30), '${SSN}'`);
    await sleep(1100);
    const unprivileged = await h.connect('appUser');
    const blind = await diagnoseDatabaseLoad(unprivileged, { longQueryThresholdSeconds: 1 });
    expect(blind.longRunningQueries.map((q) => q.pid)).not.to.include(superSleeper.pid);
    const privileged = await diagnoseDatabaseLoad(operator, { longQueryThresholdSeconds: 1 });
    expect(privileged.longRunningQueries.map((q) => q.pid)).to.include(superSleeper.pid);
    expectNoLiterals(privileged);
  });
});

describe('diagnoseTransactions and session identity (real PostgreSQL)', function () {
  this.timeout(60_000);
  let h: PgHarness;
  let p: PileUps;
  let operator: pg.Client;

  before(async () => {
    h = await ensurePostgres();
    p = new PileUps(h);
    await p.prepare();
  });
  beforeEach(async () => {
    operator = await h.connect('operator');
  });
  afterEach(async () => {
    await p.close();
  });

  it('reports idle-in-transaction and long transactions and the sessions holding locks the longest, even with no long query', async () => {
    const t = await p.table();
    const idle = await p.idleInTransactionBlocker(t);
    const busy = await p.shortStatementBlocker(await p.table());
    const victim = await p.waiter(`SELECT count(*) FROM ${t}`);
    await sleep(1300);

    const { report, errors } = await diagnoseTransactions(operator, { longQueryThresholdSeconds: 1 });
    expect(errors).to.deep.equal([]);
    const long = report.longTransactions.map((x) => x.pid);
    expect(long).to.include(idle.pid).and.include(busy.pid);
    expect(long.indexOf(idle.pid), 'oldest first').to.be.below(long.indexOf(busy.pid));
    const idleRow = report.longTransactions.find((x) => x.pid === idle.pid)!;
    expect(idleRow).to.include({ state: 'idle in transaction', blocking: 1, database: h.database });
    expect(idleRow.idleSeconds).to.be.greaterThan(1);
    expect(idleRow.locksHeld).to.be.greaterThan(0);
    expect(idleRow.fingerprint).to.equal(`LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE`);
    const busyRow = report.longTransactions.find((x) => x.pid === busy.pid)!;
    expect(busyRow.transactionAgeSeconds).to.be.greaterThan(1);
    expect(report.lockHolders[0]!.pid).to.equal(idle.pid);
    expect(report.waitingForLocks).to.equal(1);
    // the victim waited 1.3 s in its own (autocommit) transaction: listed too, blocking nobody, holding no table lock
    expect(report.longTransactions.find((x) => x.pid === victim.pid)).to.include({ state: 'active', blocking: 0 });
    expect(report.lockHolders.map((x) => x.pid)).to.not.include(victim.pid);
  });

  it('usename and application_name are redacted everywhere (an application name can be an e-mail address)', async () => {
    const canary = `CANARY-${randomBytes(6).toString('hex')}@example.com`;
    const t = await p.table();
    const holder = await p.shortStatementBlocker(t, 'appUser', { application: canary });
    await p.waiter(`SELECT count(*) FROM ${t}`);
    await sleep(1300);
    const load = await diagnoseDatabaseLoad(operator, { longQueryThresholdSeconds: 0 });
    const tx = await diagnoseTransactions(operator, { longQueryThresholdSeconds: 0 });
    const text = JSON.stringify({ load, tx });
    expect(text).to.not.include(canary);
    expect(load.transactions?.lockHolders.map((x) => x.pid), 'part of the load report').to.include(holder.pid);
    expect(load.transactions?.waitingForLocks).to.equal(1);
    const row = tx.report.lockHolders.find((x) => x.pid === holder.pid)!;
    expect(row.application).to.equal(redactIdentity(canary));
    expect(row.user).to.equal(redactIdentity('app_user'));
  });
});
