/**
 * Property-based tests of the pure selection over random wait-for graphs, role sets, states, databases and
 * budgets: never a victim, never an ineligible session, never more new sessions than the budget, root blockers
 * before long runners, and every ineligible root blocker of an in-scope waiter named for escalation.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { buildWaitForGraph } from '../../../src/decide/lock-wait-graph.js';
import { selectQueriesToTerminate, TerminationWhy } from '../../../src/decide/query-termination.js';
import { blockerDisqualification, longRunnerDisqualification, untouchable, type SessionInfo } from '../../../src/decide/session-eligibility.js';
import { sessionKey } from '../../../src/decide/termination-budget.js';
import { budgetState, type LedgerEntry } from '../../../src/decide/termination-budget.js';

const STATES = ['active', 'idle', 'idle in transaction', 'idle in transaction (aborted)', 'fastpath function call', null] as const;
const DATABASES = ['app', 'billing', null] as const;

const sessionArb = (pid: number, maxPid: number): fc.Arbitrary<SessionInfo> =>
  fc.record({
    backendType: fc.constantFrom('client backend', 'client backend', 'client backend', 'autovacuum worker'),
    database: fc.constantFrom(...DATABASES),
    state: fc.constantFrom(...STATES),
    durationSeconds: fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { nil: null }),
    transactionAgeSeconds: fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { nil: null }),
    stateAgeSeconds: fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { nil: null }),
    // some edges point to pids that are not listed (ended sessions) or to 0 (prepared transactions)
    blockedBy: fc.array(fc.integer({ min: 0, max: maxPid + 2 }), { maxLength: 3 }),
    privilege: fc.option(fc.record({ superuser: fc.boolean(), replication: fc.boolean(), admin: fc.boolean() }), { nil: null, freq: 8 }),
  }).map((r) => ({
    pid,
    backendStart: `2024-05-01T10:00:00.${String(pid).padStart(6, '0')}Z`,
    user: 'u', application: 'a', fingerprint: 'SELECT ?',
    ...r,
  }));

const worldArb = fc.integer({ min: 1, max: 14 }).chain((n) =>
  fc.record({
    sessions: fc.tuple(...Array.from({ length: n }, (_, i) => sessionArb(100 + i, 100 + n))),
    ownPid: fc.constantFrom(100, 101, 999),
    databases: fc.constantFrom(['app'], ['app', 'billing']),
    thresholdSeconds: fc.constantFrom(0, 60, 300),
    budget: fc.integer({ min: -1, max: 6 }),
    paid: fc.array(fc.integer({ min: 100, max: 100 + n }), { maxLength: 3 }),
  }));

describe('query termination: properties over random wait-for graphs and role sets', () => {
  it('never a victim, never an ineligible session, never more than the budget, blockers first', () => {
    fc.assert(fc.property(worldArb, (w) => {
      const byPid = new Map(w.sessions.map((s) => [s.pid, s]));
      const alreadyCounted = new Set(w.paid.filter((p) => byPid.has(p)).map((p) => sessionKey(p, byPid.get(p)!.backendStart)));
      const policy = { ownPid: w.ownPid, databases: w.databases, thresholdSeconds: w.thresholdSeconds, budget: w.budget, alreadyCounted };
      const result = selectQueriesToTerminate(w.sessions, policy);
      const graph = buildWaitForGraph(w.sessions);

      const chosen = result.terminate.map((t) => t.session.pid);
      expect(new Set(chosen).size, 'no session twice').to.equal(chosen.length);
      for (const t of result.terminate) {
        const s = t.session;
        expect(graph.isWaiting(s.pid), `victim ${s.pid} chosen`).to.equal(false);
        expect(untouchable(s, policy), `ineligible ${s.pid} chosen`).to.equal(null);
        if (t.why === TerminationWhy.RootBlocker) {
          expect(graph.waiterCount(s.pid)).to.be.greaterThan(0);
          expect(blockerDisqualification(s, policy, w.thresholdSeconds)).to.equal(null);
        } else {
          expect(graph.waiterCount(s.pid)).to.equal(0);
          expect(longRunnerDisqualification(s, policy, w.thresholdSeconds)).to.equal(null);
        }
      }
      const fresh = result.terminate.filter((t) => !alreadyCounted.has(sessionKey(t.session.pid, t.session.backendStart)));
      expect(fresh.length, 'new sessions within the budget').to.be.at.most(Math.max(0, w.budget));
      const firstRunner = result.terminate.findIndex((t) => t.why === TerminationWhy.LongRunner);
      if (firstRunner >= 0) expect(result.terminate.slice(firstRunner).every((t) => t.why === TerminationWhy.LongRunner), 'blockers before long runners').to.equal(true);
      // a long runner only gets budget when no eligible root blocker went without
      const starvedBlocker = graph.roots.some((r) => {
        const s = byPid.get(r.pid);
        return s !== undefined && blockerDisqualification(s, policy, w.thresholdSeconds) === null && !chosen.includes(r.pid);
      });
      if (starvedBlocker) expect(fresh.some((t) => t.why === TerminationWhy.LongRunner)).to.equal(false);

      // every root blocker of an in-scope waiting client is either chosen or named for escalation
      for (const pid of result.waiting) {
        for (const root of graph.rootsOf(pid)) {
          const named = result.ineligibleBlockers.some((b) => b.pid === root);
          const skippedForBudget = result.skipped.some((s) => s.pid === root && s.reason === 'BudgetExhausted');
          expect(chosen.includes(root) || named || skippedForBudget, `root ${root} of waiter ${pid} unaccounted`).to.equal(true);
        }
      }
      // a named ineligible blocker is never chosen
      for (const b of result.ineligibleBlockers) expect(chosen).to.not.include(b.pid);
    }), { numRuns: 600 });
  });

  it('the server budget is never exceeded, whatever the order and repetition of intents', () => {
    const entryArb = fc.record({
      server: fc.constantFrom('s1', 's2'),
      pid: fc.integer({ min: 1, max: 8 }),
      backendStart: fc.constantFrom('2024-05-01T10:00:00.000001Z', '2024-05-01T10:00:00.000002Z'),
      offsetSeconds: fc.integer({ min: 0, max: 1500 }),
    });
    fc.assert(fc.property(fc.array(entryArb, { maxLength: 30 }), fc.integer({ min: 0, max: 6 }), (raw, max) => {
      const now = new Date('2024-05-01T12:00:00Z');
      const policy = { max, windowSeconds: 600 };
      // replay: each Incident asks for a unit for one session; it may record an intent only when the state allows it
      const ledger: LedgerEntry[] = [];
      for (const r of raw.sort((a, b) => b.offsetSeconds - a.offsetSeconds)) {
        const at = new Date(now.getTime() - r.offsetSeconds * 1000);
        const state = budgetState(ledger, r.server, policy, at);
        const key = sessionKey(r.pid, r.backendStart);
        if (state.counted.has(key) || state.remaining > 0) ledger.push({ server: r.server, pid: r.pid, backendStart: r.backendStart, intendedAt: at.toISOString() });
        const after = budgetState(ledger, r.server, policy, at);
        expect(after.used).to.be.at.most(max);
      }
      for (const server of ['s1', 's2']) {
        // any 10-minute window holds at most `max` distinct sessions of one server
        const entries = ledger.filter((e) => e.server === server);
        for (const e of entries) {
          const end = Date.parse(e.intendedAt);
          const inWindow = new Set(entries.filter((x) => Date.parse(x.intendedAt) <= end && Date.parse(x.intendedAt) > end - 600_000).map((x) => sessionKey(x.pid, x.backendStart)));
          expect(inWindow.size).to.be.at.most(max);
        }
      }
    }), { numRuns: 500 });
  });
});
