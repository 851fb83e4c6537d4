import { expect } from 'chai';
import fc from 'fast-check';
import { evaluateRollbackGuards } from '../../../src/decide/rollback-guards.js';
import { knownGoodRule, resumeStatefulSetIntent, statefulSetGuardInput, statefulSetRollbackApplied, withStatefulSetRollbackRecord } from '../../../src/decide/statefulset-remediation.js';
import { planStatefulSetRollback } from '../../../src/decide/statefulset-rollback.js';
import { revisions, sts } from './statefulset-fixtures.js';

const now = new Date('2026-12-01T08:00:00Z');
const base = { revisions, toRevision: 1, requested: false, policy: 'Automatic' as const, approved: false, dryRun: false, allowUnverified: false, rateLimit: { max: 1, windowSeconds: 600 }, now };

describe('decide/statefulset-remediation', () => {
  const rules: [string, Parameters<typeof knownGoodRule>, string][] = [
    ['requested in spec', [{ source: 'HealthyPods', revision: 1 }, 1, true], 'Requested'],
    ['healthy pods', [{ source: 'HealthyPods', revision: 1 }, 1, false], 'HealthyPods'],
    ['a record', [{ source: 'Recorded', revision: 1 }, 1, false], 'Recorded'],
    ['the fallback', [{ source: 'PreviousRevisionFallback', revision: 1 }, 1, false], 'PreviousRevisionFallback'],
    ['another revision than the known good', [{ source: 'Recorded', revision: 3 }, 1, false], 'PreviousRevisionFallback'],
  ];
  for (const [name, args, want] of rules) it(`known-good rule: ${name} → ${want}`, () => expect(knownGoodRule(...args)).to.equal(want));

  // [case, last known good, guard options, expected guard reason]
  const guards: [string, Parameters<typeof statefulSetGuardInput>[0]['lastKnownGood'], Partial<typeof base> & { annotations?: Record<string, string> }, string][] = [
    ['proven by healthy pods', { revision: 1, source: 'HealthyPods', note: '' }, {}, 'Allowed'],
    ['proven by a record', { revision: 1, source: 'Recorded', note: '' }, {}, 'Allowed'],
    ['the unverified fallback is refused', { revision: 1, source: 'PreviousRevisionFallback', note: 'never verified' }, {}, 'UnverifiedRevision'],
    ['… unless allowUnverified', { revision: 1, source: 'PreviousRevisionFallback', note: '' }, { allowUnverified: true }, 'Allowed'],
    ['a revision the StatefulSet no longer has', { revision: 5, source: 'HealthyPods', note: '' }, { toRevision: 5 }, 'RevisionNotFound'],
    ['policy Disabled', { revision: 1, source: 'HealthyPods', note: '' }, { policy: 'Disabled' as never }, 'PolicyDisabled'],
    ['Manual, not approved', { revision: 1, source: 'HealthyPods', note: '' }, { policy: 'Manual' as never }, 'AwaitingApproval'],
    ['opted out by annotation', { revision: 1, source: 'HealthyPods', note: '' }, { annotations: { 'runbook.dev/rollback': 'disabled' } }, 'OptedOut'],
    ['rate limited by its own rollback history', { revision: 1, source: 'HealthyPods', note: '' }, { annotations: { 'runbook.dev/rollback-history': JSON.stringify(['2026-12-01T07:58:00Z']) } }, 'RateLimited'],
    ['dry run', { revision: 1, source: 'HealthyPods', note: '' }, { dryRun: true }, 'DryRun'],
  ];
  for (const [name, lkg, o, want] of guards) {
    it(`guards: ${name} → ${want}`, () => {
      const { annotations, ...rest } = o;
      const g = evaluateRollbackGuards(statefulSetGuardInput({ ...base, ...rest, sts: sts({ annotations }), lastKnownGood: lkg }));
      expect(g.reason, g.message).to.equal(want);
    });
  }

  it('the patch writes the template back and records the rollback on the StatefulSet, keeping its annotations', () => {
    const s = sts({ annotations: { 'team.example/owner': 'db-team', 'runbook.dev/rollback-history': JSON.stringify(['2026-11-30T08:00:00Z']) } });
    const plan = planStatefulSetRollback(s, revisions, 1);
    if (plan.action !== 'Patch') throw new Error(plan.action);
    const ops = withStatefulSetRollbackRecord(plan, s, 'uid-inc', now);
    expect(ops.slice(0, 2)).to.deep.equal(plan.patch);
    const ann = ops[2];
    expect(ann).to.include({ op: 'add', path: '/metadata/annotations' });
    const value = ann?.value as Record<string, string>;
    expect(value['team.example/owner']).to.equal('db-team');
    expect(value['runbook.dev/rolled-back-by']).to.equal('uid-inc/r1');
    expect(JSON.parse(value['runbook.dev/rollback-history'] ?? '[]')).to.deep.equal(['2026-11-30T08:00:00.000Z', '2026-12-01T08:00:00.000Z']);
    expect(statefulSetRollbackApplied(sts({ annotations: value }), 'uid-inc')).to.equal(true);
    expect(statefulSetRollbackApplied(sts({ annotations: value }), 'uid-other')).to.equal(false);
  });

  const resumes: [string, { fromGeneration?: number; to?: string }, Parameters<typeof sts>[0], string][] = [
    ['unchanged generation: patch', { fromGeneration: 2, to: 'db-h1' }, { generation: 2 }, 'Patch'],
    ['changed, rolling to the intended revision: already there', { fromGeneration: 2, to: 'db-h1' }, { generation: 3, update: 'db-h1' }, 'AlreadyThere'],
    ['changed to something else: conflict', { fromGeneration: 2, to: 'db-h1' }, { generation: 3, update: 'db-h9' }, 'Conflict'],
  ];
  for (const [name, intent, o, want] of resumes) {
    it(`resumed intent: ${name}`, () => {
      const current = { state: 'Intended' as const, fromGeneration: intent.fromGeneration, statefulSet: { fromControllerRevision: 'db-h2', toControllerRevision: intent.to ?? '', knownGoodRule: 'HealthyPods' } };
      expect(resumeStatefulSetIntent(current, sts(o))).to.equal(want);
    });
  }

  it('property: the record keeps every existing annotation but the two it owns, and never drops the plan\'s ops', () => {
    const key = fc.stringMatching(/^[a-z]{1,8}\/[a-z]{1,8}$/);
    fc.assert(fc.property(fc.dictionary(key, fc.string({ maxLength: 20 })), (annotations) => {
      const s = sts({ annotations });
      const plan = planStatefulSetRollback(s, revisions, 1);
      if (plan.action !== 'Patch') throw new Error(plan.action);
      const ops = withStatefulSetRollbackRecord(plan, s, 'u', now);
      expect(ops.slice(0, plan.patch.length)).to.deep.equal(plan.patch);
      const value = ops[ops.length - 1]?.value as Record<string, string>;
      for (const [k, v] of Object.entries(annotations)) {
        if (k !== 'runbook.dev/rollback-history' && k !== 'runbook.dev/rolled-back-by') expect(value[k]).to.equal(v);
      }
      expect(value['runbook.dev/rolled-back-by']).to.equal('u/r1');
    }), { numRuns: 200 });
  });
});
