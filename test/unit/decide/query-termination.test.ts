import { expect } from 'chai';
import { selectQueriesToTerminate, SkipReason, TerminationWhy, verifyTermination } from '../../../src/decide/query-termination.js';
import { sessionKey } from '../../../src/decide/termination-budget.js';
import { policy, session } from './query-termination-fixtures.js';

const pids = (r: ReturnType<typeof selectQueriesToTerminate>): number[] => r.terminate.map((t) => t.session.pid);

describe('selectQueriesToTerminate: plain long runners (nothing blocked)', () => {
  interface Case { name: string; sessions: ReturnType<typeof session>[]; policy?: Parameters<typeof policy>[0]; terminate: number[]; skipped: { pid: number; reason: string }[] }
  const cases: Case[] = [
    { name: 'old active client session is eligible', sessions: [session({ pid: 10 })], terminate: [10], skipped: [] },
    { name: 'own pid never', sessions: [session({ pid: 1 })], terminate: [], skipped: [{ pid: 1, reason: SkipReason.OwnSession }] },
    {
      name: 'non-client backends never (and not listed)',
      sessions: [session({ pid: 10, backendType: 'autovacuum worker' }), session({ pid: 11, backendType: 'walsender' })],
      terminate: [], skipped: [],
    },
    {
      name: 'superuser, replication and admin by effective privilege never',
      sessions: [
        session({ pid: 10, privilege: { superuser: true, replication: false, admin: false } }),
        session({ pid: 11, privilege: { superuser: false, replication: true, admin: false } }),
        session({ pid: 12, privilege: { superuser: false, replication: false, admin: true } }),
      ],
      terminate: [],
      skipped: [{ pid: 10, reason: SkipReason.SuperuserRole }, { pid: 11, reason: SkipReason.ReplicationRole }, { pid: 12, reason: SkipReason.AdminRole }],
    },
    {
      name: 'unknown role or state is never guessed',
      sessions: [session({ pid: 10, privilege: null }), session({ pid: 12, state: null })],
      terminate: [],
      skipped: [{ pid: 10, reason: SkipReason.UnknownRole }, { pid: 12, reason: SkipReason.StateUnknown }],
    },
    {
      name: 'another database never, unless listed in scope',
      sessions: [session({ pid: 10, database: 'billing' }), session({ pid: 11, database: null })],
      terminate: [],
      skipped: [{ pid: 10, reason: SkipReason.OtherDatabase }, { pid: 11, reason: SkipReason.OtherDatabase }],
    },
    {
      name: 'spec.database.databases widens the scope',
      sessions: [session({ pid: 10, database: 'billing' })],
      policy: { databases: ['app', 'billing'] },
      terminate: [10], skipped: [],
    },
    { name: 'idle sessions never (not listed)', sessions: [session({ pid: 10, state: 'idle' })], terminate: [], skipped: [] },
    {
      name: 'idle in transaction blocking nobody: reported, never terminated',
      sessions: [session({ pid: 10, state: 'idle in transaction' })],
      terminate: [], skipped: [{ pid: 10, reason: SkipReason.IdleNotBlocking }],
    },
    {
      name: 'threshold is strict and unknown duration is below it',
      sessions: [session({ pid: 10, durationSeconds: 300 }), session({ pid: 11, durationSeconds: 300.5 }), session({ pid: 12, durationSeconds: null })],
      terminate: [11], skipped: [],
    },
    {
      name: 'oldest first, capped by the budget',
      sessions: [session({ pid: 10, durationSeconds: 400 }), session({ pid: 11, durationSeconds: 900 }), session({ pid: 12, durationSeconds: 700 })],
      policy: { budget: 2 },
      terminate: [11, 12], skipped: [{ pid: 10, reason: SkipReason.BudgetExhausted }],
    },
    { name: 'zero budget selects nothing', sessions: [session({ pid: 10 })], policy: { budget: 0 }, terminate: [], skipped: [{ pid: 10, reason: SkipReason.BudgetExhausted }] },
    { name: 'negative budget selects nothing', sessions: [session({ pid: 10 })], policy: { budget: -3 }, terminate: [], skipped: [{ pid: 10, reason: SkipReason.BudgetExhausted }] },
    { name: 'no sessions', sessions: [], terminate: [], skipped: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = selectQueriesToTerminate(c.sessions, policy(c.policy));
      expect(pids(r)).to.deep.equal(c.terminate);
      expect(r.skipped).to.deep.equal(c.skipped);
      expect(r.terminate.every((t) => t.why === TerminationWhy.LongRunner)).to.equal(true);
    });
  }

  it('a session already paid for costs no budget', () => {
    const a = session({ pid: 10 });
    const r = selectQueriesToTerminate([a, session({ pid: 11, durationSeconds: 500 })], policy({ budget: 0, alreadyCounted: new Set([sessionKey(10, a.backendStart)]) }));
    expect(pids(r)).to.deep.equal([10]);
    expect(r.terminate[0]!.alreadyCounted).to.equal(true);
    expect(r.skipped).to.deep.equal([{ pid: 11, reason: SkipReason.BudgetExhausted }]);
  });
});

