import { expect } from 'chai';
import {
  selectQueriesToTerminate,
  SkipReason,
  type SessionInfo,
  type TerminationPolicy,
} from '../../../src/decide/query-termination.js';

function session(overrides: Partial<SessionInfo> & { pid: number }): SessionInfo {
  return {
    backendType: 'client backend',
    backendStart: '2024-05-01T10:00:00.123456Z',
    user: 'app_user',
    database: 'app',
    application: 'api',
    state: 'active',
    durationSeconds: 600,
    transactionAgeSeconds: 600,
    rolsuper: false,
    rolreplication: false,
    fingerprint: 'SELECT pg_sleep(?)',
    ...overrides,
  };
}

function policy(overrides: Partial<TerminationPolicy> = {}): TerminationPolicy {
  return { thresholdSeconds: 300, maxTerminations: 5, alreadyTerminated: 0, ownPid: 1, ...overrides };
}

interface Case {
  name: string;
  sessions: SessionInfo[];
  policy: TerminationPolicy;
  eligible: number[];
  skipped: { pid: number; reason: string }[];
}

const cases: Case[] = [
  { name: 'old active client session is eligible', sessions: [session({ pid: 10 })], policy: policy(), eligible: [10], skipped: [] },
  {
    name: 'idle in transaction counts as not idle',
    sessions: [session({ pid: 10, state: 'idle in transaction' })],
    policy: policy(),
    eligible: [10],
    skipped: [],
  },
  { name: 'own pid never', sessions: [session({ pid: 1 })], policy: policy(), eligible: [], skipped: [{ pid: 1, reason: SkipReason.OwnSession }] },
  {
    name: 'non-client backends never',
    sessions: [session({ pid: 10, backendType: 'autovacuum worker' }), session({ pid: 11, backendType: 'walsender' })],
    policy: policy(),
    eligible: [],
    skipped: [
      { pid: 10, reason: SkipReason.NotClientBackend },
      { pid: 11, reason: SkipReason.NotClientBackend },
    ],
  },
  {
    name: 'superuser and replication roles never',
    sessions: [session({ pid: 10, rolsuper: true }), session({ pid: 11, rolreplication: true })],
    policy: policy(),
    eligible: [],
    skipped: [
      { pid: 10, reason: SkipReason.SuperuserRole },
      { pid: 11, reason: SkipReason.ReplicationRole },
    ],
  },
  {
    name: 'unknown role or state is never guessed',
    sessions: [session({ pid: 10, rolsuper: null }), session({ pid: 11, rolreplication: null }), session({ pid: 12, state: null })],
    policy: policy(),
    eligible: [],
    skipped: [
      { pid: 10, reason: SkipReason.UnknownRole },
      { pid: 11, reason: SkipReason.UnknownRole },
      { pid: 12, reason: SkipReason.StateUnknown },
    ],
  },
  { name: 'idle sessions never', sessions: [session({ pid: 10, state: 'idle' })], policy: policy(), eligible: [], skipped: [{ pid: 10, reason: SkipReason.Idle }] },
  {
    name: 'threshold is strict and unknown duration is below it',
    sessions: [session({ pid: 10, durationSeconds: 300 }), session({ pid: 11, durationSeconds: 300.5 }), session({ pid: 12, durationSeconds: null })],
    policy: policy(),
    eligible: [11],
    skipped: [
      { pid: 10, reason: SkipReason.BelowThreshold },
      { pid: 12, reason: SkipReason.BelowThreshold },
    ],
  },
  {
    name: 'oldest first, capped by the remaining budget',
    sessions: [session({ pid: 10, durationSeconds: 400 }), session({ pid: 11, durationSeconds: 900 }), session({ pid: 12, durationSeconds: 700 })],
    policy: policy({ maxTerminations: 3, alreadyTerminated: 1 }),
    eligible: [11, 12],
    skipped: [{ pid: 10, reason: SkipReason.BudgetExhausted }],
  },
  {
    name: 'equal durations are ordered by pid',
    sessions: [session({ pid: 30 }), session({ pid: 20 })],
    policy: policy(),
    eligible: [20, 30],
    skipped: [],
  },
  {
    name: 'budget already spent (or overspent) selects nothing',
    sessions: [session({ pid: 10 })],
    policy: policy({ maxTerminations: 2, alreadyTerminated: 3 }),
    eligible: [],
    skipped: [{ pid: 10, reason: SkipReason.BudgetExhausted }],
  },
  {
    name: 'zero budget selects nothing',
    sessions: [session({ pid: 10 })],
    policy: policy({ maxTerminations: 0 }),
    eligible: [],
    skipped: [{ pid: 10, reason: SkipReason.BudgetExhausted }],
  },
  { name: 'no sessions', sessions: [], policy: policy(), eligible: [], skipped: [] },
];

describe('selectQueriesToTerminate', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = selectQueriesToTerminate(c.sessions, c.policy);
      expect(result.eligible.map((s) => s.pid)).to.deep.equal(c.eligible);
      expect(result.skipped).to.deep.equal(c.skipped);
    });
  }

  it('returns the sessions themselves so the adapter can re-check pid and backend_start', () => {
    const s = session({ pid: 42, backendStart: '2024-05-01T10:00:00.000001Z' });
    const [only] = selectQueriesToTerminate([s], policy()).eligible;
    expect(only).to.equal(s);
  });

  it('does not reorder the input array', () => {
    const input = [session({ pid: 10, durationSeconds: 400 }), session({ pid: 11, durationSeconds: 900 })];
    selectQueriesToTerminate(input, policy());
    expect(input.map((s) => s.pid)).to.deep.equal([10, 11]);
  });
});
