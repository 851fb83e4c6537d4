/**
 * The termination pass (select → record intents → signal → verify) on the real PostgreSQL 15, for every pile-up
 * shape of the issue, the roles that must never be terminated, the database scope, the per-server budget shared
 * by several Incidents, and a pass resumed after the process died between intent and signal.
 * After remediation: nobody waits, the blocker(s) are gone, the victims' statements completed (never terminated).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import type { LedgerEntry } from '../../../src/decide/termination-budget.js';
import { redactIdentity } from '../../../src/database/session-columns.js';
import { executeTerminations, planTerminations, runTerminationPass, type QueryTerminationRecord, type TerminationPassDeps } from '../../../src/remediate/query-termination-pass.js';
import { TerminationLedger } from '../../../src/remediate/termination-ledger.js';
import { systemClock } from '../../../src/runtime/clock.js';
import { OTHER_DATABASE, PileUps, type PileupSession } from '../../harness/pg-pileups.js';
import { ensurePostgres, type PgHarness } from '../../harness/postgres.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('query termination pass on real PostgreSQL: pile-ups', function () {
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
    operator = new pg.Client({ ...h.clientConfig('operator'), application_name: 'incident-operator' });
    operator.on('error', () => undefined);
    await operator.connect();
  });
  afterEach(async () => {
    await operator.end().catch(() => undefined);
    await p.close();
  });

  function deps(overrides: Partial<TerminationPassDeps> = {}): TerminationPassDeps {
    return { clock: systemClock, ledger: new TerminationLedger(), recordedIntents: () => [], budget: { max: 5, windowSeconds: 600 }, verifySeconds: 3, ...overrides };
  }

  interface Run { record: QueryTerminationRecord; persisted: QueryTerminationRecord[]; aliveAtIntent: boolean[] }
  async function run(opts: { deps?: TerminationPassDeps; databases?: string[]; maxTerminations?: number; watch?: PileupSession[] } = {}): Promise<Run> {
    const persisted: QueryTerminationRecord[] = [];
    const aliveAtIntent: boolean[] = [];
    const record = await runTerminationPass(opts.deps ?? deps(), {
      client: operator, serverAddress: `${h.host}:${h.port}`, databases: opts.databases ?? [h.database], thresholdSeconds: 1,
      maxTerminations: opts.maxTerminations ?? 3, previous: [],
      persist: async (rec) => {
        persisted.push(structuredClone(rec));
        for (const s of opts.watch ?? []) aliveAtIntent.push(await p.alive(s));
      },
    });
    return { record, persisted, aliveAtIntent };
  }

  const completed = async (victims: PileupSession[]): Promise<void> => {
    for (const v of victims) expect(await v.settled, `victim ${v.pid}`).to.deep.equal({ ok: true });
  };
  const terminatedPids = (r: QueryTerminationRecord): number[] => (r.terminations ?? []).filter((t) => t.result === 'Terminated').map((t) => t.pid);

  it('blocker issuing short statements inside a long transaction, 5 waiters, maxTerminations 3: terminates the blocker only', async () => {
    const t = await p.table();
    const blocker = await p.shortStatementBlocker(t);
    const victims = await p.victims(t, 5);
    await sleep(1300); // the blocker's transaction (not its statements) is over the 1 s threshold

    const { record, persisted, aliveAtIntent } = await run({ watch: [blocker] });
    expect(persisted.map((r) => r.state), 'intent recorded once, before the signal').to.deep.equal(['Intended']);
    expect(aliveAtIntent, 'the blocker was still alive when its intent was written').to.deep.equal([true]);
    expect(persisted[0]!.terminations!.map((x) => [x.pid, x.why, x.waiters])).to.deep.equal([[blocker.pid, 'RootBlocker', 5]]);

    expect(record.state, record.message).to.equal('Succeeded');
    expect(record.reason).to.equal('QueriesTerminated');
    expect(terminatedPids(record)).to.deep.equal([blocker.pid]);
    expect(record.message).to.match(new RegExp(`terminated 1 session: pid ${blocker.pid} \\(root blocker of 5 waiters\\)`));
    expect(record.verification).to.include({ ok: true });
    expect(record.waitingBefore).to.equal(5);
    expect((await blocker.settled).ok, 'the blocker lost its connection').to.equal(false);
    expect(await p.alive(blocker)).to.equal(false);
    await completed(victims);
    expect(await p.waitingCount()).to.equal(0);
    for (const v of victims) expect(record.skipped).to.deep.include({ pid: v.pid, reason: 'Victim' });
  });

  it('idle-in-transaction blocker: judged by its transaction age, terminated; waiters complete', async () => {
    const t = await p.table();
    const blocker = await p.idleInTransactionBlocker(t);
    const victims = await p.victims(t, 3);
    await sleep(1300);
    const { record } = await run();
    expect(record.state, record.message).to.equal('Succeeded');
    expect(terminatedPids(record)).to.deep.equal([blocker.pid]);
    expect(record.terminations![0]).to.include({ why: 'RootBlocker', waiters: 3, state: 'idle in transaction' });
    expect(await p.alive(blocker)).to.equal(false);
    await completed(victims);
    expect(await p.waitingCount()).to.equal(0);
  });

  it('chain A blocks B blocks C: only A; B and C complete', async () => {
    const t = await p.table();
    const a = await p.shareHolder(t);
    const b = await p.waiter(`ALTER TABLE ${t} ADD COLUMN note text`); // the classic: a migration queued behind a reader
    const c = await p.waiter(`SELECT count(*) FROM ${t}`);
    const cBlockers = await h.adminQuery('SELECT pg_blocking_pids($1) AS b', [c.pid], 'postgres');
    expect(cBlockers[0]!['b'], 'C waits for B (queued behind it), not for A').to.deep.equal([b.pid]);
    await sleep(1300);
    const { record } = await run();
    expect(record.state, record.message).to.equal('Succeeded');
    expect(terminatedPids(record)).to.deep.equal([a.pid]);
    expect(record.terminations![0]!.waiters).to.equal(2);
    await completed([b, c]);
    expect(await p.waitingCount()).to.equal(0);
  });

  it('two independent blockers: both, the one with more waiters first', async () => {
    const [t1, t2] = [await p.table(), await p.table()];
    const b1 = await p.shortStatementBlocker(t1);
    const b2 = await p.idleInTransactionBlocker(t2);
    const v1 = await p.victims(t1, 1);
    const v2 = await p.victims(t2, 2);
    await sleep(1300);
    const { record } = await run();
    expect(record.state, record.message).to.equal('Succeeded');
    expect(record.terminations!.map((x) => [x.pid, x.waiters])).to.deep.equal([[b2.pid, 2], [b1.pid, 1]]);
    expect(terminatedPids(record)).to.have.members([b1.pid, b2.pid]);
    await completed([...v1, ...v2]);
    expect(await p.waitingCount()).to.equal(0);
  });

  for (const login of ['superuser', 'setRoleSuperuser', 'replicationMember'] as const) {
    it(`a ${login} blocker: escalates naming it, touches nobody`, async () => {
      const t = await p.table();
      const canary = `CANARY-${randomBytes(6).toString('hex')}@example.com`;
      const blocker = await p.shortStatementBlocker(t, login, { application: canary });
      const victims = await p.victims(t, 3);
      await sleep(1300);
      const { record, persisted } = await run();
      expect(persisted, 'no intent: nothing to signal').to.deep.equal([]);
      expect(record.state).to.equal('Failed');
      expect(record.reason).to.equal('BlockerNotEligible');
      expect(record.terminations).to.deep.equal([]);
      const expected = login === 'replicationMember' ? 'ReplicationRole' : 'SuperuserRole';
      expect(record.ineligibleBlockers!.map((b) => [b.pid, b.reason, b.waiters])).to.deep.equal([[blocker.pid, expected, 3]]);
      const named = record.ineligibleBlockers![0]!;
      expect(named.fingerprint).to.equal('SELECT ?');
      expect(named.user).to.equal(redactIdentity(login === 'superuser' ? 'postgres' : login === 'setRoleSuperuser' ? 'pileup_setrole' : 'pileup_repl_member'));
      expect(record.message).to.include(`root blocker pid ${blocker.pid}`).and.include(expected);
      expect(JSON.stringify(record), 'the e-mail-like application_name is redacted').to.not.include(canary);
      expect(record.verification!.stillWaiting).to.have.members(victims.map((v) => v.pid));
      expect(await p.alive(blocker)).to.equal(true);
      for (const v of victims) expect(await p.alive(v)).to.equal(true);
    });
  }

  it('SET ROLE superuser, replication member, other database: long runners never terminated; the plain one is', async () => {
    const su = await p.longRunner('setRoleSuperuser');
    const repl = await p.longRunner('replicationMember');
    const other = await p.longRunner('appUser', 60, { database: OTHER_DATABASE });
    const plain = await p.longRunner('plain');
    await sleep(1300);
    const { record } = await run({ deps: deps({ verifySeconds: 0.5 }) });
    expect(terminatedPids(record)).to.deep.equal([plain.pid]);
    expect(record.skipped).to.deep.include({ pid: su.pid, reason: 'SuperuserRole' });
    expect(record.skipped).to.deep.include({ pid: repl.pid, reason: 'ReplicationRole' });
    expect(record.skipped).to.deep.include({ pid: other.pid, reason: 'OtherDatabase' });
    for (const s of [su, repl, other]) expect(await p.alive(s), s.login).to.equal(true);
    expect(record.state, 'long queries remain: not Succeeded').to.equal('Failed');
    expect(record.verification!.longRunning).to.include(su.pid).and.include(repl.pid).and.not.include(other.pid);
  });

  it('spec.database.databases widens the scope to another database', async () => {
    const other = await p.longRunner('appUser', 60, { database: OTHER_DATABASE });
    await sleep(1300);
    const { record } = await run({ databases: [h.database, OTHER_DATABASE] });
    expect(terminatedPids(record)).to.deep.equal([other.pid]);
    expect(record.state, record.message).to.equal('Succeeded');
  });

  it('budget of 2 per server across three Incidents: at most 2 terminations in total', async () => {
    const tables = [await p.table(), await p.table(), await p.table()];
    const blockers: PileupSession[] = [];
    for (const t of tables) blockers.push(await p.shortStatementBlocker(t));
    const victims = (await Promise.all(tables.map((t) => p.victims(t, 1)))).flat();
    await sleep(1300);
    const ledger = new TerminationLedger();
    const clients: pg.Client[] = [];
    for (let i = 0; i < 3; i++) {
      const c = new pg.Client(h.clientConfig('operator'));
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
    }
    // three Incidents reconciled at once by one process; the incidents cache has not shown any intent yet
    // (it lags behind our own writes): the in-process ledger and the per-server lock must hold the line
    const recordedIntents = (): LedgerEntry[] => [];
    try {
      const records = await Promise.all(clients.map((client) => runTerminationPass(deps({ ledger, recordedIntents, budget: { max: 2, windowSeconds: 600 }, verifySeconds: 1 }), {
        client, serverAddress: `${h.host}:${h.port}`, databases: [h.database], thresholdSeconds: 1, maxTerminations: 3, previous: [],
        persist: async () => undefined,
      })));
      const all = records.flatMap((r) => terminatedPids(r));
      expect(all.length, JSON.stringify(records.map((r) => r.message))).to.equal(2);
      expect(new Set(all).size).to.equal(2);
      let alive = 0;
      for (const b of blockers) if (await p.alive(b)) alive += 1;
      expect(alive, 'one blocker left: the budget is spent').to.equal(1);
      for (const r of records) {
        expect(r.state, r.message).to.equal('Failed');
        expect(r.reason).to.equal('TerminationBudgetExhausted');
        expect(r.message).to.match(/termination budget of 2 per 600s for this server spent/);
      }
      expect(records.map((r) => r.budget!.usedBefore).sort()).to.deep.equal([0, 2, 2]);
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
    expect(victims.length).to.equal(3);
  });

  it('resumed after a restart: an intent whose session is still there is signalled (no new unit); a gone one is reported', async () => {
    const t = await p.table();
    const blocker = await p.shortStatementBlocker(t);
    const victims = await p.victims(t, 2);
    await sleep(1300);
    // what the process that died had persisted: two intents, no result
    const planned = await planTerminations(deps(), { client: operator, serverAddress: `${h.host}:${h.port}`, databases: [h.database], thresholdSeconds: 1, maxTerminations: 3, previous: [] });
    expect(planned.state).to.equal('Intended');
    const gone = { ...planned.terminations![0]!, pid: 999_999, backendStart: '2020-01-01T00:00:00.000000Z' };
    const record = { ...planned, terminations: [...planned.terminations!, gone] };
    expect(await p.alive(blocker), 'nothing signalled by planning').to.equal(true);

    const restarted = deps({ ledger: new TerminationLedger() }); // a new process: it remembers nothing
    const outcome = await executeTerminations(restarted, { client: operator, thresholdSeconds: 1, record });
    expect(outcome.state, outcome.message).to.equal('Succeeded');
    expect(outcome.terminations!.map((x) => [x.pid, x.result])).to.deep.equal([[blocker.pid, 'Terminated'], [999_999, 'GoneAfterRestart']]);
    expect(outcome.message).to.include(`resumed after a restart: pid ${blocker.pid} terminated now, pid 999999 was already gone`);
    await completed(victims);
  });

  it('planning twice for the same pile-up (a status write conflict) spends one unit', async () => {
    const t = await p.table();
    await p.shortStatementBlocker(t);
    await p.victims(t, 1);
    await sleep(1300);
    const shared = deps({ budget: { max: 1, windowSeconds: 600 } });
    const input = { client: operator, serverAddress: `${h.host}:${h.port}`, databases: [h.database], thresholdSeconds: 1, maxTerminations: 3, previous: [] };
    const first = await planTerminations(shared, input);
    const second = await planTerminations(shared, input); // the first was never persisted
    expect(first.state).to.equal('Intended');
    expect(second.state).to.equal('Intended');
    expect(second.terminations!.map((x) => x.pid)).to.deep.equal(first.terminations!.map((x) => x.pid));
    expect(second.budget!.usedBefore).to.equal(1);
  });
});