describe('selectQueriesToTerminate: lock pile-ups', () => {
  // A blocker running short statements inside a long transaction: its statement is young, its transaction old.
  const blocker = session({ pid: 20, durationSeconds: 0.01, transactionAgeSeconds: 900, stateAgeSeconds: 0.01 });
  const victims = [21, 22, 23, 24, 25].map((pid) => session({ pid, durationSeconds: 400, transactionAgeSeconds: 400, blockedBy: [20] }));

  it('terminates the root blocker only, never the waiting victims (the reported bug)', () => {
    const r = selectQueriesToTerminate([blocker, ...victims], policy({ budget: 3 }));
    expect(pids(r)).to.deep.equal([20]);
    expect(r.terminate[0]).to.include({ why: TerminationWhy.RootBlocker, waiters: 5, ageSeconds: 900 });
    expect(r.skipped.filter((s) => s.reason === SkipReason.Victim).map((s) => s.pid)).to.deep.equal([21, 22, 23, 24, 25]);
    expect(r.waiting).to.deep.equal([21, 22, 23, 24, 25]);
    expect(r.ineligibleBlockers).to.deep.equal([]);
  });

  it('an idle-in-transaction blocker is judged by its transaction age', () => {
    const idle = session({ pid: 20, state: 'idle in transaction', durationSeconds: 0.001, transactionAgeSeconds: 800, stateAgeSeconds: 790 });
    expect(pids(selectQueriesToTerminate([idle, ...victims], policy()))).to.deep.equal([20]);
    // with xact_start hidden, state_change still tells how long it has sat there
    const hidden = { ...idle, transactionAgeSeconds: null };
    expect(pids(selectQueriesToTerminate([hidden, ...victims], policy()))).to.deep.equal([20]);
  });

  it('a young root blocker is not terminated and its victims are left alone: escalate naming it', () => {
    const young = session({ pid: 20, durationSeconds: 1, transactionAgeSeconds: 10, user: 'redacted-user', application: 'redacted-app', fingerprint: 'LOCK TABLE t' });
    const r = selectQueriesToTerminate([young, ...victims], policy());
    expect(pids(r)).to.deep.equal([]);
    expect(r.ineligibleBlockers).to.deep.equal([{
      pid: 20, reason: SkipReason.BelowThreshold, waiters: 5, user: 'redacted-user', application: 'redacted-app', database: 'app', fingerprint: 'LOCK TABLE t', transactionAgeSeconds: 10,
    }]);
  });

  it('a superuser root blocker: touch nobody, escalate', () => {
    const su = { ...blocker, privilege: { superuser: true, replication: false, admin: false } };
    const r = selectQueriesToTerminate([su, ...victims, session({ pid: 40 })], policy());
    expect(pids(r), 'only the unrelated long runner').to.deep.equal([40]);
    expect(r.ineligibleBlockers.map((b) => [b.pid, b.reason])).to.deep.equal([[20, SkipReason.SuperuserRole]]);
  });

  it('a blocker in another database that blocks our sessions is named; one that blocks only others is ignored', () => {
    const other = { ...blocker, database: 'billing' };
    expect(selectQueriesToTerminate([other, ...victims], policy()).ineligibleBlockers.map((b) => b.reason)).to.deep.equal([SkipReason.OtherDatabase]);
    const theirs = victims.map((v) => ({ ...v, database: 'billing' }));
    const r = selectQueriesToTerminate([other, ...theirs], policy());
    expect(r.ineligibleBlockers).to.deep.equal([]);
    expect(r.waiting).to.deep.equal([]);
  });

  it('a prepared transaction (pid 0) blocking us is an unknown blocker', () => {
    const r = selectQueriesToTerminate([session({ pid: 21, blockedBy: [0] })], policy());
    expect(pids(r)).to.deep.equal([]);
    expect(r.ineligibleBlockers.map((b) => [b.pid, b.reason])).to.deep.equal([[0, SkipReason.UnknownBlocker]]);
  });

  it('a chain A blocks B blocks C: only A, counted with both waiters', () => {
    const a = session({ pid: 30, transactionAgeSeconds: 1000, durationSeconds: 1 });
    const b = session({ pid: 31, blockedBy: [30] });
    const c = session({ pid: 32, blockedBy: [31] });
    const r = selectQueriesToTerminate([c, b, a], policy());
    expect(pids(r)).to.deep.equal([30]);
    expect(r.terminate[0]!.waiters).to.equal(2);
  });

  it('two independent blockers: both, the one with more waiters first; then long runners', () => {
    const a = session({ pid: 50, transactionAgeSeconds: 2000 });
    const b = session({ pid: 60, transactionAgeSeconds: 1000 });
    const sessions = [a, b, session({ pid: 51, blockedBy: [50] }), session({ pid: 61, blockedBy: [60] }), session({ pid: 62, blockedBy: [60] }), session({ pid: 70, durationSeconds: 5000 })];
    expect(pids(selectQueriesToTerminate(sessions, policy()))).to.deep.equal([60, 50, 70]);
    const r = selectQueriesToTerminate(sessions, policy({ budget: 1 }));
    expect(pids(r), 'the budget goes to blockers before long runners').to.deep.equal([60]);
    expect(r.skipped).to.deep.include({ pid: 50, reason: SkipReason.BudgetExhausted });
    expect(r.skipped).to.deep.include({ pid: 70, reason: SkipReason.BudgetExhausted });
  });

  it('a deadlock cycle has no root: nobody is terminated', () => {
    const r = selectQueriesToTerminate([session({ pid: 80, blockedBy: [81] }), session({ pid: 81, blockedBy: [80] })], policy());
    expect(pids(r)).to.deep.equal([]);
    expect(r.waiting).to.deep.equal([80, 81]);
  });
});

