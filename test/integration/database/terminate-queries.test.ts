/**
 * The termination adapter on the real PostgreSQL 15: what listSessions() reads (wait-for edges, effective
 * privilege through SET ROLE-able and transitive memberships, redacted identity, fingerprints only), and the
 * re-checks terminateSession() makes in the very statement that signals.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type pg from 'pg';
import { redactIdentity } from '../../../src/database/session-columns.js';
import { listSessions, serverIdentity, terminateSession, TerminationResult, type TerminateTarget } from '../../../src/database/terminate-queries.js';
import { OTHER_DATABASE, PileUps } from '../../harness/pg-pileups.js';
import { ensurePostgres, stopPostgres, type PgHarness } from '../../harness/postgres.js';

after(async () => {
  await stopPostgres();
});

const PATIENT_NAME = 'Jane Q Patient';
const SSN = '078-05-1120';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('termination adapter (real PostgreSQL)', function () {
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

  const target = (s: { pid: number; backendStart: string }, overrides: Partial<TerminateTarget> = {}): TerminateTarget => ({
    pid: s.pid, backendStart: s.backendStart, why: 'LongRunner', thresholdSeconds: 1, databases: [h.database], ...overrides,
  });

  it('lists every session with wait-for edges, ages, effective privilege and redacted identity, never query literals', async () => {
    const canary = `CANARY-${randomBytes(6).toString('hex')}@example.com`;
    const t = await p.table();
    const blocker = await p.shortStatementBlocker(t, 'appUser', { application: canary });
    const victim = await p.waiter(`SELECT count(*), '${PATIENT_NAME}', '${SSN}' FROM ${t}`);
    const su = await p.longRunner('superuser');
    const setRole = await p.longRunner('setRoleSuperuser');
    const repl = await p.longRunner('replicationMember');
    await sleep(300);

    const { ownPid, sessions } = await listSessions(operator);
    const own = await operator.query('SELECT pg_backend_pid() AS pid');
    expect(ownPid).to.equal(Number(own.rows[0].pid));
    const by = (pid: number) => sessions.find((s) => s.pid === pid)!;

    expect(by(victim.pid).blockedBy).to.deep.equal([blocker.pid]);
    expect(by(victim.pid).fingerprint).to.equal(`SELECT count(*), ?, ? FROM ${t}`);
    expect(by(blocker.pid)).to.deep.include({ blockedBy: [], backendStart: blocker.backendStart, database: h.database, user: redactIdentity('app_user'), application: redactIdentity(canary) });
    expect(by(blocker.pid).privilege).to.deep.equal({ superuser: false, replication: false, admin: false });
    expect(by(blocker.pid).transactionAgeSeconds!).to.be.greaterThan(by(blocker.pid).durationSeconds ?? Infinity);
    expect(by(su.pid).privilege).to.deep.include({ superuser: true });
    expect(by(setRole.pid).privilege, 'member of a superuser role (SET ROLE-able)').to.deep.include({ superuser: true });
    expect(by(repl.pid).privilege, 'transitive member of a REPLICATION role').to.deep.include({ replication: true, superuser: false });
    expect(by(ownPid).privilege, 'the operator itself: pg_signal_backend / pg_monitor member').to.deep.include({ admin: true });
    expect(sessions.some((s) => s.backendType !== 'client backend'), 'background workers are listed too (graph)').to.equal(true);

    const text = JSON.stringify(sessions);
    expect(text).to.not.include(SSN).and.not.include(PATIENT_NAME).and.not.include(canary);
  });

  it('protected roles from configuration make their (transitive) members untouchable', async () => {
    const plain = await p.longRunner('plain');
    const before = (await listSessions(operator)).sessions.find((s) => s.pid === plain.pid)!;
    expect(before.privilege).to.deep.include({ admin: false });
    const after = (await listSessions(operator, { protectedRoles: ['pileup_plain'] })).sessions.find((s) => s.pid === plain.pid)!;
    expect(after.privilege).to.deep.include({ admin: true });
    await sleep(1100);
    expect(await terminateSession(operator, target(plain), { protectedRoles: ['pileup_plain'] })).to.deep.equal({ terminated: false, reason: TerminationResult.NoMatchingSession });
    expect(await p.alive(plain)).to.equal(true);
  });

  it('server identity is the system identifier, readable by the operator role', async () => {
    expect(await serverIdentity(operator, 'x:1')).to.match(/^pg-system-\d+$/);
  });

  it('terminates a long runner, and re-checks pid + backend_start (a reused pid is never hit)', async () => {
    const app = await p.longRunner('appUser');
    await sleep(1100);
    const shifted = new Date(Date.parse(app.backendStart) - 1000).toISOString();
    const oneMicroLater = app.backendStart.replace(/(\d)Z$/, (_, d: string) => `${(Number(d) + 1) % 10}Z`);
    for (const backendStart of [shifted, oneMicroLater]) {
      expect(await terminateSession(operator, target({ pid: app.pid, backendStart })), backendStart).to.deep.equal({ terminated: false, reason: TerminationResult.NoMatchingSession });
    }
    expect(await p.alive(app)).to.equal(true);
    expect(await terminateSession(operator, target(app))).to.deep.equal({ terminated: true, reason: TerminationResult.Terminated });
    expect(await app.settled).to.deep.equal({ ok: false, code: '57P01' });
  });

  it('re-checks effective privilege and scope in the signalling statement', async () => {
    const su = await p.longRunner('setRoleSuperuser');
    const repl = await p.longRunner('replicationMember');
    const other = await p.longRunner('appUser', 60, { database: OTHER_DATABASE });
    await sleep(1100);
    for (const s of [su, repl, other]) {
      expect(await terminateSession(operator, target(s)), s.login).to.deep.equal({ terminated: false, reason: TerminationResult.NoMatchingSession });
      expect(await p.alive(s)).to.equal(true);
    }
    // a role that became a superuser member between listing and signalling is refused too
    const plain = await p.longRunner('plain');
    await sleep(1100);
    await h.adminQuery('GRANT pileup_su TO pileup_plain', [], 'postgres');
    try {
      expect(await terminateSession(operator, target(plain))).to.deep.equal({ terminated: false, reason: TerminationResult.NoMatchingSession });
    } finally {
      await h.adminQuery('REVOKE pileup_su FROM pileup_plain', [], 'postgres');
    }
    // the other database is fine once it is in scope
    expect(await terminateSession(operator, target(other, { databases: [h.database, OTHER_DATABASE] }))).to.deep.include({ terminated: true });
  });

  it('re-checks why it was chosen: a root blocker must still block, with an old enough transaction; a long runner must still run', async () => {
    const t = await p.table();
    const blocker = await p.idleInTransactionBlocker(t);
    await sleep(1100);
    expect(await terminateSession(operator, target(blocker, { why: 'RootBlocker' })), 'blocks nobody yet').to.deep.include({ reason: TerminationResult.NoMatchingSession });
    expect(await terminateSession(operator, target(blocker, { why: 'LongRunner' })), 'idle in transaction is no long runner').to.deep.include({ reason: TerminationResult.NoMatchingSession });
    const victim = await p.waiter(`SELECT count(*) FROM ${t}`);
    expect(await terminateSession(operator, target(victim, { why: 'LongRunner' })), 'a victim is never hit').to.deep.include({ reason: TerminationResult.NoMatchingSession });
    expect(await terminateSession(operator, target(victim, { why: 'RootBlocker' })), 'a victim is never hit').to.deep.include({ reason: TerminationResult.NoMatchingSession });
    expect(await terminateSession(operator, target(blocker, { why: 'RootBlocker', thresholdSeconds: 3600 })), 'too young').to.deep.include({ reason: TerminationResult.NoMatchingSession });
    expect(await terminateSession(operator, target(blocker, { why: 'RootBlocker' }))).to.deep.equal({ terminated: true, reason: TerminationResult.Terminated });
    expect(await victim.settled).to.deep.equal({ ok: true });
  });

  it('never terminates its own session, nor a superuser login (PostgreSQL would refuse too)', async () => {
    const me = (await listSessions(operator)).ownPid;
    const mine = (await listSessions(operator)).sessions.find((s) => s.pid === me)!;
    expect(await terminateSession(operator, target(mine))).to.deep.equal({ terminated: false, reason: TerminationResult.NoMatchingSession });
    await operator.query('SELECT 1');
    const su = await p.longRunner('superuser');
    await sleep(1100);
    expect(await terminateSession(operator, target(su))).to.deep.equal({ terminated: false, reason: TerminationResult.NoMatchingSession });
    let code: string | undefined;
    try {
      await operator.query('SELECT pg_terminate_backend($1)', [su.pid]);
    } catch (err) {
      code = (err as { code?: string }).code;
    }
    expect(code).to.equal('42501');
    expect(await p.alive(su)).to.equal(true);
  });

  it('reports errors instead of throwing', async () => {
    const broken = { query: () => Promise.reject(Object.assign(new Error('connection terminated'), { code: 'ECONNRESET' })) } as unknown as pg.ClientBase;
    expect(await terminateSession(broken, target({ pid: 123, backendStart: '2024-05-01T10:00:00.000001Z' }))).to.deep.equal({
      terminated: false, reason: TerminationResult.Error, message: 'connection terminated (ECONNRESET)',
    });
    expect(await terminateSession(operator, target({ pid: 123, backendStart: 'not a timestamp' }))).to.include({ terminated: false, reason: TerminationResult.NoMatchingSession });
  });
});
