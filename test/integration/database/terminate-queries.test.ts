import { expect } from 'chai';
import type pg from 'pg';
import { selectQueriesToTerminate, SkipReason } from '../../../src/decide/query-termination.js';
import { listTerminationCandidates, terminateSession, TerminationResult } from '../../../src/database/terminate-queries.js';
import { ensurePostgres, stopPostgres, type BackgroundQuery, type PgHarness } from '../../harness/postgres.js';

after(async () => {
  await stopPostgres();
});

const PATIENT_NAME = 'Jane Q Patient';
const SSN = '078-05-1120';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('query termination (real PostgreSQL)', () => {
  let h: PgHarness;
  let operator: pg.Client;

  before(async () => {
    h = await ensurePostgres();
  });
  beforeEach(async () => {
    operator = await h.connect('operator');
  });
  afterEach(async () => {
    await h.closeSessions();
  });

  const isAlive = async (q: BackgroundQuery): Promise<boolean> =>
    (await h.adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [q.pid], 'postgres')).length === 1;

  it('terminates the app_user session and never the superuser one', async () => {
    const app = await h.startQuery('appUser', `SELECT pg_sleep(30), '${PATIENT_NAME}', '${SSN}'`, { transaction: true });
    const admin = await h.startQuery('superuser', 'SELECT pg_sleep(30)');
    await sleep(1200);

    const { ownPid, sessions } = await listTerminationCandidates(operator, { thresholdSeconds: 1 });
    const ownRow = await operator.query('SELECT pg_backend_pid() AS pid');
    expect(ownPid).to.equal(Number(ownRow.rows[0].pid));
    expect(sessions.map((s) => s.pid).sort()).to.deep.equal([app.pid, admin.pid].sort());
    const appRow = sessions.find((s) => s.pid === app.pid)!;
    expect(appRow).to.include({ user: 'app_user', rolsuper: false, rolreplication: false, state: 'active', backendType: 'client backend', backendStart: app.backendStart });
    expect(appRow.fingerprint).to.equal('SELECT pg_sleep(?), ?, ?');
    expect(sessions.find((s) => s.pid === admin.pid)).to.include({ user: 'postgres', rolsuper: true });
    expect(JSON.stringify(sessions)).not.to.include(SSN).and.not.to.include(PATIENT_NAME);

    const decision = selectQueriesToTerminate(sessions, { thresholdSeconds: 1, maxTerminations: 5, alreadyTerminated: 0, ownPid });
    expect(decision.eligible.map((s) => s.pid)).to.deep.equal([app.pid]);
    expect(decision.skipped).to.deep.equal([{ pid: admin.pid, reason: SkipReason.SuperuserRole }]);

    for (const s of decision.eligible) {
      expect(await terminateSession(operator, s)).to.deep.equal({ terminated: true, reason: TerminationResult.Terminated });
    }
    expect(await app.settled).to.deep.equal({ ok: false, code: '57P01' }); // admin_shutdown: terminated
    expect(await isAlive(app)).to.equal(false);
    expect(await isAlive(admin)).to.equal(true);

    // Even if asked directly, the adapter refuses the superuser session...
    expect(await terminateSession(operator, admin)).to.deep.equal({ terminated: false, reason: TerminationResult.NoMatchingSession });
    // ...and PostgreSQL itself would refuse the operator role anyway.
    let code: string | undefined;
    try {
      await operator.query('SELECT pg_terminate_backend($1)', [admin.pid]);
    } catch (err) {
      code = (err as { code?: string }).code;
    }
    expect(code).to.equal('42501');
    expect(await isAlive(admin)).to.equal(true);
  });

  it('a pid with a different backend_start (reused pid) is not terminated', async () => {
    const app = await h.startQuery('appUser', 'SELECT pg_sleep(30)');
    const shifted = new Date(Date.parse(app.backendStart) - 1000).toISOString();
    const oneMicroLater = app.backendStart.replace(/(\d)Z$/, (_, d: string) => `${(Number(d) + 1) % 10}Z`);
    for (const backendStart of [shifted, oneMicroLater]) {
      expect(await terminateSession(operator, { pid: app.pid, backendStart }), backendStart).to.deep.equal({
        terminated: false,
        reason: TerminationResult.NoMatchingSession,
      });
    }
    expect(await isAlive(app)).to.equal(true);
    expect(await terminateSession(operator, { pid: app.pid, backendStart: app.backendStart })).to.deep.equal({
      terminated: true,
      reason: TerminationResult.Terminated,
    });
    expect(await isAlive(app)).to.equal(false);
  });

  it('re-checks the statement age and the state in the same statement', async () => {
    const app = await h.startQuery('appUser', 'SELECT pg_sleep(30)');
    expect(await terminateSession(operator, { pid: app.pid, backendStart: app.backendStart, minDurationSeconds: 3600 })).to.include({
      terminated: false,
      reason: TerminationResult.NoMatchingSession,
    });
    const idle = await h.connect('appUser');
    const idleInfo = await idle.query(
      `SELECT pid, to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS bs FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
    );
    expect(await terminateSession(operator, { pid: Number(idleInfo.rows[0].pid), backendStart: String(idleInfo.rows[0].bs) })).to.include({
      terminated: false,
      reason: TerminationResult.NoMatchingSession,
    });
    expect(await isAlive(app)).to.equal(true);
    await idle.query('SELECT 1'); // still connected
  });

  it('never terminates its own session', async () => {
    const me = await operator.query(
      `SELECT pid, to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS bs FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
    );
    const outcome = await terminateSession(operator, { pid: Number(me.rows[0].pid), backendStart: String(me.rows[0].bs) });
    expect(outcome).to.deep.equal({ terminated: false, reason: TerminationResult.NoMatchingSession });
    await operator.query('SELECT 1');
  });

  it('respects the budget: only the oldest sessions within maxTerminations - alreadyTerminated', async () => {
    const first = await h.startQuery('appUser', 'SELECT pg_sleep(30)');
    await sleep(150);
    const second = await h.startQuery('appUser', 'SELECT pg_sleep(30)');
    await sleep(150);
    const third = await h.startQuery('appUser', 'SELECT pg_sleep(30)');
    await sleep(1100);

    const { ownPid, sessions } = await listTerminationCandidates(operator, { thresholdSeconds: 1 });
    const decision = selectQueriesToTerminate(sessions, { thresholdSeconds: 1, maxTerminations: 3, alreadyTerminated: 1, ownPid });
    expect(decision.eligible.map((s) => s.pid)).to.deep.equal([first.pid, second.pid]);
    expect(decision.skipped).to.deep.equal([{ pid: third.pid, reason: SkipReason.BudgetExhausted }]);
    for (const s of decision.eligible) expect((await terminateSession(operator, s)).terminated).to.equal(true);
    expect([await isAlive(first), await isAlive(second), await isAlive(third)]).to.deep.equal([false, false, true]);
  });

  it('reports errors instead of throwing', async () => {
    const broken = { query: () => Promise.reject(Object.assign(new Error('connection terminated'), { code: 'ECONNRESET' })) } as unknown as pg.ClientBase;
    expect(await terminateSession(broken, { pid: 123, backendStart: '2024-05-01T10:00:00.000001Z' })).to.deep.equal({
      terminated: false,
      reason: TerminationResult.Error,
      message: 'connection terminated (ECONNRESET)',
    });
    expect(await terminateSession(operator, { pid: 123, backendStart: 'not a timestamp' })).to.include({
      terminated: false,
      reason: TerminationResult.NoMatchingSession,
    });
  });
});