describe('verifyTermination', () => {
  const scope = { ownPid: 1, databases: ['app'] };
  const base = { scope, thresholdSeconds: 300, waitingBefore: [], terminated: [] };

  it('ok when nothing waits and nothing runs long', () => {
    const r = verifyTermination({ ...base, sessions: [session({ pid: 10, durationSeconds: 1 }), session({ pid: 11, state: 'idle' })] });
    expect(r).to.include({ ok: true });
  });

  it('a former victim still waiting fails, even if its wait is young', () => {
    const v = session({ pid: 21, durationSeconds: 2, blockedBy: [22] });
    const r = verifyTermination({ ...base, sessions: [v, session({ pid: 22, durationSeconds: 1 })], waitingBefore: [{ pid: 21, backendStart: v.backendStart }] });
    expect(r.ok).to.equal(false);
    expect(r.stillWaiting).to.deep.equal([21]);
  });

  it('a fresh short wait of ordinary traffic is not a failure; a long one is', () => {
    const fresh = session({ pid: 21, durationSeconds: 0.2, blockedBy: [22] });
    expect(verifyTermination({ ...base, sessions: [fresh, session({ pid: 22, durationSeconds: 0.1 })] }).ok).to.equal(true);
    const long = { ...fresh, durationSeconds: 400 };
    expect(verifyTermination({ ...base, sessions: [long, session({ pid: 22, durationSeconds: 0.1 })] }).stillWaiting).to.deep.equal([21]);
  });

  it('a long query that remains (any role) fails; other databases do not count', () => {
    const su = session({ pid: 30, privilege: { superuser: true, replication: false, admin: false } });
    const r = verifyTermination({ ...base, sessions: [su, session({ pid: 31, database: 'billing' })] });
    expect(r.longRunning).to.deep.equal([30]);
    expect(r.ok).to.equal(false);
    expect(r.summary).to.match(/1 query still running longer than 300s/);
  });

  it('a signalled session that is still there fails', () => {
    const s = session({ pid: 40, durationSeconds: 1, state: 'idle in transaction' });
    const r = verifyTermination({ ...base, sessions: [s], terminated: [{ pid: 40, backendStart: s.backendStart }] });
    expect(r.survivors).to.deep.equal([40]);
    expect(r.ok).to.equal(false);
    // a new session that reused the pid is not a survivor
    expect(verifyTermination({ ...base, sessions: [s], terminated: [{ pid: 40, backendStart: '2020-01-01T00:00:00.000000Z' }] }).ok).to.equal(true);
  });
});
