import { expect } from 'chai';
import {
  DEFAULT_ROLLBACK_RATE_LIMIT,
  ROLLBACK_HISTORY_ANNOTATION,
  appendRollbackHistory,
  evaluateRollbackGuards,
  isRollbackOptedOut,
  parseRollbackHistory,
  proveRevision,
  type RollbackGuardInput,
  type RollbackGuardResult,
} from '../../../src/decide/rollback-guards.js';
import { aDeployment, deepFreeze } from './rollback-fixtures.js';

const now = new Date('2024-05-10T12:00:00.000Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

function input(over: Partial<RollbackGuardInput> = {}): RollbackGuardInput {
  return deepFreeze({
    policy: 'Automatic',
    approved: false,
    optOutAnnotation: false,
    paused: false,
    dryRun: false,
    recentRollbacks: [],
    rateLimit: DEFAULT_ROLLBACK_RATE_LIMIT,
    now,
    ...over,
  });
}

describe('decide/rollback-guards', () => {
  const cases: { name: string; input: RollbackGuardInput; want: Partial<RollbackGuardResult> }[] = [
    { name: 'automatic, nothing in the way', input: input(), want: { allowed: true, reason: 'Allowed' } },
    { name: 'policy Disabled', input: input({ policy: 'Disabled', approved: true }), want: { allowed: false, reason: 'PolicyDisabled' } },
    { name: 'opt-out annotation', input: input({ optOutAnnotation: true }), want: { allowed: false, reason: 'OptedOut' } },
    { name: 'Disabled wins over opt-out', input: input({ policy: 'Disabled', optOutAnnotation: true }), want: { reason: 'PolicyDisabled' } },
    { name: 'paused deployment', input: input({ paused: true }), want: { allowed: false, reason: 'DeploymentPaused' } },
    {
      name: 'manual without approval is proposed',
      input: input({ policy: 'Manual' }),
      want: { allowed: false, reason: 'AwaitingApproval', proposed: true },
    },
    { name: 'manual with approval', input: input({ policy: 'Manual', approved: true }), want: { allowed: true, reason: 'Allowed' } },
    {
      name: 'rate limited by a rollback 5 minutes ago',
      input: input({ recentRollbacks: [ago(300)] }),
      want: { allowed: false, reason: 'RateLimited' },
    },
    {
      name: 'rate limit applies to approved manual rollbacks too',
      input: input({ policy: 'Manual', approved: true, recentRollbacks: [ago(300)] }),
      want: { reason: 'RateLimited' },
    },
    {
      name: 'rollback older than the window does not count',
      input: input({ recentRollbacks: [ago(600), ago(3600)] }),
      want: { allowed: true, reason: 'Allowed' },
    },
    {
      name: 'a future timestamp (clock skew) counts',
      input: input({ recentRollbacks: [new Date(now.getTime() + 60_000)] }),
      want: { reason: 'RateLimited' },
    },
    {
      name: 'max 2: one recent rollback is fine',
      input: input({ rateLimit: { max: 2, windowSeconds: 600 }, recentRollbacks: [ago(100)] }),
      want: { allowed: true, reason: 'Allowed' },
    },
    {
      name: 'max 0 blocks everything',
      input: input({ rateLimit: { max: 0, windowSeconds: 600 } }),
      want: { allowed: false, reason: 'RateLimited' },
    },
    { name: 'dry run is proposed', input: input({ dryRun: true }), want: { allowed: false, reason: 'DryRun', proposed: true } },
    {
      name: 'rate limit is reported before dry run',
      input: input({ dryRun: true, recentRollbacks: [ago(10)] }),
      want: { reason: 'RateLimited' },
    },
    {
      name: 'resuming a recorded intent does not count its own history entry',
      input: input({ recentRollbacks: [ago(20)], intentAlreadyRecorded: { toRevision: 4, recordedAt: ago(20) } }),
      want: { allowed: true, reason: 'Allowed', resumesIntent: true },
    },
    {
      name: 'resuming an intent is still rate limited by other rollbacks',
      input: input({ recentRollbacks: [ago(200), ago(20)], intentAlreadyRecorded: { toRevision: 4, recordedAt: ago(20) } }),
      want: { reason: 'RateLimited' },
    },
    {
      name: 'resuming an intent still honours an opt-out added since',
      input: input({ optOutAnnotation: true, intentAlreadyRecorded: { toRevision: 4, recordedAt: ago(20) } }),
      want: { reason: 'OptedOut' },
    },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${String(c.want.reason)}`, () => {
      expect(evaluateRollbackGuards(c.input)).to.include(c.want);
    });
  }

  it('says when the next rollback is allowed', () => {
    const result = evaluateRollbackGuards(input({ recentRollbacks: [ago(300)] }));
    expect(result.nextAllowedAt?.toISOString()).to.equal('2024-05-10T12:05:00.000Z');
    expect(result.message).to.contain('next rollback allowed at 2024-05-10T12:05:00Z');
  });

  it('next allowed time with max 2 is when the older of the two expires', () => {
    const result = evaluateRollbackGuards(input({ rateLimit: { max: 2, windowSeconds: 600 }, recentRollbacks: [ago(100), ago(500)] }));
    expect(result.nextAllowedAt?.toISOString()).to.equal('2024-05-10T12:01:40.000Z');
  });

  describe('history annotation', () => {
    it('round-trips and keeps the newest entries', () => {
      let value: string | undefined;
      for (let i = 12; i >= 1; i -= 1) value = appendRollbackHistory(value, ago(i * 60), 3);
      expect(parseRollbackHistory(value).map((d) => d.toISOString())).to.deep.equal([
        ago(180).toISOString(),
        ago(120).toISOString(),
        ago(60).toISOString(),
      ]);
    });

    const malformed: [string, string | undefined][] = [
      ['absent', undefined],
      ['not JSON', 'nope'],
      ['not an array', '{"a":1}'],
    ];
    for (const [name, value] of malformed) {
      it(`${name} parses to []`, () => expect(parseRollbackHistory(value)).to.deep.equal([]));
    }

    it('drops invalid entries', () => {
      expect(parseRollbackHistory('["2024-05-10T11:00:00Z", 3, "garbage"]').map((d) => d.toISOString())).to.deep.equal([
        '2024-05-10T11:00:00.000Z',
      ]);
    });

    it('uses the runbook.dev annotation key', () => {
      expect(ROLLBACK_HISTORY_ANNOTATION).to.equal('runbook.dev/rollback-history');
    });
  });

  describe('isRollbackOptedOut', () => {
    const cases: [Record<string, string>, boolean][] = [
      [{ 'runbook.dev/rollback': 'disabled' }, true],
      [{ 'runbook.dev/rollback': 'Disabled ' }, true],
      [{ 'runbook.dev/rollback': 'enabled' }, false],
      [{}, false],
    ];
    for (const [annotations, want] of cases) {
      it(`${JSON.stringify(annotations)} -> ${want}`, () => {
        expect(isRollbackOptedOut(aDeployment({ annotations }))).to.equal(want);
      });
    }
  });
});

describe('decide/rollback-guards: no rollback to an unproven revision', () => {
  const proof = (over: Partial<Parameters<typeof proveRevision>[0]> = {}) => proveRevision({
    toRevision: 1, requested: false, existingRevisions: [1, 2],
    lastKnownGood: { revision: 1, source: 'Recorded', note: 'matched recorded template hash abc' }, allowUnverified: false, ...over,
  });
  const guard = (revision: ReturnType<typeof proveRevision>, over: Partial<RollbackGuardInput> = {}) => evaluateRollbackGuards(input({ revision, ...over }));

  it('the recorded last known good is allowed', () => {
    expect(guard(proof())).to.include({ allowed: true, reason: 'Allowed' });
  });
  it('previous-revision fallback (no record) is refused', () => {
    const r = guard(proof({ lastKnownGood: { revision: 1, source: 'PreviousRevisionFallback', note: 'no record; falling back' } }));
    expect(r).to.include({ allowed: false, reason: 'UnverifiedRevision' });
    expect(r.message).to.include('never recorded healthy').and.include('allowUnverified');
  });
  it('previous-revision fallback is allowed with allowUnverified', () => {
    expect(guard(proof({ lastKnownGood: { revision: 1, source: 'PreviousRevisionFallback', note: '' }, allowUnverified: true }))).to.include({ allowed: true });
  });
  it('toRevision of a revision that is not the recorded one is refused', () => {
    const r = guard(proof({ toRevision: 2, requested: true }));
    expect(r).to.include({ allowed: false, reason: 'UnverifiedRevision' });
    expect(r.message).to.include('spec.rollback.toRevision 2');
  });
  it('toRevision of the recorded revision is allowed', () => {
    expect(guard(proof({ toRevision: 1, requested: true }))).to.include({ allowed: true });
  });
  it('toRevision of a revision that does not exist is refused, even with allowUnverified', () => {
    const r = guard(proof({ toRevision: 9, requested: true, allowUnverified: true }));
    expect(r).to.include({ allowed: false, reason: 'RevisionNotFound' });
  });
  it('no record at all (source None) is refused', () => {
    expect(guard(proof({ lastKnownGood: { revision: null, source: 'None', note: 'none' } }))).to.include({ reason: 'UnverifiedRevision' });
  });
  it('unverified is refused before a Manual proposal (nothing unproven is proposed)', () => {
    const r = guard(proof({ lastKnownGood: undefined }), { policy: 'Manual' });
    expect(r.reason).to.equal('UnverifiedRevision');
  });
  it('Disabled, opt-out and paused still win over the revision checks', () => {
    const bad = proof({ toRevision: 9 });
    expect(guard(bad, { policy: 'Disabled' }).reason).to.equal('PolicyDisabled');
    expect(guard(bad, { optOutAnnotation: true }).reason).to.equal('OptedOut');
    expect(guard(bad, { paused: true }).reason).to.equal('DeploymentPaused');
  });
  it('dry run still applies after a proven revision', () => {
    expect(guard(proof(), { dryRun: true })).to.include({ reason: 'DryRun', proposed: true });
  });
});
